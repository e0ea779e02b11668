// Verify: runs the convergence checks against the live switches and reports, per check,
// pass/fail, what was expected and seen, and the time it took to converge.
//
// Waiting is event-driven: per switch and database, watch the tables the checks read, take one
// snapshot, then on each keyspace event re-read only the tables that changed (bursts coalesced
// by a short debounce) and re-evaluate only the checks that read the changed keys. FRR (switches
// without bgpmon) has no events: `show bgp summary json` is polled through the exec channel.
// A switch is done when all its checks pass, when the budget is spent, or when it cannot be
// read; a switch that fails is reported with switch, endpoint and cause, the others go on.
import { mapConcurrent } from './concurrency.ts';
import { evaluate, neighStateFromFrr, type Check, type Expectation } from '../core/checks/checks.ts';
import type { Fields, FlatDb } from '../core/diff/flat.ts';
import type { CheckResult, SwitchReport, VerifyReport } from '../results/verify-schema.ts';
import type { SwitchLink } from '../transport/connect.ts';
import { SwitchError, type DbName, type Unwatch } from '../transport/transport.ts';
import { FRR_SUMMARY_ARGV, realClock, tableOf, tableOfCheck, type Clock } from './watch-kit.ts';

export interface VerifyOptions {
  /** Links already open (the caller closes them), or a way to open one per switch (verify then
   *  closes each as soon as that switch is done). */
  readonly links: readonly SwitchLink[] | ((name: string) => Promise<SwitchLink>);
  readonly checks: readonly Check[];
  /** The budget of the whole run, from its start. A switch whose turn comes (see concurrency)
   *  after the budget is spent is still read once. */
  readonly timeoutMs: number;
  /** Switches verified at once (default 8). */
  readonly concurrency?: number;
  /** Switches in report order (default: in the order the checks name them). */
  readonly switches?: readonly string[];
  readonly clock?: Clock;
  /** Quiet time after a keyspace event before re-reading (default 50 ms). */
  readonly debounceMs?: number;
  /** Interval of `show bgp summary json` polls for FRR checks (default 1 s). */
  readonly frrPollMs?: number;
}

export async function verifyFabric(opts: VerifyOptions): Promise<VerifyReport> {
  const clock = opts.clock ?? realClock;
  const t0 = clock.now();
  const names = opts.switches ?? [...new Set(opts.checks.map((c) => c.switch))];
  const bySwitch = new Map<string, Check[]>(names.map((n) => [n, []]));
  for (const c of opts.checks) bySwitch.get(c.switch)?.push(c);
  const ctx: RunContext = {
    clock,
    t0,
    deadline: t0 + Math.max(0, opts.timeoutMs),
    debounceMs: opts.debounceMs ?? 50,
    frrPollMs: opts.frrPollMs ?? 1000,
  };
  const open = opts.links;
  const given = typeof open === 'function' ? undefined : new Map(open.map((l) => [l.name, l]));
  const switches = await mapConcurrent(names, opts.concurrency ?? 8, (name) => {
    const openLink = given
      ? async () => {
          const l = given.get(name);
          if (!l) throw new Error(`${name}: no link to this switch was given`);
          return { link: l, owned: false };
        }
      : async () => ({ link: await (open as (n: string) => Promise<SwitchLink>)(name), owned: true });
    return new SwitchRun(name, bySwitch.get(name) ?? [], ctx, openLink).run();
  });
  const all = switches.flatMap((s) => s.checks);
  const passed = all.filter((c) => c.pass).length;
  const converged = passed === all.length;
  return {
    version: 1,
    converged,
    startedAt: new Date(t0).toISOString(),
    timeoutMs: Math.max(0, Math.round(opts.timeoutMs)),
    durationMs: elapsed(clock, t0),
    summary: {
      switches: switches.length,
      checks: all.length,
      passed,
      failed: all.length - passed,
      timeToConvergeMs: converged ? slowest(all) : null,
    },
    switches,
  };
}

