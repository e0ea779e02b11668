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
import { stateFindings, type SwitchState } from './state.ts';

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
  const cables = new CableIndex(input.intents);
  const out: Finding[] = [];
  const states = new Map<string, SwitchState>();
  for (const r of input.readings) {
    if (r.error) out.push(unreachableFinding(r));
    if (r.changes) out.push(...configFindings(r.changes, { switch: r.name, lastApplied: r.lastApplied, linkOfKey: (k) => cables.linkOfKey(r.name, k) }));
    if (r.unsaved) out.push(r.unsaved);
    if (r.state) states.set(r.name, r.state);
  }
  out.push(...stateFindings(input.intents, input.checks, states, cables));
  return sortFindings(correlate(out, input.intents, cables), input.intents.map((s) => s.name));
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
  const pos = (s: string) => {
    const i = switches.indexOf(s);
    return i < 0 ? switches.length : i;
  };
  return [...findings].sort(
    (a, b) => pos(a.switch) - pos(b.switch) || compareNames(a.switch, b.switch) || DRIFT_CLASSES.indexOf(a.class) - DRIFT_CLASSES.indexOf(b.class) || compareNames(a.object, b.object),
  );
}

export type { Finding, SwitchState };
