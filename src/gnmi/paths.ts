// SONiC's gNMI path conventions (sonic-gnmi), pure:
// - reads and subscriptions name the database in prefix.target; elems are TABLE[/KEY][/FIELD],
//   a composite key being ONE elem that contains the separator ("Ethernet0|10.0.0.1/31");
// - writes use origin "sonic-db" and /DB/localhost/TABLE/KEY[/FIELD]: sonic-gnmi drops the first
//   two elems and joins the rest into a JSON-Patch path over config_db.json, so "~" and "/" in a
//   key or field must be escaped as "~0" and "~1" (RFC 6901), or "10.0.0.1/31" would split the
//   key in two.
import type { Path, PathElem } from './types.ts';

export const SONIC_DB_ORIGIN = 'sonic-db';
/** The namespace elem of a write path: a single-ASIC switch has only "localhost". */
export const DEFAULT_NAMESPACE = 'localhost';

/** Databases a Set may target (sonic-gnmi: CONFIG_DB through GCU, APPL_DB directly). */
export type WritableDb = 'CONFIG_DB' | 'APPL_DB';

/** RFC 6901 escaping for one JSON-Pointer token. */
export function escapeToken(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function unescapeToken(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** `/sonic-db:DB/localhost/TABLE[/KEY[/FIELD]]`, key and field escaped for the JSON-Patch side. */
export function writePath(db: WritableDb, table: string, key?: string, field?: string): Path {
  const elem: PathElem[] = [{ name: db }, { name: DEFAULT_NAMESPACE }, { name: table }];
  if (key !== undefined) elem.push({ name: escapeToken(key) });
  if (field !== undefined) {
    if (key === undefined) throw new Error(`writePath: a field (${field}) needs a key`);
    elem.push({ name: escapeToken(field) });
  }
  return { origin: SONIC_DB_ORIGIN, elem };
}

/** The prefix of a read or a subscription: the database as target. */
export function readPrefix(db: string): Path {
  return { target: db };
}

/** TABLE[/KEY], relative to readPrefix(db); the key is one elem, unescaped. */
export function readPath(table: string, key?: string): Path {
  return { elem: key === undefined ? [{ name: table }] : [{ name: table }, { name: key }] };
}

/** Prefix elems then path elems, origin and target from whichever sets them (prefix first). */
export function joinPaths(prefix: Path | null | undefined, path: Path | null | undefined): Path {
  const origin = prefix?.origin || path?.origin || undefined;
  const target = prefix?.target || path?.target || undefined;
  return {
    ...(origin ? { origin } : {}),
    ...(target ? { target } : {}),
    elem: [...(prefix?.elem ?? []), ...(path?.elem ?? [])],
  };
}

/** Path string form as SONiC's tools print it: `/sonic-db:CONFIG_DB/localhost/PORT/Ethernet0`
 *  (origin before the first elem), `/` inside a name as `\/`, keys as `[k=v]`, the target
 *  shown apart. For messages and logs only. */
export function pathToString(path: Path | null | undefined): string {
  if (!path) return '/';
  const elems = (path.elem ?? []).map((e) => {
    const keys = Object.entries(e.key ?? {})
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `[${k}=${v.replace(/[\]\\]/g, (c) => `\\${c}`)}]`)
      .join('');
    return `${e.name.replace(/[/\\]/g, (c) => `\\${c}`)}${keys}`;
  });
  const origin = path.origin ? `${path.origin}:` : '';
  const body = `/${origin}${elems.join('/')}`;
  return path.target ? `${body} (target ${path.target})` : body;
}
