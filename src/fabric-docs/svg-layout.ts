// Where fabric.svg puts things: spines in a row on top, racks in a row below with their leaves,
// every cable a curve from a point on the spine's lower edge to a point on the leaf's upper edge
// (spread over both edges in the order of the far ends, so lines fan out instead of meeting).
// Up to FOLD_ABOVE leaves each leaf is drawn; above that each rack is one box and the cables
// between a rack and a spine one bundle. Pure geometry; no text is measured, it is estimated
// generously (CHAR per character) so labels never overlap.
import type { Handbook } from './handbook.ts';

export const FOLD_ABOVE = 128;
export const CHAR = 7.4; // px per character of 12px sans-serif, rounded up
export const MARGIN = 24;
const SPINE_H = 34;
const TOP = 76; // below the title and the subtitle
const RACK_PAD = 8;
const RACK_GAP = 14;
const LABEL_H = 22; // rack name under the rack

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface Node extends Box {
  readonly name: string;
  /** Text runs top to bottom (narrow boxes of wide fabrics). */
  readonly vertical: boolean;
}

export interface RackBox extends Box {
  readonly name: string;
  readonly label: { readonly x: number; readonly y: number };
  /** Leaves drawn one by one; folded: the rack's one box. */
  readonly nodes: readonly Node[];
}

export interface Line {
  readonly spine: number; // index into spines
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
  readonly cables: readonly number[]; // indexes into Handbook.cables
}

export interface Layout {
  readonly width: number;
  readonly height: number;
  readonly folded: boolean;
  readonly spines: readonly Node[];
  readonly racks: readonly RackBox[];
  readonly lines: readonly Line[];
}

export const textWidth = (s: string) => s.length * CHAR;

export function layout(h: Handbook, minWidth: number): Layout {
  const leafCount = h.racks.reduce((n, r) => n + r.leaves.length, 0);
  const folded = leafCount > FOLD_ABOVE;
  const vertical = folded || leafCount > 24;
  const names = folded ? h.racks.map((r) => foldedName(r.leaves.map((l) => l.name))) : h.racks.flatMap((r) => r.leaves.map((l) => l.name));
  // Narrow boxes with the name upright share one height; wide ones fit their own name.
  const nodeW = (name: string) => (vertical ? 22 : Math.max(64, textWidth(name) + 16));
  const nodeH = vertical ? Math.max(64, ...names.map((n) => textWidth(n) + 16)) : 30;
  const nodeGap = vertical ? 5 : 10;
  const rackNodes = h.racks.map((r) => (folded ? [foldedName(r.leaves.map((l) => l.name))] : r.leaves.map((l) => l.name)));
  const innerW = (ns: readonly string[]) => ns.reduce((w, n) => w + nodeW(n), 0) + Math.max(0, ns.length - 1) * nodeGap;

  // Racks left to right; their widths decide the row's width.
  const rackW = h.racks.map((r, i) => Math.max(innerW(rackNodes[i]!) + 2 * RACK_PAD, textWidth(r.rack.name) + 10));
  const rowW = rackW.reduce((a, b) => a + b, 0) + Math.max(0, h.racks.length - 1) * RACK_GAP;
  const spineMin = Math.max(88, ...h.spines.map((s) => textWidth(s.name) + 24));
  const spinesW = h.spines.length * (spineMin + 24);
  const width = Math.ceil(Math.max(rowW, spinesW, minWidth) + 2 * MARGIN);
  const inner = width - 2 * MARGIN;

  // Spines spread over the racks' row (or their own minimum), each wide enough to fan its
  // cables out: about 12 px per far end.
  const span = Math.max(rowW, spinesW);
  const slot = span / Math.max(1, h.spines.length);
  const ends = Math.max(1, ...h.spines.map((s) => (folded ? h.racks.length : s.neighbors.length)));
  const spineW = Math.max(spineMin, Math.min(slot - 24, ends * 12, 260));
  const left = MARGIN + (inner - span) / 2;
  const spines: Node[] = h.spines.map((s, i) => ({ name: s.name, vertical: false, x: left + slot * (i + 0.5) - spineW / 2, y: TOP, w: spineW, h: SPINE_H }));

  // The farther the far ends, the taller the gap, so that lines keep an angle one can follow.
  const gap = Math.round(Math.min(560, Math.max(150, inner / 7)));
  const rackY = TOP + SPINE_H + gap;
  const racks: RackBox[] = [];
  let x = MARGIN + (inner - rowW) / 2;
  h.racks.forEach((r, i) => {
    const w = rackW[i]!;
    let nx = x + (w - innerW(rackNodes[i]!)) / 2;
    const nodes: Node[] = [];
    for (const name of rackNodes[i]!) {
      nodes.push({ name, vertical, x: nx, y: rackY + RACK_PAD, w: nodeW(name), h: nodeH });
      nx += nodeW(name) + nodeGap;
    }
    const hgt = nodeH + 2 * RACK_PAD + LABEL_H;
    racks.push({ name: r.rack.name, x, y: rackY, w, h: hgt, label: { x: x + w / 2, y: rackY + nodeH + 2 * RACK_PAD + 14 }, nodes });
    x += w + RACK_GAP;
  });

  const lines = cableLines(h, folded, spines, racks);
  const height = Math.ceil(rackY + nodeH + 2 * RACK_PAD + LABEL_H + MARGIN);
  return { width, height, folded, spines, racks, lines };
}

