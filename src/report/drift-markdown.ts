// The drift report as GitHub-flavoured Markdown, for a pull request comment: a verdict, one table
// row per root cause with its remediation, and what each explains folded under <details>.
import type { DriftReport, FindingJson } from '../results/drift-schema.ts';
import { driftVerdict, groupByCause } from './drift-text.ts';

const ICON: Record<FindingJson['severity'], string> = { error: '🔴 error', warning: '🟠 warning', info: '🔵 info' };

export function formatDriftMarkdown(r: DriftReport): string {
  const out = [`### clos drift: ${text(r.fabric)}`, '', `**${text(driftVerdict(r))}** (${r.summary.switches} switches read at ${r.at})`];
  if (!r.drift) return `${out.join('\n')}\n`;
  const groups = groupByCause(r.findings);
  out.push('', '| # | severity | switch | class | object | expected | actual | remediation |', '|---|---|---|---|---|---|---|---|');
  groups.forEach((g, i) => {
    const f = g.root;
    out.push(`| ${i + 1} | ${ICON[f.severity]} | ${text(f.switch)} | ${f.class} | ${code(f.object)} | ${text(f.expected)} | ${text(f.actual)} | ${remedy(f)} |`);
  });
  const explained = groups.filter((g) => g.consequences.length);
  if (explained.length) {
    out.push('', '<details><summary>What follows from these findings</summary>', '');
    out.push('| # | severity | switch | object | actual |', '|---|---|---|---|---|');
    groups.forEach((g, i) => {
      for (const c of g.consequences) out.push(`| ${i + 1} | ${ICON[c.severity]} | ${text(c.switch)} | ${text(c.object)} | ${text(c.actual)} |`);
    });
    out.push('', '</details>');
  }
  const byClass = Object.entries(r.summary.byClass).filter(([, n]) => n > 0);
  out.push('', `Classes: ${byClass.map(([c, n]) => `${c} ${n}`).join(', ')}.`);
  return `${out.join('\n')}\n`;
}

function remedy(f: FindingJson): string {
  return f.remediation.kind === 'apply' ? code(f.remediation.text) : text(f.remediation.text);
}

/** Table-safe text: no line breaks, pipes escaped, HTML-ish characters neutralised. */
export function text(s: string): string {
  return s.replace(/\r?\n/g, ' ').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|').replace(/`/g, '\\`');
}

/** Inline code that survives pipes and backticks inside (GFM: a longer fence, `\|` for pipes). */
function code(s: string): string {
  const body = s.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
  const run = Math.max(0, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(run + 1);
  const pad = body.startsWith('`') || body.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}
