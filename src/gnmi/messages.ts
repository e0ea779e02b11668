// gNMI messages for SONiC, built and read apart from sending them (pure: no I/O, no gRPC):
// one switch's change set → ONE SetRequest; table reads → GetRequest and back to clos's flat
// form; table subscriptions; the gNOI restart of a service.
import type { Change } from '../core/diff/diff.ts';
import type { Fields } from '../core/diff/flat.ts';
import { readPath, readPrefix, writePath, type WritableDb } from './paths.ts';
import type {
  GetRequest,
  GetResponse,
  KillProcessRequest,
  Notification,
  Path,
  SetRequest,
  SubscriptionList,
  SubscriptionListMode,
  SubscriptionMode,
  TypedValue,
  Update,
} from './types.ts';

export const GNMI_VERSION = '0.10.0';

const SEPARATORS: Readonly<Record<string, string>> = { CONFIG_DB: '|', STATE_DB: '|', APPL_DB: ':' };

/** SONiC's key separator of a database (database_config.json). */
export function separatorOf(db: string): string {
  const sep = SEPARATORS[db];
  if (!sep) throw new Error(`unknown database ${db}`);
  return sep;
}

// ---- JSON_IETF values ------------------------------------------------------------------------

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function jsonIetf(value: unknown): TypedValue {
  return { json_ietf_val: encoder.encode(JSON.stringify(value)) };
}

/** The JSON of a TypedValue that carries JSON (json_ietf_val or json_val); undefined otherwise. */
export function jsonOf(val: TypedValue | null | undefined): unknown {
  const bytes = val?.json_ietf_val?.length ? val.json_ietf_val : val?.json_val?.length ? val.json_val : undefined;
  return bytes ? (JSON.parse(decoder.decode(bytes)) as unknown) : undefined;
}

/** A field value in config_db.json form: a list field (`name@` in Redis) is a JSON array under
 *  `name`, everything else a string. */
function fieldJson(field: string, value: string): [string, string | string[]] {
  return field.endsWith('@') ? [field.slice(0, -1), value === '' ? [] : value.split(',')] : [field, value];
}

/** An entry as config_db.json writes it (what a key-level Set carries). */
export function entryJson(fields: Fields): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(fields).map(([f, v]) => fieldJson(f, v)));
}

/** Back to clos's flat form: the NULL:NULL filler entry dropped, arrays as `name@` joined by commas,
 *  anything else as its string. */
