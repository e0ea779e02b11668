// The flat form every comparison works on: `TABLE|key` → fields, all values strings, list
// fields as `name@` with comma-joined values — SONiC's Redis encoding without the NULL:NULL
// filler entry (transports add it when writing an entry without fields, and drop it when reading).
import type { ConfigDb } from '../model.ts';

export type Fields = Readonly<Record<string, string>>;
export type FlatDb = ReadonlyMap<string, Fields>;

export function flatten(db: ConfigDb): Map<string, Fields> {
  const out = new Map<string, Fields>();
  for (const table of Object.keys(db)) {
    const entries = db[table]!;
    for (const key of Object.keys(entries)) {
      const fields: Record<string, string> = {};
      for (const [f, v] of Object.entries(entries[key]!)) {
        if (Array.isArray(v)) fields[`${f}@`] = v.join(',');
        else fields[f] = v as string;
      }
      out.set(`${table}|${key}`, fields);
    }
  }
  return out;
}

/** CONFIG_DB keys split on the FIRST separator only (IPv6 keys contain ':'; composite keys
 *  keep their own '|'). */
export function splitKey(full: string, sep = '|'): { table: string; key: string } {
  const i = full.indexOf(sep);
  return i < 0 ? { table: full, key: '' } : { table: full.slice(0, i), key: full.slice(i + 1) };
}

export function sameFields(a: Fields | undefined, b: Fields | undefined): boolean {
  if (!a || !b) return a === b;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k] === b[k]);
}