/** A folded rack's box: its first and last leaf, and how many it has. */
export function foldedName(leaves: readonly string[]): string {
  return leaves.length === 1 ? leaves[0]! : `${leaves[0]}–${leaves[leaves.length - 1]} (${leaves.length})`;
}

/** One line per cable (per rack and spine when folded), with its two anchor points. */
function cableLines(h: Handbook, folded: boolean, spines: readonly Node[], racks: readonly RackBox[]): Line[] {
  const spineIndex = new Map(h.spines.map((s, i) => [s.name, i]));
  // Ends: key of the lower box (leaf, or rack when folded) → its node.
  const lower = new Map<string, Node>();
  h.racks.forEach((r, i) => {
    if (folded) lower.set(r.rack.name, racks[i]!.nodes[0]!);
    else r.leaves.forEach((l, j) => lower.set(l.name, racks[i]!.nodes[j]!));
  });
  const groups = new Map<string, { spine: number; low: string; cables: number[] }>();
  h.cables.forEach((c, k) => {
    const low = folded ? c.rack : c.leaf;
    const spine = spineIndex.get(c.spine)!;
    const key = `${low}\u0000${spine}`;
    const g = groups.get(key);
    if (g) g.cables.push(k);
    else groups.set(key, { spine, low, cables: [k] });
  });
  const list = [...groups.values()];
  // Anchor order on a spine: by the far end's x; on a leaf or rack: by the spine's x.
  const onSpine = new Map<number, typeof list>();
  const onLow = new Map<string, typeof list>();
  for (const g of list) {
    (onSpine.get(g.spine) ?? onSpine.set(g.spine, []).get(g.spine)!).push(g);
    (onLow.get(g.low) ?? onLow.set(g.low, []).get(g.low)!).push(g);
  }
  const spineSlot = new Map<(typeof list)[number], number>();
  for (const gs of onSpine.values()) {
    gs.sort((a, b) => lower.get(a.low)!.x - lower.get(b.low)!.x);
    gs.forEach((g, i) => spineSlot.set(g, (i + 0.5) / gs.length));
  }
  const lowSlot = new Map<(typeof list)[number], number>();
  for (const gs of onLow.values()) {
    gs.sort((a, b) => a.spine - b.spine);
    gs.forEach((g, i) => lowSlot.set(g, (i + 0.5) / gs.length));
  }
  return list.map((g) => {
    const s = spines[g.spine]!;
    const n = lower.get(g.low)!;
    return { spine: g.spine, x1: s.x + s.w * spineSlot.get(g)!, y1: s.y + s.h, x2: n.x + n.w * lowSlot.get(g)!, y2: n.y, cables: g.cables };
  });
}
