// The Redis transport: SONiC's databases over ONE lean RESP connection per switch (resp.ts):
// reads are one script call (every table asked for, of one or several databases, in one round
// trip), one switch's change set is ONE MULTI/EXEC, so SONiC's daemons never see a partial entry
// and a failure leaves nothing half-written. Keyspace watches share a second RESP connection.
import type { Change } from '../core/diff/diff.ts';
import type { Fields } from '../core/diff/flat.ts';
import { connectFailure } from './net-errors.ts';
import { RespClosed, RespConnection, RespError, RespEvicted, RespTimeout, type Entries, type Reply, type ReplyShape, type RespTarget } from './resp.ts';
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
// hashes (CONFIG_DB_INITIALIZED) are skipped. The keys come sorted (by the server, in C: a read
// of a 1,000-switch fabric's ROUTE_TABLE is a thousand keys, on each of a thousand switches);
// decodeEntries sorts what does not (Lua compares with the server's collation, C's in SONiC).
// ARGV: number of reads, then per read: db id, number of patterns, the patterns.
const READ_SCRIPT = `
local out, i = {}, 2
for r = 1, tonumber(ARGV[1]) do
  redis.call('SELECT', ARGV[i])
  local n, keys, entries = tonumber(ARGV[i + 1]), {}, {}
  i = i + 2
  for _ = 1, n do
    for _, k in ipairs(redis.call('KEYS', ARGV[i])) do keys[#keys + 1] = k end
    i = i + 1
  end
  table.sort(keys)
  for _, k in ipairs(keys) do
    local h = redis.pcall('HGETALL', k)
    if h.err == nil then
      entries[#entries + 1] = k
      entries[#entries + 1] = h
    end
  end
  out[r] = entries
end
return out`;

