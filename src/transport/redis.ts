// The Redis transport: SONiC's databases over ONE lean RESP connection per switch (resp.ts):
// reads are one script call (every table asked for, of one or several databases, in one round
// trip), one switch's change set is ONE MULTI/EXEC, so SONiC's daemons never see a partial entry
// and a failure leaves nothing half-written. Keyspace watches use ioredis subscribers.
import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
import type { Change } from '../core/diff/diff.ts';
import type { Fields } from '../core/diff/flat.ts';
import { connectFailure } from './net-errors.ts';
import { RespClosed, RespConnection, RespError, RespTimeout, type Reply, type RespTarget } from './resp.ts';
import { DB_ID, SEPARATOR, SwitchError, type ApplyReceipt, type DbName, type Transport, type Unwatch } from './transport.ts';

/** Where a switch's redis is: RespTarget's fields (host/port or socket, username, the password
 *  itself — resolved by the caller from the environment, never logged — and TLS files). */
export interface RedisEndpoint extends RespTarget {
  readonly connectTimeoutMs?: number;
  /** A command unanswered this long fails (a hung or paused server); default 10 s. */
  readonly commandTimeoutMs?: number;
}

export function describeRedis(e: RedisEndpoint): string {
  return e.socket ? `redis unix:${e.socket}` : `redis ${e.host ?? '127.0.0.1'}:${e.port ?? 6379}${e.tls ? ' (TLS)' : ''}`;
}

// Reads run as one Lua script, as SONiC's own swss-common reads a table whole (Table::dump runs
// table_dump.lua): per database asked for, SELECT it (a script's SELECT does not change the
// connection's database), KEYS of each table's pattern, HGETALL of each key. One request, one
// reply, and an atomic snapshot: no key deleted between listing and reading. Keys that are not
// hashes (CONFIG_DB_INITIALIZED) are skipped.
// ARGV: number of reads, then per read: db id, number of patterns, the patterns.
const READ_SCRIPT = `
local out, i = {}, 2
for r = 1, tonumber(ARGV[1]) do
  redis.call('SELECT', ARGV[i])
  local n, entries = tonumber(ARGV[i + 1]), {}
  i = i + 2
  for _ = 1, n do
    for _, k in ipairs(redis.call('KEYS', ARGV[i])) do
      local h = redis.pcall('HGETALL', k)
      if h.err == nil then
        entries[#entries + 1] = k
        entries[#entries + 1] = h
      end
    end
    i = i + 1
  end
  out[r] = entries
end
return out`;

/** A table name as a KEYS pattern matches it literally. */
function globEscape(s: string): string {
  return s.replace(/[\\*?[\]]/g, '\\$&');
}

interface ReadRequest {
  readonly db: DbName;
  readonly tables: readonly string[] | undefined;
  readonly resolve: (m: Map<string, Fields>) => void;
  readonly reject: (e: unknown) => void;
}

export class RedisTransport implements Transport {
  readonly endpoint: string;
  private readonly subscribers: Redis[] = [];
  private conn: Promise<RespConnection> | undefined;
  /** Reads asked for in this tick: they go out as one script call. */
  private batch: ReadRequest[] = [];

  constructor(
    readonly switchName: string,
    private readonly target: RedisEndpoint,
  ) {
    this.endpoint = describeRedis(target);
  }

  private get commandTimeoutMs(): number {
    return this.target.commandTimeoutMs ?? 10_000;
  }

  private fail(e: unknown): SwitchError {
    if (e instanceof SwitchError) return e;
    const t = this.target;
    const f = connectFailure(e, { ...t, tls: !!t.tls && !t.socket });
    return new SwitchError(f.code, this.switchName, this.endpoint, f.code === 'REJECTED' ? f.words : `cannot connect: ${f.words}`, { cause: e });
  }

  /** The one connection to the switch (reads and transactions; CONFIG_DB selected). */
  private connection(): Promise<RespConnection> {
    if (this.conn) {
      const current = this.conn;
      return current.then((c) => (c.isOpen ? c : (this.drop(current), this.connection())));
    }
    const t = this.target;
    const opened = RespConnection.open(
      { ...(t.socket ? { socket: t.socket } : { host: t.host ?? '127.0.0.1', port: t.port ?? 6379 }), ...(t.tls && !t.socket ? { tls: t.tls } : {}), ...(t.username ? { username: t.username } : {}), ...(t.password ? { password: t.password } : {}) },
      DB_ID.CONFIG_DB,
      t.connectTimeoutMs ?? 3000,
      this.commandTimeoutMs,
    ).catch((e: unknown) => {
      if (this.conn === opened) this.conn = undefined;
      // Connected (the kernel accepts even for a stopped server), but AUTH/SELECT got no answer.
      if (e instanceof RespTimeout) throw new SwitchError('TIMEOUT', this.switchName, this.endpoint, `connected, but no reply within ${this.commandTimeoutMs} ms (redis hung, paused or overloaded)`, { cause: e });
      throw this.fail(e);
    });
    this.conn = opened;
    return opened;
  }