/** The expectation of a check in words, for reports. */
export function describeExpectation(e: Expectation): string {
  switch (e.type) {
    case 'fields': {
      const fields = Object.entries(e.fields).map(([f, v]) => `${f}=${v}`);
      return `${e.keys.join(' or ')} ${fields.length ? fields.join(' ') : 'present'}`;
    }
    case 'nexthops':
      return `${e.keys.join(' or ')} with ${e.count} next hop(s)`;
    case 'only-keys':
      return e.allowed.length === 0
        ? `no ${e.prefix}* entry`
        : `${e.prefix}* only ${e.allowed.map((k) => (k.startsWith(e.prefix) ? k.slice(e.prefix.length) : k)).join(', ')}`;
    case 'lldp':
      return `${e.key} lldp_rem_sys_name=${e.sysName} lldp_rem_port_id=${e.portIds.join(' or ')}`;
  }
}

interface RunContext {
  readonly clock: Clock;
  readonly t0: number;
  readonly deadline: number;
  readonly debounceMs: number;
  readonly frrPollMs: number;
}

interface CheckState {
  readonly check: Check;
  readonly table: string | undefined; // undefined for FRR
  pass: boolean;
  seen: string;
  /** ms from the start of verify when it last went from failing to passing. */
  since: number | undefined;
}

type RedisDb = Extract<DbName, 'STATE_DB' | 'APPL_DB'>;

/** One database of one switch: the checks reading it, indexed by key and by table, and the
 *  snapshot of its tables. */
interface DbWatch {
  readonly db: RedisDb;
  readonly tables: string[];
  readonly byKey: Map<string, CheckState[]>;
  readonly byTable: Map<string, CheckState[]>; // only-keys checks: any key of the table matters
  readonly snapshot: Map<string, Map<string, Fields>>; // table → full key → fields
  pending: Set<string>;
  timer: unknown;
  reading: boolean;
  unwatch?: Unwatch;
}

class SwitchRun {
  private readonly states: CheckState[];
  private failing: number;
  private endpoint: string | null = null;
  private error: string | null = null;
  private done = false;
  private wake: (() => void) | undefined;
  private deadlineTimer: unknown;
  private pollTimer: unknown;
  private readonly watches: DbWatch[] = [];

  constructor(
    private readonly name: string,
    checks: readonly Check[],
    private readonly ctx: RunContext,
    private readonly openLink: () => Promise<{ link: SwitchLink; owned: boolean }>,
  ) {
    this.states = checks.map((check) => ({
      check,
      table: check.db === 'FRR' ? undefined : tableOfCheck(check),
      pass: false,
      seen: 'not read',
      since: undefined,
    }));
    this.failing = this.states.length;
  }

  async run(): Promise<SwitchReport> {
    let opened: { link: SwitchLink; owned: boolean } | undefined;
    try {
      opened = await this.openLink();
      const link = opened.link;
      this.endpoint = link.transport.endpoint;
      await this.start(link);
      // Done already: converged, or the budget was spent while taking the first snapshot.
      const waited = !this.done;
      await this.waitForChange();
      this.stop();
      // A lost notification (a dropped subscriber, events off on the server) must not fail a
      // converged switch: one last read of the tables of what still fails, at the end.
      if (waited && this.failing > 0 && !this.error) await this.resync(link);
    } catch (e) {
      this.fail(e);
    } finally {
      this.stop();
      await Promise.all(this.watches.map((w) => w.unwatch?.().catch(() => undefined)));
      // An FRR poll still running is not waited for (an exec channel may not honour its
      // timeout); its answer is ignored.
      if (opened?.owned) await opened.link.close().catch(() => undefined);
    }
    return this.report();
  }

