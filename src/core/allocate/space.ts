// A space of values one kind of allocation draws from (a pool of addresses, a range of ASNs, a
// spine's ports), and the one allocator they all share: pins first, then what the lock holds,
// then the lowest free value for everything new — nothing existing ever moves unless allowed.
import type { DocPath } from '../diagnostics.ts';

export interface Space {
  /** How the pool is named in messages: "underlay.p2p 10.1.0.0/20". */
  readonly label: string;
  readonly path: DocPath;
  /** Units a value occupies by default (a /31 occupies 2 addresses). A claim may ask for
   *  another width (server prefixes of different lengths share one pool). */
  readonly width: number;
  /** Number of candidate values of a width. */
  size(width: number): number;
  /** The k-th candidate value of a width, lowest first. */
  at(k: number, width: number): number;
  /** Whether v is a candidate of this space (a lock value still valid). */
  contains(v: number, width: number): boolean;
  format(v: number, width: number): string;
}

/** One object that needs a value from a space. */
export interface Claim {
  readonly object: string; // "switch leaf1", "link leaf1 -- spine1"
  readonly field: string;
  readonly pin?: number;
  readonly locked?: number;
  readonly removed?: boolean;
  readonly width?: number;
}

export interface Outcome {
  readonly values: Map<string, number>; // object → value
  readonly added: string[]; // objects that got a new value
  readonly moved: { object: string; from: number; to: number; reason: string }[];
  /** Set when the space cannot hold everything: how many values are needed in all. */
  readonly exhausted?: { needed: number };
}

export function allocateIn(space: Space, claims: readonly Claim[]): Outcome {
  const values = new Map<string, number>();
  const occupied = new Set<number>();
  const owner = new Map<number, string>();
  const widthOf = (c: Claim): number => c.width ?? space.width;
  const occupy = (v: number, w: number, object: string): void => {
    for (let u = 0; u < w; u++) occupied.add(v + u);
    owner.set(v, object);
  };
  const isFree = (v: number, w: number): boolean => {
    for (let u = 0; u < w; u++) if (occupied.has(v + u)) return false;
    return true;
  };
  const moved: Outcome['moved'] = [];
  const added: string[] = [];

  // 1. Pins are reserved first.
  for (const c of claims) {
    if (c.pin !== undefined) {
      occupy(c.pin, widthOf(c), c.object);
      values.set(c.object, c.pin);
    }
  }
  // 2. What the lock holds stays where it is, unless a pin or a changed pool takes it away.
  const needNew: Claim[] = [];
  for (const c of claims) {
    if (c.pin !== undefined) {
      if (c.locked !== undefined && c.locked !== c.pin) moved.push({ object: c.object, from: c.locked, to: c.pin, reason: 'pinned in the fabric file' });
      else if (c.locked === undefined) added.push(c.object);
      continue;
    }
    if (c.locked === undefined) {
      if (!c.removed) needNew.push(c);
      continue;
    }
    if (!space.contains(c.locked, widthOf(c))) {
      needNew.push(c);
      continue;
    }
    if (!isFree(c.locked, widthOf(c))) {
      // Taken by a pin. A removed object's value is reserved like any other: it moves too (a
      // re-added rack could not get it back), which is a renumbering.
      needNew.push(c);
      continue;
    }
    occupy(c.locked, widthOf(c), c.object);
    values.set(c.object, c.locked);
  }
  // 3. Everything new takes the lowest free value, in claim order.
  // Occupancy only grows, so the scan for each width resumes where it stopped.
  const cursor = new Map<number, number>();
  for (const c of needNew) {
    const w = widthOf(c);
    const size = space.size(w);
    let k = cursor.get(w) ?? 0;
    while (k < size && !isFree(space.at(k, w), w)) k++;
    cursor.set(w, k);
    if (k >= size) {
      const needed = claims.reduce((sum, x) => sum + widthOf(x), 0);
      return { values, added, moved, exhausted: { needed } };
    }
    const v = space.at(k, w);
    occupy(v, w, c.object);
    values.set(c.object, v);
    if (c.locked === undefined) added.push(c.object);
    else {
      const reason = space.contains(c.locked, w)
        ? `its value is taken by ${owner.get(c.locked) ?? 'a pin'}`
        : `${space.format(c.locked, w)} is no longer in ${space.label}`;
      moved.push({ object: c.object, from: c.locked, to: v, reason });
    }
  }
  return { values, added, moved };
}