  private drop(which = this.conn): void {
    if (!which || which !== this.conn) return;
    this.conn = undefined;
    void which.then((c) => c.close(), () => undefined);
  }

  read(db: DbName, tables?: readonly string[]): Promise<Map<string, Fields>> {
    return new Promise((resolve, reject) => {
      if (this.batch.push({ db, tables, resolve, reject }) === 1) process.nextTick(() => void this.readBatch());
    });
  }

  /** Every read asked for in one tick (drift's three databases, plan's CONFIG_DB and flavour
   *  probe) as one script call: one request, one round trip. */
  private async readBatch(): Promise<void> {
    const reads = this.batch;
    this.batch = [];
    const argv: string[] = ['EVAL', READ_SCRIPT, '0', String(reads.length)];
    for (const r of reads) {
      const patterns = r.tables ? [...new Set(r.tables)].map((t) => `${globEscape(t)}${SEPARATOR[r.db]}*`) : ['*'];
      argv.push(String(DB_ID[r.db]), String(patterns.length), ...patterns);
    }
    let reply: Reply;
    try {
      const conn = await this.connection();
      reply = (await conn.send([argv], this.commandTimeoutMs))[0]!;
    } catch (e) {
      this.drop();
      const err =
        e instanceof RespTimeout
          ? new SwitchError('TIMEOUT', this.switchName, this.endpoint, `no reply within ${this.commandTimeoutMs} ms (redis hung, paused or overloaded)`, { cause: e })
          : e instanceof RespClosed
            ? new SwitchError('UNREACHABLE', this.switchName, this.endpoint, `connection lost during a read (${e.message})`, { cause: e })
            : this.fail(e);
      for (const r of reads) r.reject(err);
      return;
    }
    if (!Array.isArray(reply)) {
      const msg = reply instanceof RespError ? reply.message : String(reply);
      const err = new SwitchError('REJECTED', this.switchName, this.endpoint, `read refused: ${msg}${/NOPERM|unknown command/i.test(msg) ? ' (clos reads with EVAL: the redis user needs +eval, +keys, +hgetall, +select)' : ''}`);
      for (const r of reads) r.reject(err);
      return;
    }
    reads.forEach((r, i) => r.resolve(decodeEntries(reply[i] as Reply[])));
  }

  async apply(changes: readonly Change[]): Promise<ApplyReceipt | void> {
    if (changes.length === 0) return;
    const conn = await this.connection();
    // The read-back rides in the same transaction: no other round trip, and nothing can come
    // between the write and what is read.
    const touched = [...new Set(changes.map((c) => c.key))];
    const cmds: string[][] = [['MULTI'], ...changes.flatMap(changeCommands), ...touched.map((k) => ['HGETALL', k]), ['EXEC']];
    let replies: Reply[];
    try {
      replies = await conn.send(cmds, this.commandTimeoutMs);
    } catch (e) {
      this.drop();
      // The server may have the whole transaction in its socket buffer: a paused or overloaded
      // redis runs it, whole (never half: MULTI/EXEC), once it reads again. So it is NOT
      // "nothing applied": the outcome is unknown until the switch answers.
      if (e instanceof RespTimeout) {
        throw new SwitchError(
          'TIMEOUT',
          this.switchName,
          this.endpoint,
          `no reply to the transaction within ${this.commandTimeoutMs} ms (redis hung, paused or overloaded): it may still be applied, whole, when the switch answers again; roll the switch back to its checkpoint then`,
          { cause: e },
        );
      }
      throw new SwitchError('UNREACHABLE', this.switchName, this.endpoint, `connection lost mid-transaction (${(e as Error).message}), before its reply: it may have been applied, whole; roll the switch back to its checkpoint once it answers`, { cause: e });
    }
    const exec = replies[replies.length - 1];
    if (!Array.isArray(exec)) {
      // Refused while queuing (EXECABORT): redis discarded the whole transaction.
      const why = replies.slice(1, -1).find((r): r is RespError => r instanceof RespError) ?? exec;
      const msg = why instanceof Error ? why.message : 'transaction aborted';
      throw new SwitchError('REJECTED', this.switchName, this.endpoint, `transaction failed, nothing applied: ${msg}`);
    }
    const failed = exec.findIndex((r) => r instanceof RespError);
    if (failed >= 0) {
      // Redis runs every queued command even when one fails; say which, so the caller rolls back.
      throw new SwitchError('REJECTED', this.switchName, this.endpoint, `command ${failed + 1} of the transaction failed: ${(exec[failed] as RespError).message}`);
    }
    const readBack = new Map<string, Fields>();
    const first = exec.length - touched.length;
    for (let i = 0; i < touched.length; i++) {
      const flat = exec[first + i] as string[];
      if (flat.length === 0) continue;
      const hash: Record<string, string> = {};
      for (let j = 0; j + 1 < flat.length; j += 2) if (flat[j] !== 'NULL') hash[flat[j]!] = flat[j + 1]!;
      readBack.set(touched[i]!, hash);
    }
    return { readBack };
  }