  /** Watches first, then reads: a change between the two is seen as an event, never missed. */
  private async start(link: SwitchLink): Promise<void> {
    this.link = link;
    const byDb = new Map<RedisDb, CheckState[]>();
    const frr: CheckState[] = [];
    for (const s of this.states) {
      if (s.check.db === 'FRR') frr.push(s);
      else byDb.set(s.check.db, [...(byDb.get(s.check.db) ?? []), s]);
    }
    this.deadlineTimer = this.ctx.clock.setTimeout(() => this.finish(), Math.max(0, this.ctx.deadline - this.ctx.clock.now()));
    // allSettled: nothing started here is still running when the switch is cleaned up.
    const settled = await Promise.allSettled([
      ...[...byDb].map(async ([db, states]) => {
        const w = indexWatch(db, states);
        this.watches.push(w);
        w.unwatch = await link.transport.watch(db, w.tables, (key) => this.onEvent(w, key));
        w.reading = true;
        try {
          this.store(w, w.tables, await link.transport.read(db, w.tables));
        } finally {
          w.reading = false;
        }
        for (const s of states) this.judge(s, viewOf(w, s));
        this.flushSoon(w);
      }),
    ]);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    if (frr.length) this.startFrr(link, frr);
    if (this.failing === 0) this.finish(); // nothing to check, or all passed at once
  }

  private link: SwitchLink | undefined;

  private onEvent(w: DbWatch, key: string): void {
    if (this.done) return;
    w.pending.add(key);
    this.flushSoon(w);
  }

  /** Schedules a re-read of the changed tables once events have been quiet for debounceMs. */
  private flushSoon(w: DbWatch): void {
    const link = this.link;
    if (!link || this.done || w.reading || w.pending.size === 0) return;
    if (w.timer !== undefined) this.ctx.clock.clearTimeout(w.timer);
    w.timer = this.ctx.clock.setTimeout(() => {
      w.timer = undefined;
      void this.flush(w, link);
    }, this.ctx.debounceMs);
  }

  private async flush(w: DbWatch, link: SwitchLink): Promise<void> {
    if (this.done) return;
    const keys = w.pending;
    w.pending = new Set();
    const tables = [...new Set([...keys].map((k) => tableOf(w.db, k)))].filter((t) => w.snapshot.has(t));
    if (tables.length === 0) return;
    w.reading = true;
    try {
      const fresh = await link.transport.read(w.db, tables);
      if (this.done) return;
      this.store(w, tables, fresh);
      const affected = new Set<CheckState>();
      for (const k of keys) for (const s of w.byKey.get(k) ?? []) affected.add(s);
      for (const t of tables) for (const s of w.byTable.get(t) ?? []) affected.add(s);
      for (const s of affected) this.judge(s, viewOf(w, s));
    } catch (e) {
      if (!this.done) this.fail(e);
    } finally {
      w.reading = false;
    }
    this.flushSoon(w);
  }

  private async resync(link: SwitchLink): Promise<void> {
    await Promise.all(
      this.watches.map(async (w) => {
        const states = this.states.filter((s) => s.check.db === w.db);
        if (states.every((s) => s.pass)) return;
        this.store(w, w.tables, await link.transport.read(w.db, w.tables));
        for (const s of states) this.judge(s, viewOf(w, s));
      }),
    );
  }

  private store(w: DbWatch, tables: readonly string[], fresh: ReadonlyMap<string, Fields>): void {
    for (const t of tables) w.snapshot.set(t, new Map());
    for (const [k, v] of fresh) w.snapshot.get(tableOf(w.db, k))?.set(k, v);
  }

  private judge(s: CheckState, view: FlatDb): void {
    if (this.error) return; // the switch failed: its checks say why, whatever arrives late
    const o = evaluate(s.check, view);
    if (o.pass && !s.pass) {
      s.since = elapsed(this.ctx.clock, this.ctx.t0);
      this.failing--;
    } else if (!o.pass && s.pass) {
      s.since = undefined;
      this.failing++;
    }
    s.pass = o.pass;
    s.seen = o.seen;
    if (this.failing === 0) this.finish();
  }

