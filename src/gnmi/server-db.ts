// The emulated switch's view of its own redis, as sonic-gnmi has it: path resolution for reads
// and subscriptions (TABLE[/KEY[/KEY2]][/FIELD] under a DB target; /DB/localhost/... under
// origin sonic-db), the JSON shapes of the replies, and keyspace notifications shared between
// subscriptions (one subscriber connection per database, patterns reference-counted).
import { Redis } from 'ioredis';
import { separatorOf } from './messages.ts';
import type { TypedValue } from './types.ts';

export type ServedDb = 'APPL_DB' | 'CONFIG_DB' | 'STATE_DB';
export const SERVED_DBS: Readonly<Record<ServedDb, number>> = { APPL_DB: 0, CONFIG_DB: 4, STATE_DB: 6 };

export function isServedDb(name: string): name is ServedDb {
  return Object.hasOwn(SERVED_DBS, name);
}

/** A refusal with the gRPC status code sonic-gnmi uses for it. */
export class GnmiStatusError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'GnmiStatusError';
  }
}

export interface RedisLocation {
  readonly host?: string;
  readonly port?: number;
  readonly socket?: string;
  readonly password?: string;
}

/** What a read path names: a table, an entry, or one field (of an entry, or of the hash named
 *  like the table, as SONiC allows). `key` is the full redis key when set. */
export interface ReadSpec {
  readonly db: ServedDb;
  readonly table: string;
  readonly key?: string;
  readonly field?: string;
}

/** Reply shapes: `db` is sonic-gnmi's DbClient (target = DB: raw hashes, NULL and `name@` kept,
 *  a field as string_val); `sonic-db` its MixedDbClient (origin sonic-db: config_db.json form,
 *  NULL dropped, `name@` as a JSON array, a field as JSON). */
export type Shape = 'db' | 'sonic-db';

const NOT_FOUND = 5;

export type Hash = Record<string, string>;

function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

export class SwitchDb {
  private readonly clients = new Map<ServedDb, Redis>();
  private readonly hubs = new Map<ServedDb, KeyspaceHub>();

  constructor(private readonly where: RedisLocation) {}

  private options(db: number) {
    const w = this.where;
    return {
      ...(w.socket ? { path: w.socket } : { host: w.host ?? '127.0.0.1', port: w.port ?? 6379 }),
      ...(w.password ? { password: w.password } : {}),
      db,
      maxRetriesPerRequest: 2,
      lazyConnect: false,
    };
  }

  client(db: ServedDb): Redis {
    let c = this.clients.get(db);
    if (!c) {
      c = new Redis(this.options(SERVED_DBS[db]));
      c.on('error', () => {}); // surfaced by the failing command, as a gRPC status
      this.clients.set(db, c);
    }
    return c;
  }

  hub(db: ServedDb): KeyspaceHub {
    let h = this.hubs.get(db);
    if (!h) {
      const sub = new Redis(this.options(SERVED_DBS[db]));
      sub.on('error', () => {});
      h = new KeyspaceHub(sub, SERVED_DBS[db]);
      this.hubs.set(db, h);
    }
    return h;
  }

  /** sonic-gnmi's resolution of a DB-target path: the third elem is a key when that key exists,
   *  else a field of the hash named like the table; with four, the third and fourth are one
   *  composite key when it exists, else key and field. A named key must exist (NOT_FOUND). */
  async resolve(db: ServedDb, names: readonly string[]): Promise<ReadSpec> {
    const sep = separatorOf(db);
    const r = this.client(db);
    const exists = async (k: string) => (await r.exists(k)) === 1;
    const [table, a, b, c] = names;
    if (table === undefined || names.length > 4) throw new GnmiStatusError(NOT_FOUND, `Invalid db table Path ${db}/${names.join(sep)}`);
    let spec: ReadSpec;
    if (a === undefined) spec = { db, table };
    else if (b === undefined) spec = (await exists(`${table}${sep}${a}`)) ? { db, table, key: `${table}${sep}${a}` } : { db, table, key: table, field: a };
    else if (c === undefined) {
      spec = (await exists(`${table}${sep}${a}${sep}${b}`)) ? { db, table, key: `${table}${sep}${a}${sep}${b}` } : { db, table, key: `${table}${sep}${a}`, field: b };
    } else spec = { db, table, key: `${table}${sep}${a}${sep}${b}`, field: c };
    if (spec.key !== undefined && !(await exists(spec.key))) {
      throw new GnmiStatusError(NOT_FOUND, `No valid entry found on ${db} with key ${spec.field !== undefined && spec.key === table ? `${table}${sep}${spec.field}` : spec.key}`);
    }
    return spec;
  }

  /** Origin sonic-db: /DB/localhost/TABLE/KEY/FIELD, the key one elem. */
  async resolveNative(db: ServedDb, names: readonly string[]): Promise<ReadSpec | { db: ServedDb; whole: true }> {
    const [table, key, field] = names;
    if (names.length > 3) throw new GnmiStatusError(NOT_FOUND, `Invalid db table Path ${db}/${names.join('/')}`);
    if (table === undefined) return { db, whole: true };
    if (key === undefined) return { db, table };
    const full = `${table}${separatorOf(db)}${key}`;
    if ((await this.client(db).exists(full)) !== 1) throw new GnmiStatusError(NOT_FOUND, `No valid entry found on ${db} with key ${full}`);
    return field === undefined ? { db, table, key: full } : { db, table, key: full, field };
  }

