// The drift report as one self-contained HTML page (inline CSS and SVG, no script, no external
// asset): a picture of the fabric, spines above and leaves below, each switch and cable coloured
// by its findings (red error, amber warning, blue info, green ok), then the findings.
// Elements carry ids and data attributes (`#link-leaf1--spine1[data-state]`,
// `#switch-leaf1[data-state]`) so tools and tests can find them.
import type { DriftReport, FindingJson, LinkState } from '../results/drift-schema.ts';
import { driftVerdict, groupByCause } from './drift-text.ts';

export const STATE_COLOURS: Readonly<Record<LinkState, string>> = { error: '#d93025', warning: '#f29900', info: '#1a73e8', ok: '#1e8e3e' };

const NODE_W = 96;
const NODE_H = 34;
const GAP = 24;
const SPINE_Y = 40;
const LEAF_Y = 250;

/** Racks of the fabric: with more than COMPACT_LEAVES leaves the picture folds each rack into a
 *  box of small squares (names and state on hover), so 4×64 stays readable on one screen. */
export interface PictureOptions {
  readonly racks?: readonly { readonly name: string; readonly leaves: readonly string[] }[];
}

const COMPACT_LEAVES = 16;
const SMALL = 18;
const SMALL_GAP = 4;
const RACK_PAD = 6;
const RACK_GAP = 10;

