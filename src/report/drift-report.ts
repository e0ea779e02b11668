// Assembles the drift report (drift-schema.ts) from the findings: the summary, and the state of
// every switch and cable for pictures and dashboards.
import { CableIndex } from '../core/drift/cables.ts';
import { DRIFT_CLASSES, type Finding } from '../core/drift/finding.ts';
import type { Flavour, SwitchIntent } from '../core/model.ts';
import type { DriftReport, LinkState } from './drift-schema.ts';
import { findingJson, worst } from './drift-text.ts';

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