  /** Every hash of a table, keyed by the key without the table name. */
  async readTable(db: ServedDb, table: string): Promise<Record<string, Hash>> {
    const sep = separatorOf(db);
    const keys = await this.scan(db, `${globEscape(table)}${globEscape(sep)}*`);
    const hashes = await this.readHashes(db, keys);
    const out: Record<string, Hash> = {};
    for (const [k, h] of hashes) out[k.slice(table.length + sep.length)] = h;
    return out;
  }

  /** Every entry of the database grouped by table ({TABLE: {key: hash}}). */
  async readAll(db: ServedDb): Promise<Record<string, Record<string, Hash>>> {
    const sep = separatorOf(db);
    const keys = await this.scan(db, `*${globEscape(sep)}*`);
    const out: Record<string, Record<string, Hash>> = {};
    for (const [k, h] of await this.readHashes(db, keys)) {
      const i = k.indexOf(sep);
      (out[k.slice(0, i)] ??= {})[k.slice(i + 1)] = h;
    }
    return out;
  }

  async scan(db: ServedDb, match: string): Promise<string[]> {
    const r = this.client(db);
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await r.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return keys.sort();
  }

  /** HGETALL of each key; keys that are gone or are not hashes are left out. */
  async readHashes(db: ServedDb, keys: readonly string[]): Promise<Map<string, Hash>> {
    const out = new Map<string, Hash>();
    if (keys.length === 0) return out;
    const p = this.client(db).pipeline();
    for (const k of keys) p.hgetall(k);
    const results = (await p.exec()) ?? [];
    results.forEach(([err, v], i) => {
      const h = v as Hash;
      if (!err && h && Object.keys(h).length > 0) out.set(keys[i]!, h);
    });
    return out;
  }

  /** The TypedValue sonic-gnmi returns for a resolved path. */
  async value(spec: ReadSpec | { db: ServedDb; whole: true }, shape: Shape): Promise<TypedValue> {
    if ('whole' in spec) {
      const all = await this.readAll(spec.db);
      return json(Object.fromEntries(Object.entries(all).map(([t, entries]) => [t, mapValues(entries, nativeEntry)])));
    }
    if (spec.key === undefined) {
      const entries = await this.readTable(spec.db, spec.table);
      return json(shape === 'db' ? entries : mapValues(entries, nativeEntry));
    }
    const r = this.client(spec.db);
    if (spec.field === undefined) {
      const h = await r.hgetall(spec.key);
      return json(shape === 'db' ? h : nativeEntry(h));
    }
    if (shape === 'db') {
      const v = await r.hget(spec.key, spec.field);
      if (v === null) throw new GnmiStatusError(NOT_FOUND, `No valid entry found on ${spec.db} with key ${spec.key} field ${spec.field}`);
      return { string_val: v };
    }
    const [plain, list] = await Promise.all([r.hget(spec.key, spec.field), r.hget(spec.key, `${spec.field}@`)]);
    if (plain !== null) return json(plain);
    if (list !== null) return json(list === '' ? [] : list.split(','));
    throw new GnmiStatusError(NOT_FOUND, `No valid entry found on ${spec.db} with key ${spec.key} field ${spec.field}`);
  }

  async close(): Promise<void> {
    for (const h of this.hubs.values()) h.close();
    this.hubs.clear();
    await Promise.all([...this.clients.values()].map((c) => c.quit().catch(() => c.disconnect())));
    this.clients.clear();
  }
}

/** config_db.json form of a redis hash. */
export function nativeEntry(h: Hash): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [f, v] of Object.entries(h)) {
    if (f === 'NULL') continue;
    if (f.endsWith('@')) out[f.slice(0, -1)] = v === '' ? [] : v.split(',');
    else out[f] = v;
  }
  return out;
}

function mapValues<T, U>(o: Record<string, T>, f: (v: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
}

const enc = new TextEncoder();
export function json(v: unknown): TypedValue {
  return { json_ietf_val: enc.encode(JSON.stringify(v)) };
}

export type KeyspaceListener = (key: string, event: string) => void;

/** One psubscribe connection per database; each pattern subscribed while someone listens. */
export class KeyspaceHub {
  private readonly listeners = new Map<string, Set<KeyspaceListener>>();
  private readonly subscribed = new Map<string, Promise<unknown>>();
  private readonly prefix: string;

  constructor(
    private readonly sub: Redis,
    dbIndex: number,
  ) {
    this.prefix = `__keyspace@${dbIndex}__:`;
    sub.on('pmessage', (pattern: string, channel: string, event: string) => {
      const key = channel.slice(this.prefix.length);
      for (const l of this.listeners.get(pattern) ?? []) l(key, event);
    });
  }

  /** Listens to a table (`TABLE<sep>*`) or to one key; resolves once redis confirmed. */
  async listen(match: { table: string; sep: string } | { key: string }, l: KeyspaceListener): Promise<() => Promise<void>> {
    const pattern = 'key' in match ? `${this.prefix}${globEscape(match.key)}` : `${this.prefix}${globEscape(match.table)}${globEscape(match.sep)}*`;
    let set = this.listeners.get(pattern);
    if (!set) {
      set = new Set();
      this.listeners.set(pattern, set);
      this.subscribed.set(pattern, this.sub.psubscribe(pattern));
    }
    set.add(l);
    await this.subscribed.get(pattern);
    return async () => {
      const s = this.listeners.get(pattern);
      if (!s) return;
      s.delete(l);
      if (s.size === 0) {
        this.listeners.delete(pattern);
        this.subscribed.delete(pattern);
        await this.sub.punsubscribe(pattern).catch(() => undefined);
      }
    };
  }

  close(): void {
    this.listeners.clear();
    this.subscribed.clear();
    this.sub.disconnect();
  }
}