export function fieldsOf(json: unknown): Fields {
  const out: Record<string, string> = {};
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return out;
  for (const [f, v] of Object.entries(json as Record<string, unknown>)) {
    if (f === 'NULL') continue;
    if (Array.isArray(v)) out[f.endsWith('@') ? f : `${f}@`] = v.map(String).join(',');
    else out[f] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

// ---- Set -------------------------------------------------------------------------------------

/** `TABLE|key` (CONFIG_DB) or `TABLE:key` (APPL_DB), split on the FIRST separator only. */
function splitFull(full: string, sep: string): { table: string; key: string } {
  const i = full.indexOf(sep);
  if (i <= 0) throw new Error(`"${full}" is not a TABLE${sep}key entry`);
  return { table: full.slice(0, i), key: full.slice(i + 1) };
}

/**
 * One switch's change set as ONE SetRequest (deletes, then replaces, then updates: gNMI's order,
 * all-or-nothing). Never a table-level update: SONiC turns it into a JSON-Patch `add` of the
 * table object, which REPLACES the table. A key-level update replaces the entry (JSON-Patch
 * `add` of an existing member), so:
 * - add: update of the key with the whole entry;
 * - replace: delete of the key, then update of the key (SONiC daemons need the delete);
 * - update: delete of each dropped field path, update of each changed field path; an entry left
 *   without fields becomes a key-level update with {} (removing its last field would remove the
 *   entry in config_db.json);
 * - delete: delete of the key.
 */
export function setRequestFor(changes: readonly Change[], db: WritableDb = 'CONFIG_DB'): SetRequest {
  const sep = separatorOf(db);
  const deletes: Path[] = [];
  const updates: Update[] = [];
  for (const c of changes) {
    const { table, key } = splitFull(c.key, sep);
    switch (c.op) {
      case 'delete':
        deletes.push(writePath(db, table, key));
        break;
      case 'add':
        updates.push({ path: writePath(db, table, key), val: jsonIetf(entryJson(c.set ?? c.after ?? {})) });
        break;
      case 'replace':
        deletes.push(writePath(db, table, key));
        updates.push({ path: writePath(db, table, key), val: jsonIetf(entryJson(c.after ?? c.set ?? {})) });
        break;
      case 'update': {
        if (c.after && Object.keys(c.after).length === 0) {
          updates.push({ path: writePath(db, table, key), val: jsonIetf({}) });
          break;
        }
        for (const f of c.unset ?? []) deletes.push(writePath(db, table, key, fieldJson(f, '')[0]));
        for (const [f, v] of Object.entries(c.set ?? {})) {
          const [name, value] = fieldJson(f, v);
          updates.push({ path: writePath(db, table, key, name), val: jsonIetf(value) });
        }
        break;
      }
    }
  }
  return { ...(deletes.length ? { delete: deletes } : {}), ...(updates.length ? { update: updates } : {}) };
}

// ---- Get -------------------------------------------------------------------------------------

/** One path per table, the database in prefix.target, JSON_IETF. */
export function getTablesRequest(db: string, tables: readonly string[]): GetRequest {
  return { prefix: readPrefix(db), path: tables.map((t) => readPath(t)), encoding: 'JSON_IETF', type: 'ALL' };
}

/** The whole database in one read (sonic-db origin: `/sonic-db:DB/localhost`, answered as
 *  {TABLE: {key: entry}}), for a read without a table list. */
export function getDatabaseRequest(db: string): GetRequest {
  return { path: [{ origin: 'sonic-db', elem: [{ name: db }, { name: 'localhost' }] }], encoding: 'JSON_IETF', type: 'ALL' };
}

/** A table-level value `{key: entry}` (key without the table name) into clos's flat form. */
export function addTableValue(out: Map<string, Fields>, db: string, table: string, json: unknown): void {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return;
  const sep = separatorOf(db);
  for (const [key, entry] of Object.entries(json as Record<string, unknown>)) out.set(`${table}${sep}${key}`, fieldsOf(entry));
}

/** Entries of a getTablesRequest reply, sorted by full key (as the Redis transport returns them). */
export function decodeTables(db: string, resp: GetResponse): Map<string, Fields> {
  const out = new Map<string, Fields>();
  for (const n of resp.notification ?? []) {
    for (const u of n.update ?? []) {
      const elems = [...(n.prefix?.elem ?? []), ...(u.path?.elem ?? [])].map((e) => e.name);
      if (elems.length !== 1) continue; // a table read answers at table level
      addTableValue(out, db, elems[0]!, jsonOf(u.val));
    }
  }
  return sortByKey(out);
}

/** Entries of a getDatabaseRequest reply: {TABLE: {key: entry}}. */
export function decodeDatabase(db: string, resp: GetResponse): Map<string, Fields> {
  const out = new Map<string, Fields>();
  for (const n of resp.notification ?? []) {
    for (const u of n.update ?? []) {
      const json = jsonOf(u.val);
      if (json === null || typeof json !== 'object') continue;
      for (const [table, entries] of Object.entries(json as Record<string, unknown>)) addTableValue(out, db, table, entries);
    }
  }
  return sortByKey(out);
}

function sortByKey(m: Map<string, Fields>): Map<string, Fields> {
  return new Map([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

// ---- Subscribe -------------------------------------------------------------------------------

export interface SubscribeOptions {
  readonly mode?: SubscriptionListMode;
  readonly subscriptionMode?: SubscriptionMode;
  /** SAMPLE interval in milliseconds (SONiC's minimum is 1000). */
  readonly sampleIntervalMs?: number;
  readonly updatesOnly?: boolean;
}

/** A subscription to whole tables of one database (prefix.target = db, elems = TABLE). */
export function subscribeTablesRequest(db: string, tables: readonly string[], opts: SubscribeOptions = {}): SubscriptionList {
  const mode = opts.mode ?? 'STREAM';
  const subMode = opts.subscriptionMode ?? 'ON_CHANGE';
  return {
    prefix: readPrefix(db),
    mode,
    encoding: 'JSON_IETF',
    ...(opts.updatesOnly ? { updates_only: true } : {}),
    subscription: tables.map((t) => ({
      path: readPath(t),
      ...(mode === 'STREAM' ? { mode: subMode } : {}),
      ...(opts.sampleIntervalMs !== undefined ? { sample_interval: String(BigInt(Math.round(opts.sampleIntervalMs)) * 1_000_000n) } : {}),
    })),
  };
}

/** Full keys (`TABLE<sep>key`) a notification of a table-level subscription names. SONiC sends
 *  the changed entries keyed by key under the table path ({} for a deleted key); delete paths
 *  are honoured too, at key level. */
export function keysOfNotification(db: string, n: Notification): string[] {
  const sep = separatorOf(db);
  const keys: string[] = [];
  const prefix = (n.prefix?.elem ?? []).map((e) => e.name);
  for (const u of n.update ?? []) {
    const elems = [...prefix, ...(u.path?.elem ?? []).map((e) => e.name)];
    if (elems.length === 1) {
      const json = jsonOf(u.val);
      if (json && typeof json === 'object' && !Array.isArray(json)) for (const k of Object.keys(json)) keys.push(`${elems[0]}${sep}${k}`);
    } else if (elems.length >= 2) keys.push(`${elems[0]}${sep}${elems[1]}`);
  }
  for (const d of n.delete ?? []) {
    const elems = [...prefix, ...(d.elem ?? []).map((e) => e.name)];
    if (elems.length >= 2) keys.push(`${elems[0]}${sep}${elems[1]}`);
  }
  return keys;
}

// ---- gNOI ------------------------------------------------------------------------------------

/** `systemctl restart <service>` as sonic-gnmi offers it: gNOI System.KillProcess by name with
 *  SIGNAL_TERM and restart. */
export function restartServiceRequest(service: string): KillProcessRequest {
  return { name: service, signal: 'SIGNAL_TERM', restart: true };
}
