// The watcher: convergence checks on live switches, results reported as they change, until all
// pass, a deadline or an abort. Per switch and database it runs one table watch (tables.ts) over
// the tables the checks read and re-evaluates the checks of each table re-read; FRR (switches
// without bgpmon) has no events: `show bgp summary json` is polled through the exec channel.
// verify is one run of it per switch; the bring-up gates watch with it and hear every change;
// "wait until consumed" is a run over one check.
import { evaluate, neighStateFromFrr, type Check } from '../../core/checks/checks.ts';
import type { FlatDb } from '../../core/diff/flat.ts';
import type { SwitchLink } from '../../transport/connect.ts';
import { SwitchError, type DbName, type ExecChannel } from '../../transport/transport.ts';
import { routingDaemonsDown } from './daemons.ts';
import { FRR_SUMMARY_ARGV, realClock, tableOfCheck, type Clock } from '../watch-kit.ts';
import { watchTables, type TableWatch } from './tables.ts';

export interface WatchedCheck {
  readonly check: Check;
  pass: boolean;
  seen: string;
  /** Observed at least once (an error or no answer yet is not an observation). */
  read: boolean;
  /** ms from t0 when it last went from failing to passing. */
  since: number | undefined;
}

export interface CheckWatchOptions {
  readonly clock?: Clock;
  /** Where `since` counts from (default: now). */
  readonly t0?: number;
  /** Quiet time after a keyspace event before re-reading (default 50 ms). */
  readonly debounceMs?: number;
  /** Interval of `show bgp summary json` polls for FRR checks (default 1 s). */
  readonly frrPollMs?: number;
  /** A full re-read of every table this often, for a lost notification (default none). */
  readonly resyncMs?: number;
  /** Every check's latest result, after each change. */
  readonly onChange?: (results: readonly WatchedCheck[]) => void;
  /** A read of a switch failed. Given: told, and the watch goes on (bring-up). Not given: the
   *  switch fails — its checks carry the error and its watch stops (verify). */
  readonly onError?: (sw: string, e: unknown) => void;
  /** Sessions and routes read from STATE_DB / APPL_DB pass only while the routing daemons run,
   *  asked through the exec channel every frrPollMs (switches without one: not asked). */
  readonly daemons?: boolean;
}

export interface CheckWatch {
  readonly results: readonly WatchedCheck[];
  /** Settles when every switch has had its first read and its first FRR answer. */
  readonly firstRead: Promise<void>;
  /** The error of a switch that failed (null if none). */
  error(sw: string): string | null;
  /** Every check passes, or its switch failed. */
  done(): boolean;
  /** Resolves when done(), at the deadline (clock time, ms) or when the signal aborts. */
  until(deadline: number, signal?: AbortSignal): Promise<void>;
  /** Stops every loop; a poll still running is not waited for, its answer ignored. */
  stop(): Promise<void>;
  /** One last read of the tables whose checks still fail (after stop: a lost notification must
   *  not fail a converged switch). A switch that cannot be read then fails. */
  finalRead(): Promise<void>;
}

type RedisDb = Extract<DbName, 'STATE_DB' | 'APPL_DB'>;

interface Group {
  readonly name: string;
  readonly link: SwitchLink;
  readonly states: WatchedCheck[];
  readonly tables: { db: RedisDb; states: WatchedCheck[]; watch?: TableWatch }[];
  error: string | null;
  /** The next FRR poll and daemon check. */
  readonly timers: Set<unknown>;
  /** The routing daemons (opts.daemons and an exec channel): a down message while one is down. */
  routing?: { state: 'up' } | { state: 'unknown'; why?: string } | { state: 'down'; seen: string };
  /** Where each STATE_DB / APPL_DB check was last evaluated, to judge again when `routing` changes. */
  readonly views: Map<WatchedCheck, (s: WatchedCheck) => FlatDb>;
}

/** Checks whose state FRR feeds (bgpmon, bgpcfgd, fpmsyncd): stale when a routing daemon is dead. */
const ROUTED = new Set(['bgp-session', 'bgp-unexpected', 'bgp-consumed', 'route']);