export function formatDriftHtml(r: DriftReport, opts: PictureOptions = {}): string {
  const groups = groupByCause(r.findings);
  const rowId = new Map<string, string>();
  r.findings.forEach((f, i) => rowId.set(f.id, `finding-${i + 1}`));
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>clos drift: ${esc(r.fabric)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    `<body data-drift="${r.drift}">`,
    `<h1>clos drift: ${esc(r.fabric)}</h1>`,
    `<p class="verdict ${r.drift ? 'drift' : 'clean'}" id="verdict">${esc(driftVerdict(r))}</p>`,
    `<p class="meta">${r.summary.switches} switches read at ${esc(r.at)} in ${(r.durationMs / 1000).toFixed(2)} s.</p>`,
    picture(r, rowId, opts),
    legend(),
    findingsTable(groups, rowId),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** The picture alone, as an SVG document with its own style (the dashboard of `clos serve`
 *  draws it and recolours its elements live). Without the findings table, nothing links. */
export function formatDriftSvg(r: DriftReport, opts: PictureOptions = {}): string {
  return `${picture(r, undefined, opts).replace(/^(<svg [^>]*>)/, `$1\n<style>${PICTURE_CSS}</style>`)}\n`;
}

function picture(r: DriftReport, rowId: ReadonlyMap<string, string> | undefined, opts: PictureOptions): string {
  const spines = r.switches.filter((s) => s.role === 'spine');
  const leaves = r.switches.filter((s) => s.role === 'leaf');
  const compact = opts.racks !== undefined && leaves.length > COMPACT_LEAVES ? rackLayout(opts.racks, leaves.map((l) => l.name)) : undefined;
  const n = Math.max(spines.length, leaves.length, 1);
  const width = compact ? Math.max(640, compact.width, 2 * GAP + spines.length * (NODE_W + GAP)) : Math.max(640, 2 * GAP + n * (NODE_W + GAP));
  const xs = (count: number) => Array.from({ length: count }, (_, i) => ((i + 0.5) * width) / count);
  const pos = new Map<string, { x: number; y: number }>();
  xs(spines.length).forEach((x, i) => pos.set(spines[i]!.name, { x, y: SPINE_Y }));
  if (compact) {
    const shift = (width - compact.width) / 2;
    for (const [name, x] of compact.x) pos.set(name, { x: x + shift, y: LEAF_Y });
  } else xs(leaves.length).forEach((x, i) => pos.set(leaves[i]!.name, { x, y: LEAF_Y }));
  const firstFinding = (pred: (f: FindingJson) => boolean) => {
    const f = r.findings.find(pred);
    return f && rowId ? `#${rowId.get(f.id)}` : undefined;
  };
  const out = [`<svg id="fabric" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${LEAF_Y + NODE_H + 30}" width="100%" role="img" aria-label="fabric ${esc(r.fabric)}">`];
  // Links first, so switches are drawn over their ends.
  for (const l of r.links) {
    const a = pos.get(l.spine);
    const b = pos.get(l.leaf);
    if (!a || !b) continue;
    const title = `${l.leaf} ${l.leafPort} — ${l.spine} ${l.spinePort}: ${l.state === 'ok' ? 'ok' : `${l.findings} finding(s), worst ${l.state}`}`;
    const line = `<line id="link-${safe(l.leaf)}--${safe(l.spine)}" class="link state-${l.state}" data-link="${esc(l.id)}" data-state="${l.state}" data-findings="${l.findings}" x1="${f1(a.x)}" y1="${SPINE_Y + NODE_H}" x2="${f1(b.x)}" y2="${LEAF_Y}"><title>${esc(title)}</title></line>`;
    const href = firstFinding((f) => f.link === l.id);
    out.push(href ? `<a href="${href}">${line}</a>` : line);
  }
  const node = (s: DriftReport['switches'][number]): string => {
    const p = pos.get(s.name)!;
    const title = `${s.name} (${s.role}, ${s.flavour}) ${s.endpoint ?? 'not connected'}: ${s.findings} finding(s)`;
    const small = compact && s.role === 'leaf';
    const g = [
      `<g id="switch-${safe(s.name)}" class="switch state-${s.state}" data-switch="${esc(s.name)}" data-state="${s.state}" data-findings="${s.findings}">`,
      `<title>${esc(title)}</title>`,
      small ? `<rect x="${f1(p.x - SMALL / 2)}" y="${p.y}" width="${SMALL}" height="${SMALL}" rx="3"/>` : `<rect x="${f1(p.x - NODE_W / 2)}" y="${p.y}" width="${NODE_W}" height="${NODE_H}" rx="6"/>`,
      small ? '' : `<text x="${f1(p.x)}" y="${p.y + NODE_H / 2 + 5}" text-anchor="middle">${esc(s.name)}</text>`,
      '</g>',
    ].join('');
    const href = firstFinding((f) => f.switch === s.name);
    return href ? `<a href="${href}">${g}</a>` : g;
  };
  for (const s of spines) out.push(node(s));
  if (compact) {
    const byName = new Map(leaves.map((l) => [l.name, l]));
    const shift = (width - compact.width) / 2;
    for (const rack of compact.racks) {
      const x0 = rack.x0 + shift;
      out.push(`<g class="rack" id="rack-${safe(rack.name)}" data-rack="${esc(rack.name)}"><title>rack ${esc(rack.name)}: ${esc(rack.leaves.join(', '))}</title>`);
      out.push(`<rect class="rack-box" x="${f1(x0)}" y="${LEAF_Y - RACK_PAD}" width="${f1(rack.width)}" height="${SMALL + 2 * RACK_PAD}" rx="4"/>`);
      out.push(`<text class="rack-label" x="${f1(x0 + rack.width / 2)}" y="${LEAF_Y + SMALL + RACK_PAD + 14}" text-anchor="middle">${esc(rack.name)}</text>`);
      for (const l of rack.leaves) out.push(node(byName.get(l)!));
      out.push('</g>');
    }
  } else for (const s of leaves) out.push(node(s));
  out.push('</svg>');
  return out.join('\n');
}

/** Leaves grouped by rack, left to right: the x of every leaf's centre and each rack's box. */
function rackLayout(racks: NonNullable<PictureOptions['racks']>, leaves: readonly string[]) {
  const known = new Set(leaves);
  const groups = racks.map((r) => ({ name: r.name, leaves: r.leaves.filter((l) => known.has(l)) })).filter((r) => r.leaves.length > 0);
  const racked = new Set(groups.flatMap((g) => g.leaves));
  const loose = leaves.filter((l) => !racked.has(l));
  if (loose.length) groups.push({ name: '(no rack)', leaves: loose });
  const x = new Map<string, number>();
  const out: { name: string; leaves: string[]; x0: number; width: number }[] = [];
  let cursor = GAP;
  for (const g of groups) {
    const width = 2 * RACK_PAD + g.leaves.length * SMALL + (g.leaves.length - 1) * SMALL_GAP;
    g.leaves.forEach((l, i) => x.set(l, cursor + RACK_PAD + SMALL / 2 + i * (SMALL + SMALL_GAP)));
    out.push({ ...g, x0: cursor, width });
    cursor += width + RACK_GAP;
  }
  return { x, racks: out, width: cursor - RACK_GAP + GAP };
}

function legend(): string {
  const items = (Object.keys(STATE_COLOURS) as LinkState[]).map((s) => `<span class="chip state-${s}"></span>${s === 'ok' ? 'no finding' : s}`);
  return `<p class="legend">${items.join(' ')} — a switch is coloured by findings about itself, a cable by findings about it.</p>`;
}

function findingsTable(groups: ReturnType<typeof groupByCause>, rowId: ReadonlyMap<string, string>): string {
  if (groups.length === 0) return '<p id="no-findings">No finding: every switch matches the fabric file.</p>';
  const row = (f: FindingJson, n: string, consequence: boolean) =>
    [
      `<tr id="${rowId.get(f.id)}" class="${consequence ? 'consequence' : 'root'} sev-${f.severity}" data-finding="${esc(f.id)}" data-class="${f.class}" data-severity="${f.severity}"${f.link ? ` data-link="${esc(f.link)}"` : ''}>`,
      `<td>${n}</td><td><span class="chip state-${f.severity}"></span>${f.severity}</td><td>${esc(f.switch)}</td><td>${f.class}</td>`,
      `<td><code>${esc(f.object)}</code></td><td>${esc(f.expected)}</td><td>${esc(f.actual)}${f.detail ? `<div class="detail">${esc(f.detail)}</div>` : ''}</td>`,
      `<td>${consequence ? `<span class="detail">follows from #${n.replace('↳ ', '')}</span>` : f.remediation.kind === 'apply' ? `<code>${esc(f.remediation.text)}</code>` : esc(f.remediation.text)}</td>`,
      '</tr>',
    ].join('');
  const rows: string[] = [];
  groups.forEach((g, i) => {
    rows.push(row(g.root, String(i + 1), false));
    for (const c of g.consequences) rows.push(row(c, `↳ ${i + 1}`, true));
  });
  return [
    '<table id="findings">',
    '<thead><tr><th>#</th><th>severity</th><th>switch</th><th>class</th><th>object</th><th>expected</th><th>actual</th><th>remediation</th></tr></thead>',
    `<tbody>${rows.join('\n')}</tbody>`,
    '</table>',
  ].join('\n');
}

const STATES = Object.entries(STATE_COLOURS) as [LinkState, string][];
const TINT: Readonly<Record<LinkState, string>> = { error: '#fce8e6', warning: '#fef7e0', info: '#fff', ok: '#fff' };

const PICTURE_CSS = [
  '#fabric{max-width:1200px;display:block;margin:16px 0}',
  '.link{stroke-width:3;stroke-linecap:round}',
  '.link.state-error{stroke-width:5;stroke-dasharray:10 5}',
  '.switch rect{stroke-width:2.5}',
  '.switch text{font-size:13px;font-weight:600;fill:#202124}',
  '.rack-box{fill:#fff;fill-opacity:0;stroke:#9aa0a6;stroke-width:1}.rack-label{font-size:11px;fill:#5f6368}',
  ...STATES.map(([s, c]) => `.link.state-${s}{stroke:${c}}.switch.state-${s} rect{stroke:${c};fill:${TINT[s]}}.chip.state-${s}{background:${c}}`),
].join('\n');

const CSS = [
  'body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#202124;background:#fff}',
  'h1{font-size:20px;margin:0 0 8px}',
  `.verdict{font-weight:600;font-size:16px}.verdict.drift{color:${STATE_COLOURS.error}}.verdict.clean{color:${STATE_COLOURS.ok}}`,
  '.meta,.legend,.detail{color:#5f6368;font-size:12px}',
  PICTURE_CSS,
  '.chip{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 4px 0 8px;vertical-align:baseline}',
  'table{border-collapse:collapse;width:100%;font-size:13px}',
  'th,td{border-bottom:1px solid #dadce0;padding:4px 8px;text-align:left;vertical-align:top}',
  'tr.consequence td{color:#5f6368}tr:target{outline:2px solid #1a73e8}td:first-child{white-space:nowrap}',
  'code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}',
].join('\n');

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A name as an id fragment: letters, digits, _ and - only. */
function safe(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, '_');
}

function f1(n: number): string {
  return n.toFixed(1).replace(/\.0$/, '');
}
