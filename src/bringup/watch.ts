// Watches convergence checks on live switches and reports every change of their results: the
// event-driven wait under bring-up's cabling checks and gates. Per switch and database: subscribe
// to the tables the checks read (keyspace events), read them once, then re-read a table after
// its events settle and re-evaluate. A slow resync read covers a lost notification. FRR
// (switches without bgpmon) has no events: `show bgp summary json` is polled.
import { evaluate, neighStateFromFrr, type Check, type Observation } from '../core/checks/checks.ts';
import type { Fields } from '../core/diff/flat.ts';
import type { SwitchLink } from '../transport/connect.ts';
import { FRR_SUMMARY_ARGV, tableOf, tableOfCheck } from '../services/watch-kit.ts';
import type { Unwatch } from '../transport/transport.ts';

export interface CheckResult {
  readonly check: Check;
  readonly observation: Observation;
}

export interface WatchOptions {
  readonly debounceMs?: number;
  readonly resyncMs?: number;
  readonly frrPollMs?: number;
  /** A switch could not be read: the watch goes on with the others, the error is reported. */
  readonly onError?: (sw: string, e: unknown) => void;
}

export interface Watch {
  stop(): Promise<void>;
}

type Db = 'STATE_DB' | 'APPL_DB';

/** Starts watching; `onUpdate` gets every check's latest result after each change. */
export async function watchChecks(
  links: ReadonlyMap<string, SwitchLink>,
  checks: readonly Check[],
  onUpdate: (results: readonly CheckResult[]) => void,
  opts: WatchOptions = {},
): Promise<Watch> {
  const results = new Map<Check, Observation>(checks.map((c) => [c, { pass: false, seen: 'not read yet' }]));
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const unwatches: Unwatch[] = [];
  let stopped = false;
  const publish = () => {
    if (!stopped) onUpdate(checks.map((c) => ({ check: c, observation: results.get(c)! })));
  };
  const later = (fn: () => void, ms: number) => {
    if (stopped) return;
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopped) fn();
    }, ms);
    timers.add(t);
  };

  const groups = new Map<string, { sw: string; db: Db | 'FRR'; checks: Check[] }>();
  for (const c of checks) {
    const k = `${c.switch}\n${c.db}`;
    if (!groups.has(k)) groups.set(k, { sw: c.switch, db: c.db, checks: [] });
    groups.get(k)!.checks.push(c);
  }

  const starts = [...groups.values()].map(async (g) => {
    const link = links.get(g.sw);
    if (!link) throw new Error(`${g.sw}: no link to this switch`);
    const judge = (view: ReadonlyMap<string, Fields>) => {
      for (const c of g.checks) results.set(c, evaluate(c, view));
      publish();
    };
    if (g.db === 'FRR') {
      const exec = link.exec;
      const poll = async () => {
        try {
          if (!exec) throw new Error('no exec channel: BGP state of a switch without bgpmon is read through vtysh');
          const r = await exec.run(FRR_SUMMARY_ARGV, { timeoutMs: 10_000 });
          judge(neighStateFromFrr(JSON.parse(r.stdout || '{}')));
        } catch (e) {
          opts.onError?.(g.sw, e);
        }
        later(() => void poll(), opts.frrPollMs ?? 1000);
      };
      await poll();
      return;
    }
    const db = g.db;
    const tables = [...new Set(g.checks.map(tableOfCheck))];
    const snapshot = new Map<string, Fields>();
    let pending: Set<string> | undefined;
    let reading = false;
    const read = async (which: readonly string[]) => {
      reading = true;
      try {
        const fresh = await link.transport.read(db, which);
        for (const k of [...snapshot.keys()]) if (which.includes(tableOf(db, k))) snapshot.delete(k);
        for (const [k, v] of fresh) snapshot.set(k, v);
        judge(snapshot);
      } catch (e) {
        opts.onError?.(g.sw, e);
      } finally {
        reading = false;
      }
      if (pending && pending.size > 0) schedule();
    };
    const schedule = () => {
      if (reading) return;
      later(() => {
        const which = [...(pending ?? [])];
        pending = undefined;
        if (which.length) void read(which);
      }, opts.debounceMs ?? 50);
    };
    unwatches.push(
      await link.transport.watch(db, tables, (key) => {
        const first = !pending;
        (pending ??= new Set()).add(tableOf(db, key));
        if (first) schedule();
      }),
    );
    await read(tables);
    const resync = () => later(() => void read(tables).then(resync), opts.resyncMs ?? 2000);
    resync();
  });
  const settled = await Promise.allSettled(starts);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  const stop = async () => {
    stopped = true;
    for (const t of timers) clearTimeout(t);
    timers.clear();
    await Promise.all(unwatches.splice(0).map((u) => u().catch(() => undefined)));
  };
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return { stop };
}
