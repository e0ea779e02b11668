// SONiC's Redis key and field conventions (sonic-reference §1), shared by every emulated daemon.
// CONFIG_DB and STATE_DB join table and key parts with '|', APPL_DB with ':'. IPv6 prefixes
// contain ':', so a full key is split on the FIRST separator only.

/** One entry's fields, as Redis holds them (every value a string). */
export type Fields = Readonly<Record<string, string>>;

export const DB = { APPL: 0, CONFIG: 4, STATE: 6 } as const;

export const CONFIG_SEP = '|';
export const STATE_SEP = '|';
export const APPL_SEP = ':';

/** `TABLE|a|b` → { table: 'TABLE', key: 'a|b' }; undefined for keys that are not table entries
 *  (CONFIG_DB_INITIALIZED is a plain string key). */
export function splitConfigKey(full: string): { table: string; key: string } | undefined {
  const i = full.indexOf(CONFIG_SEP);
  if (i <= 0 || i === full.length - 1) return undefined;
  return { table: full.slice(0, i), key: full.slice(i + 1) };
}

/** Drops the `NULL` filler field SONiC stores in entries without fields. */
export function dropNull(fields: Record<string, string>): Record<string, string> {
  if (!('NULL' in fields)) return fields;
  const { NULL: _null, ...rest } = fields;
  return rest;
}

/** A field set never written empty: Redis has no empty hash, SONiC writes `NULL: NULL`. */
export function withNull(fields: Fields): Fields {
  return Object.keys(fields).length === 0 ? { NULL: 'NULL' } : fields;
}

export function sameFields(a: Fields | undefined, b: Fields | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && a[k] === b[k]);
}

/** `Loopback0|10.1.0.1/32` → ['Loopback0', '10.1.0.1/32']; bare `Loopback0` → ['Loopback0']. */
export function splitEntryKey(key: string): [string] | [string, string] {
  const i = key.indexOf(CONFIG_SEP);
  return i < 0 ? [key] : [key.slice(0, i), key.slice(i + 1)];
}