  /** ioredis options for a keyspace subscriber (the one use of ioredis left). */
  private options(db: number): RedisOptions {
    const t = this.target;
    return {
      ...(t.socket ? { path: t.socket } : { host: t.host ?? '127.0.0.1', port: t.port ?? 6379 }),
      ...(t.username ? { username: t.username } : {}),
      ...(t.password ? { password: t.password } : {}),
      ...(t.tls && !t.socket
        ? {
            tls: {
              ...(t.tls.ca ? { ca: readFileSync(t.tls.ca) } : {}),
              ...(t.tls.cert ? { cert: readFileSync(t.tls.cert) } : {}),
              ...(t.tls.key ? { key: readFileSync(t.tls.key) } : {}),
              ...(t.tls.servername ? { servername: t.tls.servername } : {}),
            },
          }
        : {}),
      db,
      lazyConnect: true,
      connectTimeout: t.connectTimeoutMs ?? 3000,
      commandTimeout: t.commandTimeoutMs ?? 10_000,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      // A switch that goes away fails the watch at hand; it is not retried forever.
      retryStrategy: () => null,
    };
  }

  async watch(db: DbName, tables: readonly string[], onChange: (key: string) => void): Promise<Unwatch> {
    const sub = new Redis(this.options(DB_ID[db]));
    // ioredis emits the socket's error (ECONNREFUSED, ENOENT, WRONGPASS) as an event, then
    // rejects connect() with "Connection is closed.": the event is the cause.
    let cause: unknown;
    sub.on('error', (e: unknown) => (cause ??= e));
    try {
      await sub.connect();
    } catch (e) {
      sub.disconnect();
      throw this.fail(cause ?? e);
    }
    this.subscribers.push(sub);
    const prefix = `__keyspace@${DB_ID[db]}__:`;
    sub.on('pmessage', (_pattern: string, channel: string) => onChange(channel.slice(prefix.length)));
    await sub.psubscribe(...tables.map((t) => `${prefix}${globEscape(t)}${SEPARATOR[db]}*`));
    return async () => {
      sub.disconnect();
      const i = this.subscribers.indexOf(sub);
      if (i >= 0) this.subscribers.splice(i, 1);
    };
  }

  async close(): Promise<void> {
    this.drop();
    for (const s of this.subscribers.splice(0)) s.disconnect();
  }
}

/** One read's part of the script's reply: [key, [field, value, …], …], sorted by key, the
 *  NULL:NULL filler entry dropped (an entry with no fields reads as {}). */
function decodeEntries(flat: readonly Reply[]): Map<string, Fields> {
  const entries: [string, Fields][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const kv = flat[i + 1] as string[];
    const hash: Record<string, string> = {};
    for (let j = 0; j + 1 < kv.length; j += 2) if (kv[j] !== 'NULL') hash[kv[j]!] = kv[j + 1]!;
    entries.push([flat[i] as string, hash]);
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new Map(entries);
}

/** The commands of one change, as the transaction sends them. One entry = one HSET (SONiC's
 *  daemons read the whole hash at each notification); DEL before a replace; HDEL of fields clos
 *  no longer renders. An entry without fields holds the NULL:NULL filler entry. */
export function changeCommands(c: Change): string[][] {
  switch (c.op) {
    case 'add':
      return [hsetCommand(c.key, c.set ?? {})];
    case 'replace':
      return [['DEL', c.key], hsetCommand(c.key, c.after ?? c.set ?? {})];
    case 'update': {
      const out: string[][] = [];
      const remaining = Object.keys(c.after ?? {}).length;
      if (c.set && Object.keys(c.set).length) out.push(hsetCommand(c.key, c.set));
      else if (remaining === 0) out.push(hsetCommand(c.key, {}));
      if (c.unset?.length) out.push(['HDEL', c.key, ...c.unset]);
      // An entry that had no fields holds the NULL:NULL filler entry; it goes once fields arrive.
      if (remaining > 0 && Object.keys(c.before ?? { x: '' }).length === 0) out.push(['HDEL', c.key, 'NULL']);
      return out;
    }
    case 'delete':
      return [['DEL', c.key]];
  }
}

function hsetCommand(key: string, fields: Fields): string[] {
  const cmd = ['HSET', key];
  for (const f in fields) cmd.push(f, fields[f]!);
  if (cmd.length === 2) cmd.push('NULL', 'NULL');
  return cmd;
}
