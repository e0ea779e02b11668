// Set on the emulated switch, as sonic-gnmi does it with origin sonic-db: paths
// /DB/localhost/TABLE[/KEY[/FIELD]] (key and field unescaped from JSON-Pointer ~0/~1),
// JSON_IETF values only, targets CONFIG_DB (GCU in SONiC) and APPL_DB, a Set naming only the
// database writing nothing. The whole request is ONE transaction like a GCU checkpoint/apply:
// checkpoint the touched keys (DUMP), compute every key's final entry (JSON-Patch semantics: a
// key- or table-level write replaces what it names), write them in one MULTI/EXEC that ends by
// reading them back;
// any error restores the checkpoint and fails the call, so nothing is ever half-applied.
import type { Redis } from 'ioredis';
import { separatorOf } from './messages.ts';
import { SONIC_DB_ORIGIN, unescapeToken } from './paths.ts';
import { GnmiStatusError, isServedDb, type Hash, type ServedDb, type SwitchDb } from './server-db.ts';
import type { Path, SetRequest, SetResponse, TypedValue, UpdateResult } from './types.ts';

const UNKNOWN = 2;
const NOT_FOUND = 5;
const UNIMPLEMENTED = 12;

export interface SetOp {
  readonly kind: 'delete' | 'replace' | 'update';
  readonly path: Path;
  readonly table?: string;
  readonly key?: string;
  readonly field?: string;
  readonly value?: unknown;
}

export interface ParsedSet {
  readonly db?: ServedDb;
  /** SONiC's "full config" form (one delete and one update of the bare database): validated,
   *  never written. */
  readonly fullConfig: boolean;
  readonly ops: readonly SetOp[];
}

const decoder = new TextDecoder();

function jsonValue(val: TypedValue | null | undefined): unknown {
  if (!val?.json_ietf_val?.length) throw new GnmiStatusError(UNKNOWN, 'Value encoding is not IETF JSON');
  try {
    return JSON.parse(decoder.decode(val.json_ietf_val)) as unknown;
  } catch (e) {
    throw new GnmiStatusError(UNKNOWN, `JSON unmarshalling error: ${(e as Error).message}`);
  }
}

/** Checks a SetRequest and turns it into ordered operations (deletes, replaces, updates). */
export function parseSetRequest(req: SetRequest): ParsedSet {
  if (req.union_replace?.length) throw new GnmiStatusError(UNIMPLEMENTED, 'union_replace is not supported');
  const entries: { kind: SetOp['kind']; path: Path; val?: TypedValue | null }[] = [
    ...(req.delete ?? []).map((path) => ({ kind: 'delete' as const, path })),
    ...(req.replace ?? []).map((u) => ({ kind: 'replace' as const, path: u.path ?? {}, val: u.val })),
    ...(req.update ?? []).map((u) => ({ kind: 'update' as const, path: u.path ?? {}, val: u.val })),
  ];
  if (entries.length === 0) return { fullConfig: false, ops: [] };
  let origin = req.prefix?.origin ?? '';
  if (!origin) {
    const origins = new Set(entries.map((e) => e.path.origin ?? ''));
    if (origins.size > 1) throw new GnmiStatusError(UNIMPLEMENTED, 'Origin conflict in path');
    origin = [...origins][0]!;
  }
  if (origin !== SONIC_DB_ORIGIN) throw new GnmiStatusError(UNIMPLEMENTED, `Translib write is disabled (this switch writes origin ${SONIC_DB_ORIGIN} only, not "${origin || 'openconfig'}")`);

  let db: string | undefined;
  const named = entries.map((e) => {
    const names = [...(req.prefix?.elem ?? []), ...(e.path.elem ?? [])].map((x) => x.name);
    if (names.length < 2) throw new GnmiStatusError(NOT_FOUND, 'Invalid elem length');
    if (db === undefined) db = names[0];
    else if (db !== names[0]) throw new GnmiStatusError(NOT_FOUND, 'Target conflict in path');
    if (names[1] !== 'localhost') throw new GnmiStatusError(NOT_FOUND, `Unsupported namespace/container ${names[1]}`);
    return { ...e, rest: names.slice(2).map(unescapeToken) };
  });
  if (!isServedDb(db!)) throw new GnmiStatusError(NOT_FOUND, `Invalid target: ${db}`);
  const target = db as ServedDb;
  if (target !== 'CONFIG_DB' && target !== 'APPL_DB') throw new GnmiStatusError(UNKNOWN, `Set RPC does not support ${target}`);

  const values = named.map((e) => (e.kind === 'delete' ? undefined : jsonValue(e.val)));
  const bare = named.map((e) => e.rest.length === 0);
  const dels = named.filter((e) => e.kind === 'delete').length;
  if (target === 'CONFIG_DB' && named.length === 2 && dels === 1 && named[1]!.kind === 'update' && bare[0] && bare[1]) {
    const whole = values[1];
    if (whole === null || typeof whole !== 'object' || Array.isArray(whole)) throw new GnmiStatusError(UNKNOWN, 'Yang validation failed!');
    return { db: target, fullConfig: true, ops: [] };
  }
  const ops: SetOp[] = [];
  named.forEach((e, i) => {
    const [table, key, field, extra] = e.rest;
    if (extra !== undefined) throw new GnmiStatusError(UNKNOWN, `Invalid db table Path ${e.rest.join('/')}`);
    if (table === undefined) {
      // Only the database named: a delete of it is skipped, anything else is not a table path.
      if (e.kind === 'delete') return;
      throw new GnmiStatusError(UNKNOWN, `Invalid db table Path ${target}`);
    }
    ops.push({
      kind: e.kind,
      path: e.path,
      table,
      ...(key !== undefined ? { key } : {}),
      ...(field !== undefined ? { field } : {}),
      ...(e.kind === 'delete' ? {} : { value: values[i] }),
    });
  });
  return { db: target, fullConfig: false, ops };
}

