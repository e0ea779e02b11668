// What the fabric file schema allows at a path of the document: the keys of a mapping, and
// whether a key may be left out. Read from the one schema (schema.ts), so hints and error
// recovery never keep a second list of keys.
import type { z } from 'zod';
import type { DocPath } from '../diagnostics.ts';
import { fabricSchema } from './schema.ts';

type Def = { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType; valueType?: z.ZodType; innerType?: z.ZodType; options?: z.ZodType[] };
const def = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Optional and default wrappers removed; of a union (name-or-mapping), the mapping. */
function core(s: z.ZodType | undefined): z.ZodType | undefined {
  let cur = s;
  while (cur && (def(cur).type === 'optional' || def(cur).type === 'default' || def(cur).type === 'nullable')) cur = def(cur).innerType;
  if (cur && def(cur).type === 'union') cur = def(cur).options?.find((o) => def(o).type === 'object') ?? cur;
  return cur;
}

/** The schema of the value at a path, if the schema defines that path. */
function schemaAt(path: DocPath): z.ZodType | undefined {
  let s: z.ZodType | undefined = fabricSchema;
  for (const step of path) {
    const c = core(s);
    if (!c) return undefined;
    const d = def(c);
    if (d.type === 'object') s = d.shape?.[String(step)];
    else if (d.type === 'array') s = d.element;
    else if (d.type === 'record') s = d.valueType;
    else return undefined;
  }
  return s;
}

export type Container = 'object' | 'array' | 'record' | 'other';

/** What kind of value holds the entries at a path: a mapping with fixed keys, a list, a record. */
export function containerAt(path: DocPath): Container {
  const c = core(schemaAt(path));
  const t = c ? def(c).type : 'other';
  return t === 'object' || t === 'array' || t === 'record' ? t : 'other';
}

/** The keys a mapping at this path may have, in the schema's order ([] if not a mapping). */
export function keysAt(path: DocPath): string[] {
  const c = core(schemaAt(path));
  return c && def(c).type === 'object' ? Object.keys(def(c).shape ?? {}) : [];
}

/** Whether the key at the end of the path may be left out. */
export function isOptional(path: DocPath): boolean {
  const s = schemaAt(path);
  return s !== undefined && (def(s).type === 'optional' || def(s).type === 'default');
}

/** Edit distance with transpositions (optimal string alignment), for "did you mean". */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known key closest to an unknown one, among those not already written, when it is close
 *  enough to be a typo (at most 2 edits, and fewer than half the key). */
export function closestKey(unknown: string, path: DocPath, present: ReadonlySet<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const folded = unknown.toLowerCase();
  for (const k of keysAt(path)) {
    if (present.has(k)) continue;
    const dist = distance(folded, k);
    if (dist < bestD && dist <= 2 && dist * 2 < Math.max(unknown.length, k.length)) {
      best = k;
      bestD = dist;
    }
  }
  return best;
}