export async function watchChecks(links: ReadonlyMap<string, SwitchLink>, checks: readonly Check[], o: CheckWatchOptions = {}): Promise<CheckWatch> {
  const clock = o.clock ?? realClock;
  const t0 = o.t0 ?? clock.now();
  const results: WatchedCheck[] = checks.map((check) => ({ check, pass: false, seen: 'not read', read: false, since: undefined }));
  const groups = new Map<string, Group>();
  for (const s of results) {
    const sw = s.check.switch;
    let g = groups.get(sw);
    if (!g) {
      const link = links.get(sw);
      if (!link) throw new Error(`${sw}: no link to this switch was given`);
      g = { name: sw, link, states: [], tables: [], error: null, views: new Map(), timers: new Set() };
      groups.set(sw, g);
    }
    g.states.push(s);
  }
  let stopped = false;
  const waiters = new Set<() => void>();
  const done = () => [...groups.values()].every((g) => g.error !== null || g.states.every((s) => s.pass));
  const changed = () => {
    if (!stopped) o.onChange?.(results);
    if (done()) for (const w of [...waiters]) w();
  };
  /** record: keep each routed check's view, to judge it again when the daemons' state changes
   *  (false when judging again on those very views: a view must never become a lookup of itself). */
  const judge = (g: Group, states: readonly WatchedCheck[], view: (s: WatchedCheck) => FlatDb, record = true) => {
    if (g.error) return; // the switch failed: its checks say why, whatever arrives late
    for (const s of states) {
      let ob = evaluate(s.check, view(s));
      if (g.routing && s.check.db !== 'FRR' && ROUTED.has(s.check.kind)) {
        if (record) g.views.set(s, view);
        if (g.routing.state === 'down') ob = { pass: false, seen: g.routing.seen };
        else if (g.routing.state === 'unknown' && ob.pass) ob = { pass: false, seen: `${ob.seen}, but the routing daemons are ${g.routing.why ? `unknown: ${g.routing.why}` : 'not checked yet'}` };
      }
      if (ob.pass && !s.pass) s.since = Math.max(0, Math.round(clock.now() - t0));
      else if (!ob.pass) s.since = undefined;
      s.pass = ob.pass;
      s.seen = ob.seen;
      s.read = true;
    }
    changed();
  };
  /** The routed checks again, on the views they were last judged on: one pass, one change (a
   *  switch of a 1,000-switch fabric has a thousand routes). */
  const rejudge = (g: Group) => judge(g, [...g.views.keys()], (s) => g.views.get(s)!(s), false);
  const failGroup = (g: Group, e: unknown) => {
    if (o.onError) return o.onError(g.name, e);
    if (g.error) return;
    g.error = failureMessage(g.name, g.link.transport.endpoint, e);
    for (const s of g.states) Object.assign(s, { pass: false, since: undefined, seen: g.error });
    stopGroup(g);
    changed();
  };
  const stopGroup = (g: Group) => {
    for (const t of g.timers) clock.clearTimeout(t);
    return Promise.all(g.tables.map((t) => t.watch?.stop()));
  };

  const firsts: Promise<void>[] = [];
  await Promise.allSettled(
    [...groups.values()].map(async (g) => {
      const byDb = new Map<RedisDb, WatchedCheck[]>();
      const frr: WatchedCheck[] = [];
      for (const s of g.states) {
        if (s.check.db === 'FRR') frr.push(s);
        else {
          const same = byDb.get(s.check.db);
          if (same) same.push(s);
          else byDb.set(s.check.db, [s]);
        }
      }
      for (const [db, states] of byDb) g.tables.push({ db, states });
      if (frr.length) firsts.push(pollFrr(g, frr));
      if (o.daemons && g.link.exec && g.states.some((s) => s.check.db !== 'FRR' && ROUTED.has(s.check.kind))) {
        g.routing = { state: 'unknown' };
        firsts.push(pollDaemons(g, g.link.exec));
      }
      const settled = await Promise.allSettled(
        g.tables.map(async (t) => {
          const tableOfState = new Map(t.states.map((s) => [s, tableOfCheck(s.check)]));
          const tables = [...new Set(tableOfState.values())].sort();
          t.watch = await watchTables(g.link.transport, t.db, tables, {
            clock,
            debounceMs: o.debounceMs ?? 50,
            ...(o.resyncMs === undefined ? {} : { resyncMs: o.resyncMs }),
            onRead: (snap, read) =>
              judge(
                g,
                t.states.filter((s) => read.includes(tableOfState.get(s)!)),
                (s) => snap.get(tableOfState.get(s)!) ?? EMPTY,
              ),
            onError: (e) => failGroup(g, e),
          });
          if (stopped || g.error) await t.watch.stop();
        }),
      );
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) failGroup(g, failed.reason);
    }),
  );

  /** The next round of a poll, frrPollMs after this one answered. */
  function again(g: Group, poll: () => Promise<void>): void {
    const t = clock.setTimeout(() => {
      g.timers.delete(t);
      void poll();
    }, o.frrPollMs ?? 1000);
    g.timers.add(t);
  }

  /** Polls FRR until stopped; the promise settles with the first answer. */
  function pollFrr(g: Group, states: WatchedCheck[]): Promise<void> {
    const exec = g.link.exec;
    if (!exec) {
      for (const s of states) s.seen = 'no exec channel in the inventory: BGP state of a switch without bgpmon is read through vtysh';
      return Promise.resolve();
    }
    const poll = async (): Promise<void> => {
      let problem: string | undefined;
      try {
        const r = await exec.run(FRR_SUMMARY_ARGV, { timeoutMs: 10_000 });
        if (stopped || g.error) return;
        if (r.code !== 0) problem = `vtysh failed (${exec.endpoint}): ${r.stderr.trim() || r.stdout.trim() || `exit ${r.code}`}`;
        else {
          let summary: unknown;
          try {
            summary = JSON.parse(r.stdout);
          } catch {
            problem = `vtysh output is not JSON: ${r.stdout.trim().slice(0, 120)}`;
          }
          if (!problem) {
            const view = neighStateFromFrr(summary);
            judge(g, states, () => view);
          }
        }
      } catch (e) {
        problem = (e as Error).message ?? String(e);
      }
      if (stopped || g.error) return;
      // Not knowing is not failing: a check that passed keeps passing until FRR says otherwise.
      if (problem) {
        for (const s of states) if (!s.pass) s.seen = problem;
        o.onError?.(g.name, new Error(problem));
        changed();
      }
      again(g, poll);
    };
    return poll();
  }

  /** Asks for the routing daemons until stopped; a change judges the routed checks again. */
  function pollDaemons(g: Group, exec: ExecChannel): Promise<void> {
    const poll = async (): Promise<void> => {
      let next = g.routing!;
      try {
        const down = await routingDaemonsDown(exec);
        if (down === null) {
          // No way to ask on this switch (gNMI only): its checks stand on STATE_DB, as without the probe.
          g.routing = undefined;
          rejudge(g);
          return;
        }
        next = down.length ? { state: 'down', seen: `routing daemon down: ${down.join(', ')} not running (${exec.endpoint})` } : { state: 'up' };
      } catch (e) {
        // The last answer stands; before any, a session does not pass on what cannot be checked.
        if (next.state === 'unknown') next = { state: 'unknown', why: (e as Error).message ?? String(e) };
        o.onError?.(g.name, e);
      }
      if (stopped || g.error) return;
      if (JSON.stringify(next) !== JSON.stringify(g.routing)) {
        g.routing = next;
        rejudge(g);
      }
      again(g, poll);
    };
    return poll();
  }

  if (done()) changed();
  return {
    results,
    firstRead: Promise.allSettled(firsts).then(() => undefined),
    error: (sw) => groups.get(sw)?.error ?? null,
    done,
    until: (deadline, signal) =>
      new Promise<void>((resolve) => {
        if (done() || signal?.aborted) return resolve();
        const timer = clock.setTimeout(end, Math.max(0, deadline - clock.now()));
        function end() {
          clock.clearTimeout(timer);
          signal?.removeEventListener('abort', end);
          waiters.delete(end);
          resolve();
        }
        signal?.addEventListener('abort', end);
        waiters.add(end);
      }),
    stop: async () => {
      stopped = true;
      await Promise.all([...groups.values()].map(stopGroup));
    },
    finalRead: async () => {
      await Promise.all(
        [...groups.values()].map(async (g) => {
          try {
            for (const t of g.tables) if (!g.error && t.watch && !t.states.every((s) => s.pass)) await t.watch.readAll();
          } catch (e) {
            failGroup(g, e);
          }
        }),
      );
    },
  };
}

const EMPTY: FlatDb = new Map();

/** A switch's error with switch and endpoint, once. */
export function failureMessage(name: string, endpoint: string | null, e: unknown): string {
  if (e instanceof SwitchError) return e.message;
  const msg = e instanceof Error ? e.message : String(e);
  return msg.startsWith(`${name}`) ? msg : `${name} (${endpoint ?? 'not connected'}): ${msg}`;
}
