// The watcher: convergence checks on live switches, results reported as they change, until all
// pass, a deadline or an abort. Per switch and database it runs one table watch (tables.ts) over
// the tables the checks read and re-evaluates the checks of each table re-read; FRR (switches
// without bgpmon) has no events: `show bgp summary json` is polled through the exec channel.
// verify is one run of it per switch; the bring-up gates watch with it and hear every change;
// "wait until consumed" is a run over one check.
import { evaluate, expectedReads, neighStateFromFrr, passes, type Check, type ExpectedKeys } from '../../core/checks/checks.ts';
import type { FlatDb } from '../../core/diff/flat.ts';
import type { SwitchLink } from '../../transport/connect.ts';
import { SwitchError, type DbName, type ExecChannel } from '../../transport/transport.ts';
import { routingDaemonsDown } from './daemons.ts';
import { FRR_SUMMARY_ARGV, realClock, tableOfCheck, tableOfKey, type Clock } from '../watch-kit.ts';
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
  /** Keys a switch's reads expect beyond what its checks look up (CheckBuilder.expected: what
   *  else a converged SONiC switch holds there), for the tables its checks read. */
  readonly expected?: (sw: string) => ExpectedKeys;
  /** 'if-failing' (verify): read a switch's tables once and subscribe to its events only if
   *  some check fails on those reads (and the routing daemons' first answer), then read again.
   *  A converged switch costs one read per database, no subscriber connection. Default
   *  'always': the bring-up gates hear every change, passing or not. */
  readonly subscribe?: 'always' | 'if-failing';
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

/** A check's latest result. A passing check's `seen` is worded when asked, from the entries it
 *  passed on (a 1,000-switch fabric's million passing routes are judged, rarely read). */
class CheckState implements WatchedCheck {
  pass = false;
  read = false;
  since: number | undefined = undefined;
  private said: string | undefined = 'not read';
  private on: FlatDb | undefined;
  /** Worded after what `on` shows (a passing routed check held back by the daemons). */
  private but = '';

  constructor(readonly check: Check) {}

  get seen(): string {
    return this.said ?? `${evaluate(this.check, this.on!).seen}${this.but}`;
  }

  set seen(seen: string) {
    this.said = seen;
    this.on = undefined;
  }

  /** Judged on these entries (a snapshot's table: replaced, never changed, by a re-read), its
   *  `seen` worded from them when asked, followed by `but`. */
  judgedOn(db: FlatDb, but = ''): void {
    this.said = undefined;
    this.on = db;
    this.but = but;
  }
}

/** The checks judged on one view: one table of a switch's database, or its FRR summary. */
interface Judged {
  readonly states: CheckState[];
  /** Some are fed by FRR (ROUTED, not read from FRR itself): judged again when the daemons' state changes. */
  routed: boolean;
}

interface Group {
  readonly name: string;
  readonly link: SwitchLink;
  readonly states: CheckState[];
  readonly tables: { db: RedisDb; byTable: Map<string, Judged>; expect: ReadonlyMap<string, readonly string[]>; watch?: TableWatch }[];
  error: string | null;
  /** The next FRR poll and daemon check. */
  readonly timers: Set<unknown>;
  /** The routing daemons (opts.daemons and an exec channel): a down message while one is down. */
  routing?: { state: 'up' } | { state: 'unknown'; why?: string } | { state: 'down'; seen: string };
  /** What the routed checks were last judged on, to judge them again when `routing` changes. */
  readonly views: Map<Judged, FlatDb>;
}

/** Checks whose state FRR feeds (bgpmon, bgpcfgd, fpmsyncd): stale when a routing daemon is dead. */
const ROUTED = new Set(['bgp-session', 'bgp-unexpected', 'bgp-consumed', 'route']);

