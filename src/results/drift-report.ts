// Assembles the drift report (drift-schema.ts) from the findings: the summary, and the state of
// every switch and cable for pictures and dashboards; and what changed between two reports.
// A config change is shown exactly as `clos plan` shows it (fieldsText).
import type { Change } from '../core/diff/diff.ts';
import { CableIndex } from '../core/drift/cables.ts';
import { DRIFT_CLASSES, type Finding } from '../core/drift/finding.ts';
import type { Flavour, SwitchIntent } from '../core/model.ts';
import { fieldsText } from './change-text.ts';
import type { ChangeJson, DriftReport, FindingJson, LinkState } from './drift-schema.ts';

export interface ReportInput {
  readonly fabric: string;
  readonly at: Date;
  readonly durationMs: number;
  readonly intents: readonly SwitchIntent[];
  readonly findings: readonly Finding[];
  readonly endpoints?: ReadonlyMap<string, string | null>;
  readonly flavours?: ReadonlyMap<string, Flavour>;
}

export function buildDriftReport(input: ReportInput): DriftReport {
  const { findings } = input;
  const byClass = Object.fromEntries(DRIFT_CLASSES.map((c) => [c, findings.filter((f) => f.class === c).length])) as DriftReport['summary']['byClass'];
  const sev = (fs: readonly Finding[]): LinkState => worst(fs.map((f) => f.severity));
  const cables = new CableIndex(input.intents).cables;
  return {
    version: 1,
    fabric: input.fabric,
    at: input.at.toISOString(),
    durationMs: Math.max(0, Math.round(input.durationMs)),
    drift: findings.length > 0,
    summary: {
      switches: input.intents.length,
      unreachable: new Set(findings.filter((f) => f.class === 'unreachable').map((f) => f.switch)).size,
      findings: findings.length,
      rootCauses: findings.filter((f) => f.causedBy === null).length,
      error: findings.filter((f) => f.severity === 'error').length,
      warning: findings.filter((f) => f.severity === 'warning').length,
      info: findings.filter((f) => f.severity === 'info').length,
      byClass,
    },
    switches: input.intents.map((s) => {
      const mine = findings.filter((f) => f.switch === s.name);
      return {
        name: s.name,
        role: s.role,
        endpoint: input.endpoints?.get(s.name) ?? null,
        flavour: input.flavours?.get(s.name) ?? s.flavour,
        state: sev(mine.filter((f) => f.link === null && f.causedBy === null)),
        findings: mine.length,
      };
    }),
    links: cables.map((c) => {
      const mine = findings.filter((f) => f.link === c.id);
      return { id: c.id, leaf: c.leaf, leafPort: c.leafPort, spine: c.spine, spinePort: c.spinePort, state: sev(mine), findings: mine.length };
    }),
    findings: findings.map(findingJson),
  };
}

const IMPACT: Record<Change['impact'], string> = {
  none: '',
  'session-removed': ' (session removed)',
  'session-reset': ' (session reset)',
  restart: ' (restart: all sessions of this switch reset)',
};

/** "clos apply: update PORT|Ethernet120 description=spine1:Ethernet0", the move of a cable, or
 *  what to look at. */
function remediationText(f: Finding): string {
  const r = f.remediation;
  if (r.kind === 'apply') return `clos apply: ${r.change.op} ${r.change.key} ${fieldsText(r.change)}${IMPACT[r.change.impact]}`;
  return r.action;
}

function changeJson(c: Change): ChangeJson {
  return {
    op: c.op,
    key: c.key,
    set: c.set ? { ...c.set } : null,
    unset: [...(c.unset ?? [])],
    before: c.before ? { ...c.before } : null,
    after: c.op === 'delete' ? null : c.after ? { ...c.after } : null,
    impact: c.impact,
    why: c.why ?? null,
  };
}

function findingJson(f: Finding): FindingJson {
  return {
    id: f.id,
    switch: f.switch,
    object: f.object,
    class: f.class,
    severity: f.severity,
    expected: f.expected,
    actual: f.actual,
    detail: f.detail,
    link: f.link,
    causedBy: f.causedBy,
    remediation: { kind: f.remediation.kind, text: remediationText(f), change: f.remediation.kind === 'apply' ? changeJson(f.remediation.change) : null },
  };
}

const RANK: Record<LinkState, number> = { ok: 0, info: 1, warning: 2, error: 3 };

export function worst(states: readonly LinkState[]): LinkState {
  return states.reduce<LinkState>((w, s) => (RANK[s] > RANK[w] ? s : w), 'ok');
}

export interface DriftDelta {
  readonly at: string;
  readonly appeared: readonly FindingJson[];
  readonly resolved: readonly FindingJson[];
  readonly findings: number;
  readonly drift: boolean;
}

export function driftDelta(previous: DriftReport, current: DriftReport): DriftDelta {
  const before = new Set(previous.findings.map((f) => f.id));
  const now = new Set(current.findings.map((f) => f.id));
  return {
    at: current.at,
    appeared: current.findings.filter((f) => !before.has(f.id)),
    resolved: previous.findings.filter((f) => !now.has(f.id)),
    findings: current.findings.length,
    drift: current.drift,
  };
}
