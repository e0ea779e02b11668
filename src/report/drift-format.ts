// Every format of the drift report, and what `--watch` prints between rounds: only the findings
// that appeared and the ones that went away (by id). Pure: report in, text out.
import { formatDriftHtml, type PictureOptions } from './drift-html.ts';
import { formatDriftJunit } from './drift-junit.ts';
import { formatDriftMarkdown } from './drift-markdown.ts';
import type { DriftDelta } from '../results/drift-report.ts';
import type { DriftReport } from '../results/drift-schema.ts';
import { formatDriftTable } from './drift-table.ts';

import type { DriftFormat } from './drift-formats.ts';

export { DRIFT_FORMATS, type DriftFormat } from './drift-formats.ts';

export function formatDrift(r: DriftReport, format: DriftFormat, picture: PictureOptions = {}): string {
  switch (format) {
    case 'table':
      return formatDriftTable(r);
    case 'json':
      return `${JSON.stringify(r, null, 2)}\n`;
    case 'md':
      return formatDriftMarkdown(r);
    case 'junit':
      return formatDriftJunit(r);
    case 'html':
      return formatDriftHtml(r, picture);
  }
}

/** Table and Markdown: one line per change; JSON: one object per round (JSON Lines); nothing
 *  at all for a round without change. */
export function formatDelta(d: DriftDelta, format: DriftFormat): string {
  if (d.appeared.length === 0 && d.resolved.length === 0) return '';
  if (format === 'json') return `${JSON.stringify({ at: d.at, appeared: d.appeared, resolved: d.resolved.map((f) => f.id), findings: d.findings, drift: d.drift })}\n`;
  const lines = [`${d.at}: ${d.appeared.length} new, ${d.resolved.length} resolved, ${d.findings} finding(s) now`];
  for (const f of d.appeared) lines.push(`  + ${f.severity} ${f.switch} ${f.class} ${f.object}: ${f.actual}${f.causedBy ? ` (follows from ${f.causedBy})` : ` → ${f.remediation.text}`}`);
  for (const f of d.resolved) lines.push(`  - resolved ${f.switch} ${f.class} ${f.object}`);
  return `${lines.join('\n')}\n`;
}