export async function watchChecks(links: ReadonlyMap<string, SwitchLink>, checks: readonly Check[], o: CheckWatchOptions = {}): Promise<CheckWatch> {
  const clock = o.clock ?? realClock;
  const t0 = o.t0 ?? clock.now();
  const results = checks.map((check) => new CheckState(check));
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
  /** Judges each set of checks on its view, then tells once. record: keep the views of routed
   *  checks, to judge them again when the daemons' state changes. A passing check allocates
   *  nothing: its `seen` is worded when asked. */
  const judge = (g: Group, views: Iterable<readonly [Judged, FlatDb]>, record = true) => {
    if (g.error) return; // the switch failed: its checks say why, whatever arrives late
    const routing = g.routing;
    // What follows a routed check's `seen` while the daemons' state is not known: made once.
    const unknown = routing?.state === 'unknown' ? `, but the routing daemons are ${routing.why ? `unknown: ${routing.why}` : 'not checked yet'}` : undefined;
    for (const [judged, db] of views) {
      if (record && routing && judged.routed) g.views.set(judged, db);
      for (const s of judged.states) {
        let pass = passes(s.check, db);
        // A passing check's `seen` is worded when asked, and so is one that passes on what was
        // read but waits for the routing daemons' answer (a switch's reads often come first).
        let seen: string | undefined;
        let but: string | undefined;
        if (routing && routing.state !== 'up' && s.check.db !== 'FRR' && ROUTED.has(s.check.kind)) {
          if (routing.state === 'down') seen = routing.seen;
          else if (pass) but = unknown;
          pass = false;
        }
        if (pass && !s.pass) s.since = Math.max(0, Math.round(clock.now() - t0));
        else if (!pass) s.since = undefined;
        s.pass = pass;
        if (pass || but !== undefined) s.judgedOn(db, but);
        else s.seen = seen ?? evaluate(s.check, db).seen;
        s.read = true;
      }
    }
    changed();
  };
  /** The routed checks again, on the views they were last judged on: one pass, one change (a
   *  switch of a 1,000-switch fabric has a thousand routes). */
  const rejudge = (g: Group) => judge(g, [...g.views], false);
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
      const byDb = new Map<RedisDb, CheckState[]>();
      const frr: CheckState[] = [];
      for (const s of g.states) {
        if (s.check.db === 'FRR') frr.push(s);
        else {
          const same = byDb.get(s.check.db);
          if (same) same.push(s);
          else byDb.set(s.check.db, [s]);
        }
      }
      for (const [db, states] of byDb) {
        const byTable = new Map<string, Judged>();
        let table: string | undefined;
        for (const s of states) {
          table = tableOfCheck(s.check, table);
          let judged = byTable.get(table);
          if (!judged) byTable.set(table, (judged = { states: [], routed: false }));
          judged.states.push(s);
          if (ROUTED.has(s.check.kind)) judged.routed = true;
        }
        // What each table's reads expect: a converged switch's table in one round trip.
        const expect = new Map<string, string[]>();
        let at: string | undefined;
        for (const k of expectedReads(states.map((s) => s.check), o.expected?.(g.name) ?? NOTHING_HELD)[db]) {
          at = tableOfKey(db, k, at);
          if (!byTable.has(at)) continue; // held in a table no check reads
          const keys = expect.get(at);
          if (keys) keys.push(k);
          else expect.set(at, [k]);
        }
        g.tables.push({ db, byTable, expect });
      }
      const polls: Promise<void>[] = [];
      if (frr.length) polls.push(pollFrr(g, frr));
      if (o.daemons && g.link.exec && g.states.some((s) => s.check.db !== 'FRR' && ROUTED.has(s.check.kind))) {
        g.routing = { state: 'unknown' };
        polls.push(pollDaemons(g, g.link.exec));
      }
      firsts.push(...polls);
      const deferred = o.subscribe === 'if-failing';
      const settled = await Promise.allSettled(
        g.tables.map(async (t) => {
          const tables = [...t.byTable.keys()].sort();
          t.watch = await watchTables(g.link.transport, t.db, tables, {
            clock,
            debounceMs: o.debounceMs ?? 50,
            ...(o.resyncMs === undefined ? {} : { resyncMs: o.resyncMs }),
            unordered: true, // checks look their keys up (only-keys sorts what it reports)
            expect: t.expect,
            onRead: (snap, read) =>
              judge(
                g,
                read.flatMap((table) => {
                  const judged = t.byTable.get(table);
                  return judged ? [[judged, snap.get(table) ?? EMPTY] as const] : [];
                }),
              ),
            onError: (e) => failGroup(g, e),
            deferred,
          });
          if (stopped || g.error) await t.watch.stop();
        }),
      );
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) return failGroup(g, failed.reason);
      if (!deferred) return;
      await Promise.allSettled(polls);
      if (stopped || g.error || g.states.every((s) => s.pass)) return;
      const started = await Promise.allSettled(g.tables.map((t) => t.watch?.start()));
      const startFailed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (startFailed) failGroup(g, startFailed.reason);
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
  function pollFrr(g: Group, states: CheckState[]): Promise<void> {
    const judged: Judged = { states, routed: false };
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
            judge(g, [[judged, view]]);
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
            for (const t of g.tables) if (!g.error && t.watch && ![...t.byTable.values()].every((j) => j.states.every((s) => s.pass))) await t.watch.readAll();
          } catch (e) {
            failGroup(g, e);
          }
        }),
      );
    },
  };
}

const EMPTY: FlatDb = new Map();
const NOTHING_HELD: ExpectedKeys = { STATE_DB: [], APPL_DB: [] };

/** A switch's error with switch and endpoint, once. */
export function failureMessage(name: string, endpoint: string | null, e: unknown): string {
  if (e instanceof SwitchError) return e.message;
  const msg = e instanceof Error ? e.message : String(e);
  return msg.startsWith(`${name}`) ? msg : `${name} (${endpoint ?? 'not connected'}): ${msg}`;
}