/** An entry of config_db.json (strings, lists) as a redis hash; the NULL:NULL filler entry for none. */
function entryHash(key: string, v: unknown): Hash {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new GnmiStatusError(UNKNOWN, `Key ${key}: Unsupported value ${JSON.stringify(v)}`);
  const h: Hash = {};
  for (const [f, x] of Object.entries(v as Record<string, unknown>)) {
    if (typeof x === 'string') h[f] = x;
    else if (Array.isArray(x) && x.every((i) => typeof i === 'string')) h[`${f}@`] = x.join(',');
    else throw new GnmiStatusError(UNKNOWN, `Key ${key}: Unsupported value ${JSON.stringify(x)} for field ${f}`);
  }
  return Object.keys(h).length ? h : { NULL: 'NULL' };
}

function withoutField(h: Hash, field: string): Hash {
  const out = { ...h };
  delete out[field];
  delete out[`${field}@`];
  return out;
}

const realFields = (h: Hash) => Object.keys(h).filter((f) => f !== 'NULL').length;

/**
 * Applies the operations, in order, to the current entries of the keys they touch (`tableKeys`
 * lists the current keys of every table a table-level operation names): each key's final hash,
 * or null for a key that must not exist. Pure.
 */
export function finalEntries(db: ServedDb, ops: readonly SetOp[], current: ReadonlyMap<string, Hash>, tableKeys: ReadonlyMap<string, readonly string[]>): Map<string, Hash | null> {
  const sep = separatorOf(db);
  const state = new Map<string, Hash | null>();
  const get = (k: string) => (state.has(k) ? state.get(k)! : current.get(k) ?? null);
  const keysOf = (table: string) => new Set([...(tableKeys.get(table) ?? []), ...[...state.keys()].filter((k) => k.startsWith(`${table}${sep}`))]);
  for (const op of ops) {
    const table = op.table!;
    if (op.key === undefined) {
      for (const k of keysOf(table)) state.set(k, null);
      if (op.kind === 'delete') continue;
      const v = op.value;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new GnmiStatusError(UNKNOWN, `Unsupported value ${JSON.stringify(v)} for table ${table}`);
      for (const [key, entry] of Object.entries(v as Record<string, unknown>)) state.set(`${table}${sep}${key}`, entryHash(key, entry));
      continue;
    }
    const full = `${table}${sep}${op.key}`;
    if (op.field === undefined) {
      state.set(full, op.kind === 'delete' ? null : entryHash(op.key, op.value));
      continue;
    }
    const have = get(full);
    if (op.kind === 'delete') {
      if (!have) continue; // removing what is not there is skipped, as sonic-gnmi does
      const left = withoutField(have, op.field);
      state.set(full, realFields(left) ? left : null);
      continue;
    }
    const next = withoutField(have ?? {}, op.field);
    delete next.NULL;
    if (typeof op.value === 'string') next[op.field] = op.value;
    else if (Array.isArray(op.value) && op.value.every((i) => typeof i === 'string')) next[`${op.field}@`] = op.value.join(',');
    else throw new GnmiStatusError(UNKNOWN, `Invalid field ${op.field}: ${JSON.stringify(op.value)}`);
    state.set(full, next);
  }
  return state;
}