  /** Polls FRR until the switch is done; the first poll starts now. */
  private startFrr(link: SwitchLink, states: CheckState[]): void {
    const exec = link.exec;
    if (!exec) {
      for (const s of states) s.seen = 'no exec channel in the inventory: BGP state of a switch without bgpmon is read through vtysh';
      return;
    }
    const poll = async (): Promise<void> => {
      let problem: string | undefined;
      try {
        const r = await exec.run(FRR_SUMMARY_ARGV, { timeoutMs: 10_000 });
        if (this.done) return;
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
            for (const s of states) this.judge(s, view);
          }
        }
      } catch (e) {
        problem = (e as Error).message ?? String(e);
      }
      // Not knowing is not failing: a check that passed keeps passing until FRR says otherwise.
      if (problem && !this.done) for (const s of states) if (!s.pass) s.seen = problem;
      if (!this.done) {
        this.pollTimer = this.ctx.clock.setTimeout(() => {
          void poll();
        }, this.ctx.frrPollMs);
      }
    };
    void poll();
  }

  private waitForChange(): Promise<void> {
    if (this.done) return Promise.resolve();
    return new Promise((resolve) => (this.wake = resolve));
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.wake?.();
  }

  /** Stops every timer; events and poll results arriving later are ignored. */
  private stop(): void {
    this.finish();
    const { clock } = this.ctx;
    if (this.deadlineTimer !== undefined) clock.clearTimeout(this.deadlineTimer);
    if (this.pollTimer !== undefined) clock.clearTimeout(this.pollTimer);
    for (const w of this.watches) if (w.timer !== undefined) clock.clearTimeout(w.timer);
  }

  private fail(e: unknown): void {
    this.error ??= failureMessage(this.name, this.endpoint, e);
    for (const s of this.states) {
      s.pass = false;
      s.since = undefined;
      s.seen = this.error;
    }
    this.failing = this.states.length;
    this.finish();
  }

  private report(): SwitchReport {
    const checks: CheckResult[] = this.states.map((s) => ({
      id: s.check.id,
      kind: s.check.kind,
      db: s.check.db,
      pass: s.pass,
      expected: describeExpectation(s.check.expect),
      seen: s.seen,
      timeToConvergeMs: s.pass ? (s.since ?? 0) : null,
    }));
    const passed = checks.filter((c) => c.pass).length;
    return {
      name: this.name,
      endpoint: this.endpoint,
      error: this.error,
      passed,
      total: checks.length,
      timeToConvergeMs: passed === checks.length ? slowest(checks) : null,
      durationMs: elapsed(this.ctx.clock, this.ctx.t0),
      checks,
    };
  }
}

function viewOf(w: DbWatch, s: CheckState): FlatDb {
  return w.snapshot.get(s.table!) ?? EMPTY;
}

const EMPTY: FlatDb = new Map();

function indexWatch(db: RedisDb, states: readonly CheckState[]): DbWatch {
  const byKey = new Map<string, CheckState[]>();
  const byTable = new Map<string, CheckState[]>();
  const add = (m: Map<string, CheckState[]>, k: string, s: CheckState) => m.set(k, [...(m.get(k) ?? []), s]);
  for (const s of states) {
    const e = s.check.expect;
    if (e.type === 'only-keys') add(byTable, s.table!, s);
    else for (const k of e.type === 'lldp' ? [e.key] : e.keys) add(byKey, k, s);
  }
  const tables = [...new Set(states.map((s) => s.table!))].sort();
  return { db, tables, byKey, byTable, snapshot: new Map(tables.map((t) => [t, new Map()])), pending: new Set(), timer: undefined, reading: false };
}

function failureMessage(name: string, endpoint: string | null, e: unknown): string {
  if (e instanceof SwitchError) return e.message;
  const msg = e instanceof Error ? e.message : String(e);
  return msg.startsWith(`${name}`) ? msg : `${name} (${endpoint ?? 'not connected'}): ${msg}`;
}

function slowest(checks: readonly CheckResult[]): number {
  return checks.reduce((m, c) => Math.max(m, c.timeToConvergeMs ?? 0), 0);
}

function elapsed(clock: Clock, t0: number): number {
  return Math.max(0, Math.round(clock.now() - t0));
}
