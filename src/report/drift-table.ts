// The drift report on a terminal: root causes with what they explain under them, then the
// remediation of each root cause in full (what `clos apply` writes, the cable to move).
import { table } from './table.ts';
import type { DriftReport, FindingJson } from '../results/drift-schema.ts';
import { driftVerdict, groupByCause } from './drift-text.ts';

/** Table cells are cut here; the remediation list and the other formats carry the full text. */
const CELL = 60;

export function formatDriftTable(r: DriftReport): string {
  const head = `Drift of fabric ${r.fabric} at ${r.at} (${r.summary.switches} switches read in ${(r.durationMs / 1000).toFixed(2)} s)`;
  if (!r.drift) return `${head}\n\n${driftVerdict(r)}\n`;
  const groups = groupByCause(r.findings);
  const rows: string[][] = [];
  groups.forEach((g, i) => {
    rows.push([String(i + 1), g.root.severity, g.root.switch, g.root.class, cut(g.root.object), cut(g.root.expected), cut(g.root.actual)]);
    for (const c of g.consequences) rows.push(['  ↳', c.severity, c.switch, c.class, cut(c.object), cut(c.expected), cut(c.actual)]);
  });
  const out = [head, '', table(['#', 'severity', 'switch', 'class', 'object', 'expected', 'actual'], rows), '', 'Remediation (↳ rows follow from the finding above them):'];
  groups.forEach((g, i) => out.push(`  ${String(i + 1).padStart(String(groups.length).length)}. ${g.root.switch}: ${g.root.remediation.text}${explains(g.consequences)}`));
  out.push('', driftVerdict(r));
  return `${out.join('\n')}\n`;
}

function explains(consequences: readonly FindingJson[]): string {
  return consequences.length ? ` (explains ${consequences.length} more)` : '';
}

function cut(s: string): string {
  return s.length <= CELL ? s : `${s.slice(0, CELL - 1)}…`;
}