function sameHash(a: Hash | null | undefined, b: Hash | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

interface Snapshot {
  readonly dumps: Map<string, Buffer | null>;
  readonly hashes: Map<string, Hash>;
}

async function snapshot(r: Redis, keys: readonly string[]): Promise<Snapshot> {
  const p = r.pipeline();
  for (const k of keys) {
    p.dumpBuffer(k);
    p.hgetall(k);
  }
  const res = (await p.exec()) ?? [];
  const dumps = new Map<string, Buffer | null>();
  const hashes = new Map<string, Hash>();
  keys.forEach((k, i) => {
    const [dErr, dump] = res[2 * i]!;
    if (dErr) throw dErr;
    dumps.set(k, (dump as Buffer | null) ?? null);
    // A key that is not a hash answers WRONGTYPE here: it is planned as absent, and the write
    // fails in the transaction, which the checkpoint then undoes.
    const [hErr, h] = res[2 * i + 1]!;
    if (!hErr && h && Object.keys(h as Hash).length) hashes.set(k, h as Hash);
  });
  return { dumps, hashes };
}

async function restore(r: Redis, keys: readonly string[], snap: Snapshot): Promise<void> {
  const m = r.multi();
  for (const k of keys) {
    const dump = snap.dumps.get(k);
    if (dump) m.restore(k, 0, dump, 'REPLACE');
    else m.del(k);
  }
  const res = (await m.exec()) ?? [];
  const failed = res.find(([e]) => e);
  if (failed) throw failed[0]!;
}

/** Runs a parsed Set as one transaction on the switch's redis. */
export async function applySet(sdb: SwitchDb, parsed: ParsedSet): Promise<void> {
  if (parsed.fullConfig || parsed.ops.length === 0 || !parsed.db) return;
  const db = parsed.db;
  const sep = separatorOf(db);
  const r = sdb.client(db);
  const tableKeys = new Map<string, string[]>();
  for (const op of parsed.ops) if (op.key === undefined && !tableKeys.has(op.table!)) tableKeys.set(op.table!, await sdb.scan(db, `${op.table!.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}${sep}*`));
  const touched = [...new Set([...[...tableKeys.values()].flat(), ...parsed.ops.filter((o) => o.key !== undefined).map((o) => `${o.table}${sep}${o.key}`)])];

  const snap = await snapshot(r, touched);
  const final = finalEntries(db, parsed.ops, snap.hashes, tableKeys);
  const writes = [...final].filter(([k, h]) => !sameHash(h, snap.hashes.get(k)) || (snap.dumps.get(k) && !snap.hashes.has(k)));
  if (writes.length === 0) return;
  const written = writes.map(([k]) => k);

  const m = r.multi();
  let commands = 0;
  for (const [k, h] of writes) {
    const have = snap.hashes.get(k);
    commands++;
    if (!h) {
      m.del(k);
      continue;
    }
    m.hset(k, h); // the whole entry in one HSET: SONiC's daemons read it at the notification
    const stale = Object.keys(have ?? {}).filter((f) => !(f in h));
    if (stale.length) {
      m.hdel(k, ...stale);
      commands++;
    }
  }
  // The read back rides in the same transaction: what redis holds right after the writes.
  for (const k of written) m.hgetall(k);
  let failure: string | undefined;
  try {
    const res = (await m.exec()) ?? [];
    const i = res.slice(0, commands).findIndex(([e]) => e);
    if (i >= 0) failure = `write ${i + 1} of ${commands} failed: ${res[i]![0]!.message}`;
    else {
      const wrong = written.find((k, j) => {
        const [err, h] = res[commands + j] ?? [new Error('no reply')];
        const back = err || !h || Object.keys(h as Hash).length === 0 ? null : (h as Hash);
        return !sameHash(back, final.get(k) ?? null);
      });
      if (wrong) failure = `read back of ${wrong} differs from what was written`;
    }
  } catch (e) {
    failure = `transaction failed: ${(e as Error).message}`;
  }
  if (failure) {
    try {
      await restore(r, written, snap);
    } catch (e) {
      throw new GnmiStatusError(UNKNOWN, `${failure}; restoring the checkpoint failed too: ${(e as Error).message}`);
    }
    throw new GnmiStatusError(UNKNOWN, `${failure}; checkpoint restored, nothing applied`);
  }
}

export function setResponse(req: SetRequest): SetResponse {
  const results: UpdateResult[] = [
    ...(req.delete ?? []).map((path) => ({ path, op: 'DELETE' as const })),
    ...(req.replace ?? []).map((u) => ({ path: u.path ?? null, op: 'REPLACE' as const })),
    ...(req.update ?? []).map((u) => ({ path: u.path ?? null, op: 'UPDATE' as const })),
  ];
  return { ...(req.prefix ? { prefix: req.prefix } : {}), response: results, timestamp: nowNs() };
}

export function nowNs(): string {
  return String(BigInt(Date.now()) * 1_000_000n);
}