/** The read script's reply, decoded as it is parsed: per read, key → fields. */
export const READ_SHAPE: readonly ReplyShape[] = ['tables'];

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
  private conn: Promise<RespConnection> | undefined;
  private sub: Promise<RespConnection> | undefined;
  /** Keyspace patterns subscribed to, and who watches each. */
  private readonly watchers = new Map<string, Set<(channel: string) => void>>();
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
    const opened = this.open(DB_ID.CONFIG_DB).catch((e: unknown) => {
      if (this.conn === opened) this.conn = undefined;
      throw e;
    });
    this.conn = opened;
    return opened;
  }

  private async open(db: number): Promise<RespConnection> {
    const t = this.target;
    try {
      return await RespConnection.open(
        { ...(t.socket ? { socket: t.socket } : { host: t.host ?? '127.0.0.1', port: t.port ?? 6379 }), ...(t.tls && !t.socket ? { tls: t.tls } : {}), ...(t.username ? { username: t.username } : {}), ...(t.password ? { password: t.password } : {}) },
        db,
        t.connectTimeoutMs ?? 3000,
        this.commandTimeoutMs,
      );
    } catch (e) {
      // Connected (the kernel accepts even for a stopped server), but AUTH/SELECT got no answer.
      if (e instanceof RespTimeout) throw new SwitchError('TIMEOUT', this.switchName, this.endpoint, `connected, but no reply within ${this.commandTimeoutMs} ms (redis hung, paused or overloaded)`, { cause: e });
      throw this.fail(e);
    }
  }

  /** Sends on the connection; once more on a new one if the descriptor budget closed the old
   *  one while it was idle (nothing was sent on it: safe even for a transaction). */
  private async request(cmds: readonly (readonly string[])[], shapes?: readonly (ReplyShape | undefined)[]): Promise<Reply[]> {
    for (let attempt = 0; ; attempt++) {
      const conn = await this.connection();
      try {
        return await conn.send(cmds, this.commandTimeoutMs, shapes);
      } catch (e) {
        if (!(e instanceof RespEvicted) || attempt > 0) throw e;
      }
    }
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
      reply = (await this.request([argv], READ_SHAPE))[0]!;
    } catch (e) {
      if (!(e instanceof SwitchError)) this.drop();
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
    reads.forEach((r, i) => r.resolve(decodeEntries(reply[i] as Entries)));
  }

  async apply(changes: readonly Change[]): Promise<ApplyReceipt | void> {
    if (changes.length === 0) return;
    // The read-back rides in the same transaction: no other round trip, and nothing can come
    // between the write and what is read.
    const touched = [...new Set(changes.map((c) => c.key))];
    const cmds: string[][] = [['MULTI'], ...changes.flatMap(changeCommands), ...touched.map((k) => ['HGETALL', k]), ['EXEC']];
    let replies: Reply[];
    try {
      replies = await this.request(cmds);
    } catch (e) {
      if (e instanceof SwitchError) throw e; // could not connect: nothing sent
      this.drop();
      // The server may have the whole transaction in its socket buffer: a paused or overloaded
      // redis runs it, whole (never half: MULTI/EXEC), once it reads again. So it is NOT
      // "nothing applied": the outcome is unknown until the switch answers.
      if (e instanceof RespTimeout) {
        throw new SwitchError(
          'TIMEOUT',
          this.switchName,
          this.endpoint,
          `state unknown: transaction sent, no reply within ${this.commandTimeoutMs} ms (redis hung, paused or overloaded): it may still be applied, whole, when the switch answers again`,
          { cause: e, outcome: 'unknown' },
        );
      }
      throw new SwitchError('UNREACHABLE', this.switchName, this.endpoint, `state unknown: transaction sent, connection lost mid-transaction (${(e as Error).message}), before its reply: it may have been applied, whole`, { cause: e, outcome: 'unknown' });
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

  /** The switch's subscriber connection (one, whatever is watched), its patterns re-sent when
   *  it had to be opened again. Keyspace channels name their database, so one connection
   *  serves every database. */
  private subscriber(): Promise<RespConnection> {
    if (this.sub) {
      const current = this.sub;
      return current.then((c) => (c.isOpen ? c : (this.sub === current && (this.sub = undefined), this.subscriber())));
    }
    const opened = this.open(0).then(async (c) => {
      c.onPush = ([, pattern, channel]) => {
        for (const h of this.watchers.get(pattern as string) ?? []) h(channel as string);
      };
      if (this.watchers.size) await this.psubscribe(c, [...this.watchers.keys()]);
      return c;
    });
    opened.catch(() => this.sub === opened && (this.sub = undefined));
    this.sub = opened;
    return opened;
  }

  private async psubscribe(c: RespConnection, patterns: readonly string[], verb = 'PSUBSCRIBE'): Promise<void> {
    let replies: Reply[];
    try {
      replies = await c.send(patterns.map((p) => [verb, p]), this.commandTimeoutMs);
    } catch (e) {
      throw e instanceof RespTimeout
        ? new SwitchError('TIMEOUT', this.switchName, this.endpoint, `no reply to ${verb} within ${this.commandTimeoutMs} ms (redis hung, paused or overloaded)`, { cause: e })
        : new SwitchError('UNREACHABLE', this.switchName, this.endpoint, `connection lost during ${verb} (${(e as Error).message})`, { cause: e });
    }
    const err = replies.find((r): r is RespError => r instanceof RespError);
    if (err) throw new SwitchError('REJECTED', this.switchName, this.endpoint, `${verb} refused: ${err.message}`);
  }

  async watch(db: DbName, tables: readonly string[], onChange: (key: string) => void): Promise<Unwatch> {
    const prefix = `__keyspace@${DB_ID[db]}__:`;
    const patterns = [...new Set(tables.map((t) => `${prefix}${globEscape(t)}${SEPARATOR[db]}*`))];
    const handler = (channel: string) => onChange(channel.slice(prefix.length));
    const c = await this.subscriber();
    const fresh = patterns.filter((p) => !this.watchers.has(p));
    for (const p of patterns) this.watchers.set(p, new Set([...(this.watchers.get(p) ?? []), handler]));
    try {
      if (fresh.length) await this.psubscribe(c, fresh);
    } catch (e) {
      this.forget(patterns, handler);
      throw e;
    }
    return async () => {
      const gone = this.forget(patterns, handler);
      const current = this.sub;
      if (!current) return;
      if (this.watchers.size === 0) {
        this.sub = undefined;
        void current.then((s) => s.close(), () => undefined);
      } else if (gone.length) {
        await current.then((s) => this.psubscribe(s, gone, 'PUNSUBSCRIBE')).catch(() => undefined);
      }
    };
  }

  /** Removes a watch's handler; returns the patterns nobody watches any more. */
  private forget(patterns: readonly string[], handler: (channel: string) => void): string[] {
    const gone: string[] = [];
    for (const p of patterns) {
      const hs = this.watchers.get(p);
      hs?.delete(handler);
      if (hs && hs.size === 0) {
        this.watchers.delete(p);
        gone.push(p);
      }
    }
    return gone;
  }

  async close(): Promise<void> {
    this.drop();
    const sub = this.sub;
    this.sub = undefined;
    this.watchers.clear();
    void sub?.then((s) => s.close(), () => undefined);
  }
}

/** One read's part of the script's reply, key → fields as parsed, as a map sorted by key (in
 *  the order given when it is sorted already, as the script sorts), the NULL:NULL filler entry
 *  dropped (an entry with no fields reads as {}). */
export function decodeEntries(read: Entries): Map<string, Fields> {
  let sorted = true;
  let filler = false;
  let last: string | undefined;
  read.forEach((fields, key) => {
    if (last !== undefined && !(last < key)) sorted = false;
    if (fields.NULL !== undefined) filler = true;
    last = key;
  });
  if (sorted && !filler) return read;
  const entries = [...read].map(([k, v]): [string, Fields] => [k, v.NULL === undefined ? v : withoutFiller(v)]);
  if (!sorted) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new Map(entries);
}

function withoutFiller(fields: Fields): Fields {
  const out: Record<string, string> = Object.create(null);
  for (const f in fields) if (f !== 'NULL') out[f] = fields[f]!;
  return out;
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
