// Drift, pure: what was read from every switch in, findings out. Config drift is the diff
// engine's changes (the ones `clos apply` makes) classified; operational drift is the
// convergence checks evaluated once; both are then correlated and put in report order.
import type { Check } from '../checks/checks.ts';
import type { Change } from '../diff/diff.ts';
import type { FlatDb } from '../diff/flat.ts';
import { compareNames } from '../names.ts';
import type { SwitchIntent } from '../model.ts';
import { CableIndex } from './cables.ts';
import { configFindings } from './config.ts';
import { correlate } from './correlate.ts';
import { DRIFT_CLASSES, findingId, type Finding } from './finding.ts';
import { StateJudge, type JudgedState, type SwitchState } from './state.ts';

export interface SwitchReading {
  readonly name: string;
  /** How the switch was reached (never a secret); null when no link could be opened. */
  readonly endpoint: string | null;
  /** The switch (or one of its channels) did not answer: the rest of what it holds is unknown. */
  readonly error?: { readonly code: string; readonly message: string; readonly endpoint: string | null; readonly object?: string };
  /** diffConfig(desired, CONFIG_DB, last applied): what `clos apply` would change. */
  readonly changes?: readonly Change[];
  readonly lastApplied?: FlatDb;
  /** STATE_DB / APPL_DB / FRR as read; absent when the switch could not be read. */
  readonly state?: SwitchState;
  /** The startup config differs from the running one in clos's scope (unsaved.ts). */
  readonly unsaved?: Finding;
}

export interface DriftInput {
  readonly intents: readonly SwitchIntent[];
  readonly checks: readonly Check[];
  readonly readings: readonly SwitchReading[];
}

export function driftFindings(input: DriftInput): Finding[] {
  const drift = new DriftJudge(input.intents);
  const bySwitch = new Map<string, Check[]>();
  for (const c of input.checks) {
    const same = bySwitch.get(c.switch);
    if (same) same.push(c);
    else bySwitch.set(c.switch, [c]);
  }
  return drift.findings(input.readings.map((r) => drift.judge(r, bySwitch.get(r.name) ?? [])));
}

/** What drift keeps of one switch after judging its reading (the reading is dropped). */
export interface JudgedReading {
  readonly name: string;
  /** Unreachable, config and unsaved findings. */
  readonly findings: readonly Finding[];
  readonly state?: JudgedState;
}

/** Drift one switch at a time (the service judges each reading as it arrives and drops it),
 *  then the fabric: cables judged from both ends, correlated, in report order. */
export class DriftJudge {
  private readonly cables: CableIndex;
  private readonly states: StateJudge;

  constructor(private readonly intents: readonly SwitchIntent[]) {
    this.cables = new CableIndex(intents);
    this.states = new StateJudge(intents, this.cables);
  }

  judge(r: SwitchReading, checks: readonly Check[]): JudgedReading {
    const out: Finding[] = [];
    if (r.error) out.push(unreachableFinding(r));
    if (r.changes) out.push(...configFindings(r.changes, { switch: r.name, lastApplied: r.lastApplied, linkOfKey: (k) => this.cables.linkOfKey(r.name, k) }));
    if (r.unsaved) out.push(r.unsaved);
    return { name: r.name, findings: out, ...(r.state ? { state: this.states.judge(r.state, checks) } : {}) };
  }

  /** `lldpOf`: does a peer run lldp (see StateJudge.findings)? */
  findings(judged: readonly JudgedReading[], lldpOf?: (peer: string) => boolean): Finding[] {
    const out = judged.flatMap((j) => j.findings);
    out.push(...this.states.findings(judged.flatMap((j) => (j.state ? [j.state] : [])), lldpOf));
    return sortFindings(correlate(out, this.intents, this.cables), this.intents.map((s) => s.name));
  }
}

function unreachableFinding(r: SwitchReading): Finding {
  const e = r.error!;
  const object = e.object ?? 'switch';
  const endpoint = e.endpoint ?? r.endpoint ?? '(no endpoint)';
  return {
    id: findingId(r.name, 'unreachable', object),
    switch: r.name,
    object,
    class: 'unreachable',
    severity: 'error',
    expected: `answers at ${endpoint}`,
    actual: `${e.code}: ${e.message}`,
    detail: object === 'switch' ? 'nothing else is known about this switch' : null,
    link: null,
    causedBy: null,
    remediation: { kind: 'investigate', action: `check that ${r.name} is up and answers at ${endpoint}` },
  };
}

/** Switches in fabric order, then class (report order), then object in natural order. */
export function sortFindings(findings: readonly Finding[], switches: readonly string[]): Finding[] {
  const order = new Map(switches.map((s, i) => [s, i]));
  const pos = (s: string) => order.get(s) ?? switches.length;
  return [...findings].sort(
    (a, b) => pos(a.switch) - pos(b.switch) || compareNames(a.switch, b.switch) || DRIFT_CLASSES.indexOf(a.class) - DRIFT_CLASSES.indexOf(b.class) || compareNames(a.object, b.object),
  );
}

export type { Finding, SwitchState };
