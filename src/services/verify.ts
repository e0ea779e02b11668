// Verify: runs the convergence checks against the live switches and reports, per check,
// pass/fail, what was expected and seen, and the time it took to converge.
//
// Waiting is the watcher's (watch/checks.ts: keyspace events, debounce, FRR polls), one run per
// switch. A switch is done when all its checks pass, when the budget is spent, or when it cannot
// be read; a switch that fails is reported with switch, endpoint and cause, the others go on.
import { mapConcurrent } from './concurrency.ts';
import type { Check, Expectation } from '../core/checks/checks.ts';
import type { CheckResult, SwitchReport, VerifyReport } from '../results/verify-schema.ts';
import type { SwitchLink } from '../transport/connect.ts';
import { failureMessage, watchChecks, type CheckWatch } from './watch/checks.ts';
import { realClock, type Clock } from './watch-kit.ts';

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
    return verifySwitch(name, bySwitch.get(name) ?? [], ctx, openLink);
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

/** One switch: the watcher until its checks pass or the budget ends, then the report. */
async function verifySwitch(name: string, checks: readonly Check[], ctx: RunContext, openLink: () => Promise<{ link: SwitchLink; owned: boolean }>): Promise<SwitchReport> {
  let opened: { link: SwitchLink; owned: boolean } | undefined;
  let watch: CheckWatch | undefined;
  let error: string | null = null;
  try {
    opened = await openLink();
    const link = opened.link;
    watch = await watchChecks(new Map([[name, link]]), checks, { clock: ctx.clock, t0: ctx.t0, debounceMs: ctx.debounceMs, frrPollMs: ctx.frrPollMs, daemons: true });
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
  const states = watch?.results ?? checks.map((check) => ({ check, pass: false, seen: 'not read', since: undefined }));
  const results: CheckResult[] = states.map((s) => ({
    id: s.check.id,
    kind: s.check.kind,
    db: s.check.db,
    pass: error === null && s.pass,
    expected: describeExpectation(s.check.expect),
    seen: error ?? s.seen,
    timeToConvergeMs: error === null && s.pass ? (s.since ?? 0) : null,
  }));
  const passed = results.filter((c) => c.pass).length;
  return {
    name,
    endpoint: opened?.link.transport.endpoint ?? null,
    error,
    passed,
    total: results.length,
    timeToConvergeMs: passed === results.length ? slowest(results) : null,
    durationMs: elapsed(ctx.clock, ctx.t0),
    checks: results,
  };
}

function slowest(checks: readonly CheckResult[]): number {
  return checks.reduce((m, c) => Math.max(m, c.timeToConvergeMs ?? 0), 0);
}

function elapsed(clock: Clock, t0: number): number {
  return Math.max(0, Math.round(clock.now() - t0));
}
