// fabric.svg: the drawing of svg-layout.ts. Each spine has a colour and its cables share it; every
// box and line carries a <title> (a tooltip in a browser) with its full detail: the ports of a
// cable, the leaves of a folded rack, a switch's ASN and loopback.
import type { SwitchIntent } from '../core/model.ts';
import type { Handbook } from './handbook.ts';
import { speedLabel } from './handbook.ts';
import { MARGIN, layout, textWidth, type Node } from './svg-layout.ts';

// Sixteen colours that stay apart on white (Tableau 10 and six darker companions).
const COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#79706e', '#1f5f8b', '#b35806', '#8c1d40', '#2d6a4f', '#5e3c99', '#636363'];

export const spineColour = (i: number) => COLOURS[i % COLOURS.length]!;

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

const n1 = (v: number) => (Math.round(v * 10) / 10).toString();

export function fabricSvg(h: Handbook): string {
  const leaves = h.racks.reduce((n, r) => n + r.leaves.length, 0);
  const title = h.scope ? `${h.fabric}: rack${h.scope.length === 1 ? '' : 's'} ${h.scope.join(', ')} (new) and the spines` : `fabric ${h.fabric}`;
  // A long description is cut rather than widening the drawing (index.md has it whole).
  const about = h.description?.replace(/\s+/g, ' ').trim();
  const cut = about && about.length > 100 ? `${about.slice(0, 99)}…` : about;
  const sub = `${h.spines.length} spine${h.spines.length === 1 ? '' : 's'} · ${leaves} ${leaves === 1 ? 'leaf' : 'leaves'} in ${h.racks.length} rack${h.racks.length === 1 ? '' : 's'} · ${h.cables.length} cables${cut ? ` · ${cut}` : ''}`;
  const L = layout(h, Math.max(textWidth(title) * 1.4, textWidth(sub)));
  const byName = new Map([...h.spines, ...h.racks.flatMap((r) => r.leaves)].map((s) => [s.name, s]));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${L.width}" height="${L.height}" viewBox="0 0 ${L.width} ${L.height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${esc(title)}</title>`,
    // Dense meshes get finer, lighter lines so that their colours still tell the spines apart.
    `<style>.cable{fill:none;stroke-width:${h.cables.length > 256 ? '.8' : '1.3'};stroke-opacity:${h.cables.length > 256 ? '.4' : '.65'}}.cable:hover{stroke-width:3;stroke-opacity:1}.box{fill:#fff;stroke-width:1.5}.rack{fill:#f3f4f6;stroke:#c9ccd1}.t{fill:#1f2328;text-anchor:middle;dominant-baseline:central}</style>`,
    `<rect width="${L.width}" height="${L.height}" fill="#ffffff"/>`,
    `<text x="${MARGIN}" y="30" font-size="17" font-weight="bold" fill="#1f2328">${esc(title)}</text>`,
    `<text x="${MARGIN}" y="52" fill="#57606a">${esc(sub)}${L.folded ? esc(' · racks folded: one box per rack, one line per rack and spine') : ''}</text>`,
  ];
  // Racks first, cables over them, boxes on top so that every line ends at a box's edge.
  out.push('<g id="racks">');
  L.racks.forEach((r, i) => {
    const doc = h.racks[i]!;
    out.push(`<g><title>${esc(`rack ${r.name}: ${doc.leaves.map((l) => l.name).join(', ')}${doc.rack.servers ? `; server VLAN ${doc.rack.servers.vlan}` : ''}`)}</title>`);
    out.push(`<rect class="rack" x="${n1(r.x)}" y="${n1(r.y)}" width="${n1(r.w)}" height="${n1(r.h)}" rx="6"/>`);
    out.push(`<text class="t" x="${n1(r.label.x)}" y="${n1(r.label.y)}" font-weight="bold">${esc(r.name)}</text></g>`);
  });
  out.push('</g>', '<g id="cables">');
  for (const l of L.lines) {
    const cs = l.cables.map((k) => h.cables[k]!);
    const tip = L.folded
      ? `${cs[0]!.rack} — ${cs[0]!.spine}: ${cs.length} cable${cs.length === 1 ? '' : 's'} (${cs.map((c) => `${c.leaf} ${c.leafPort} — ${c.spinePort}`).join('; ')})`
      : cs.map((c) => `${c.label}: ${c.leaf} ${c.leafPort} — ${c.spine} ${c.spinePort}, ${speedLabel(c.speed)}, ${c.leafAddress} — ${c.spineAddress}`).join('; ');
    const width = L.folded ? ` stroke-width="${n1(1.3 + Math.log2(cs.length))}"` : '';
    // A curve that leaves the spine and reaches the leaf vertically: where many lines meet a
    // box, each still points at its own port.
    const ym = (l.y1 + l.y2) / 2;
    const d = `M${n1(l.x1)} ${n1(l.y1)}C${n1(l.x1)} ${n1(ym)} ${n1(l.x2)} ${n1(ym)} ${n1(l.x2)} ${n1(l.y2)}`;
    out.push(`<path class="cable" d="${d}" stroke="${spineColour(l.spine)}"${width}><title>${esc(tip)}</title></path>`);
  }
  out.push('</g>', '<g id="switches">');
  L.spines.forEach((s, i) => out.push(box(s, spineColour(i), tipFor(byName.get(s.name)!), true)));
  L.racks.forEach((r, i) => {
    for (const n of r.nodes) {
      const tip = L.folded ? `rack ${r.name}: ${h.racks[i]!.leaves.map((l) => `${l.name} (AS ${l.asn})`).join(', ')}` : tipFor(byName.get(n.name)!);
      out.push(box(n, '#57606a', tip, false));
    }
  });
  out.push('</g>', '</svg>', '');
  return out.join('\n');
}

function tipFor(s: SwitchIntent): string {
  return `${s.name}: ${s.role}${s.rack ? ` in rack ${s.rack}` : ''}, ${s.hwsku}, AS ${s.asn}, loopback ${s.loopback}${s.mgmt ? `, management ${s.mgmt}` : ''}`;
}

function box(n: Node, stroke: string, tip: string, bold: boolean): string {
  const cx = n.x + n.w / 2;
  const cy = n.y + n.h / 2;
  const rotate = n.vertical ? ` transform="rotate(-90 ${n1(cx)} ${n1(cy)})"` : '';
  return (
    `<g><title>${esc(tip)}</title><rect class="box" x="${n1(n.x)}" y="${n1(n.y)}" width="${n1(n.w)}" height="${n1(n.h)}" rx="4" stroke="${stroke}"/>` +
    `<text class="t" x="${n1(cx)}" y="${n1(cy)}"${bold ? ' font-weight="bold"' : ''}${rotate}>${esc(n.name)}</text></g>`
  );
}
