// Verify: runs the convergence checks against the live switches and reports, per check,
// pass/fail, what was expected and seen, and the time it took to converge.
//
// Waiting is the watcher's (watch/checks.ts: keyspace events, debounce, FRR polls), one run per
// switch. A switch is done when all its checks pass, when the budget is spent, or when it cannot
// be read; a switch that fails is reported with switch, endpoint and cause, the others go on.
import { mapConcurrent } from './concurrency.ts';
import type { Check, CheckBuilder, ExpectedKeys, Expectation } from '../core/checks/checks.ts';
import { countPassing, type CheckResult, type PassingChecks, type SwitchReport, type VerifyReport } from '../results/verify-schema.ts';
import type { SwitchLink } from '../transport/connect.ts';
import { failureMessage, watchChecks, type CheckWatch } from './watch/checks.ts';
import { realClock, type Clock } from './watch-kit.ts';

export interface VerifyOptions {
  /** Links already open (the caller closes them), or a way to open one per switch (verify then
   *  closes each as soon as that switch is done). */
  readonly links: readonly SwitchLink[] | ((name: string) => Promise<SwitchLink>);
  /** The checks, or one switch's checks built when its turn comes (checkBuilder: a large
   *  fabric's checks are never all in memory at once; `switches` then names the switches). */
  readonly checks: readonly Check[] | ((name: string) => readonly Check[]) | CheckBuilder;
  /** List every check in the report (default: up to LIST_ALL_MAX_SWITCHES switches), or only
   *  the failing ones, the passing ones counted per kind (SwitchReport.passing). */
  readonly listAll?: boolean;
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

/** Up to this many switches, a verify report lists every check (a 1,000-switch fabric has over
 *  a million, nearly all routes: beyond, the passing ones are counted per kind). */
export const LIST_ALL_MAX_SWITCHES = 128;

export async function verifyFabric(opts: VerifyOptions): Promise<VerifyReport> {
  const clock = opts.clock ?? realClock;
  const t0 = clock.now();
  const given = opts.checks;
  let checksOf: (name: string) => readonly Check[];
  let names: readonly string[];
  if (typeof given === 'function') {
    if (!opts.switches) throw new Error('verifyFabric: checks built per switch need the switches named');
    checksOf = given;
    names = opts.switches;
  } else {
    names = opts.switches ?? [...new Set(given.map((c) => c.switch))];
    const bySwitch = new Map<string, Check[]>(names.map((n) => [n, []]));
    for (const c of given) bySwitch.get(c.switch)?.push(c);
    checksOf = (name) => bySwitch.get(name) ?? [];
  }
  const ctx: RunContext = {
    clock,
    t0,
    deadline: t0 + Math.max(0, opts.timeoutMs),
    debounceMs: opts.debounceMs ?? 50,
    frrPollMs: opts.frrPollMs ?? 1000,
    listAll: opts.listAll ?? names.length <= LIST_ALL_MAX_SWITCHES,
    ...(typeof given === 'function' && 'expected' in given ? { expected: given.expected } : {}),
  };
  const open = opts.links;
  const links = typeof open === 'function' ? undefined : new Map(open.map((l) => [l.name, l]));
  const switches = await mapConcurrent(names, opts.concurrency ?? 8, (name) => {
    const openLink = links
      ? async () => {
          const l = links.get(name);
          if (!l) throw new Error(`${name}: no link to this switch was given`);
          return { link: l, owned: false };
        }
      : async () => ({ link: await (open as (n: string) => Promise<SwitchLink>)(name), owned: true });
    return verifySwitch(name, checksOf(name), ctx, openLink);
  });
  let checks = 0;
  let passed = 0;
  let slowestMs = 0;
  for (const s of switches) {
    checks += s.total;
    passed += s.passed;
    slowestMs = Math.max(slowestMs, s.timeToConvergeMs ?? 0);
  }
  const converged = passed === checks;
  return {
    version: 1,
    converged,
    startedAt: new Date(t0).toISOString(),
    timeoutMs: Math.max(0, Math.round(opts.timeoutMs)),
    durationMs: elapsed(clock, t0),
    checksListed: ctx.listAll ? 'all' : 'failing',
    summary: {
      switches: switches.length,
      checks,
      passed,
      failed: checks - passed,
      timeToConvergeMs: converged ? slowestMs : null,
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
  readonly listAll: boolean;
  /** CheckBuilder.expected, when the checks came from one. */
  readonly expected?: (sw: string) => ExpectedKeys;
}

/** One switch: the watcher until its checks pass or the budget ends, then the report. */
async function verifySwitch(name: string, checks: readonly Check[], ctx: RunContext, openLink: () => Promise<{ link: SwitchLink; owned: boolean }>): Promise<SwitchReport> {
  let opened: { link: SwitchLink; owned: boolean } | undefined;
  let watch: CheckWatch | undefined;
  let error: string | null = null;
  try {
    opened = await openLink();
    const link = opened.link;
    watch = await watchChecks(new Map([[name, link]]), checks, { clock: ctx.clock, t0: ctx.t0, debounceMs: ctx.debounceMs, frrPollMs: ctx.frrPollMs, daemons: true, subscribe: 'if-failing', ...(ctx.expected ? { expected: ctx.expected } : {}) });
    // Done already: converged, failed, or the budget spent while taking the first snapshot.
    const waited = !watch.done() && ctx.clock.now() < ctx.deadline;
    await watch.until(ctx.deadline);
    await watch.stop();
    // A lost notification (a dropped subscriber, events off on the server) must not fail a
    // converged switch: one last read of the tables of what still fails, at the end.
    if (waited) await watch.finalRead();
    error = watch.error(name);
  } catch (e) {
    error = failureMessage(name, opened?.link.transport.endpoint ?? null, e);
  } finally {
    await watch?.stop();
    // An FRR poll still running is not waited for (an exec channel may not honour its
    // timeout); its answer is ignored.
    if (opened?.owned) await opened.link.close().catch(() => undefined);
  }
  // The report keeps what people read: failing checks in full, passing ones counted per kind
  // (and listed too when the report lists all); the watch and its readings go with this switch.
  const states = watch?.results ?? checks.map((check) => ({ check, pass: false, seen: 'not read', since: undefined }));
  const results: CheckResult[] = [];
  const passing: PassingChecks[] = [];
  let slowestMs = 0;
  for (const s of states) {
    const pass = error === null && s.pass;
    if (pass) {
      const ms = s.since ?? 0;
      slowestMs = Math.max(slowestMs, ms);
      countPassing(passing, s.check.kind, s.check.db, ms);
      if (!ctx.listAll) continue;
    }
    results.push({
      id: s.check.id,
      kind: s.check.kind,
      db: s.check.db,
      pass,
      expected: describeExpectation(s.check.expect),
      seen: error ?? s.seen,
      timeToConvergeMs: pass ? (s.since ?? 0) : null,
    });
  }
  let passed = 0;
  for (const g of passing) passed += g.count;
  return {
    name,
    endpoint: opened?.link.transport.endpoint ?? null,
    error,
    passed,
    total: states.length,
    timeToConvergeMs: passed === states.length ? slowestMs : null,
    durationMs: elapsed(ctx.clock, ctx.t0),
    checks: results,
    passing,
  };
}

function elapsed(clock: Clock, t0: number): number {
  return Math.max(0, Math.round(clock.now() - t0));
}
