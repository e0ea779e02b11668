// The Redis transport: SONiC's databases over ONE lean RESP connection per switch (resp.ts):
// reads are two transactions (list the keys of every table asked for, of one or several
// databases, then read them: two round trips; one when every key found was expected), one
// switch's change set is ONE MULTI/EXEC, so SONiC's daemons never see a partial entry and a
// failure leaves nothing half-written. Keyspace watches share a second RESP connection.
import type { Change } from '../core/diff/diff.ts';
import type { Fields } from '../core/diff/flat.ts';
import { connectFailure } from './net-errors.ts';
import { RespClosed, RespConnection, RespError, RespEvicted, RespTimeout, NO_HASH, hashFields, type Reply, type ReplyShape, type RespTarget } from './resp.ts';
import { DB_ID, SEPARATOR, SwitchError, type ApplyReceipt, type DbName, type ReadOptions, type Transport, type Unwatch } from './transport.ts';

/** Where a switch's redis is: RespTarget's fields (host/port or socket, username, the password
 *  itself — resolved by the caller from the environment, never logged — and TLS files). */
export interface RedisEndpoint extends RespTarget {
  readonly connectTimeoutMs?: number;
  /** The server silent this long while it owes a reply fails the command (a hung or paused server; a long reply still coming in is not silence); default 10 s. */
  readonly commandTimeoutMs?: number;
}

export function describeRedis(e: RedisEndpoint): string {
  return e.socket ? `redis unix:${e.socket}` : `redis ${e.host ?? '127.0.0.1'}:${e.port ?? 6379}${e.tls ? ' (TLS)' : ''}`;
}

// Reads are native commands, as SONiC's own daemons read (swss-common's Table::getKeys lists with
// KEYS, Table::get is HGETALL), in two transactions per batch of reads: the first lists the keys
// (per database asked for, SELECT it and KEYS each table's pattern), the second reads them (SELECT,
// HGETALL of each key). Each is one request and one round trip, and each is of one moment (MULTI/
// EXEC); a key deleted between the two reads as gone (its HGETALL is empty), one added between
// them is read next time. Both end with SELECT of CONFIG_DB, the connection's database for writes.
// One Lua script (EVAL) doing the same in one round trip cost the switch's redis 2.5 to 3 times
// the CPU, its replies going through Lua tables and back: 6.9–7.5 ms against 2.5–3.3 ms for
// drift's read of a 1,000-switch fabric's leaf (1,300 keys). On a new connection the first
// transaction goes out with AUTH/SELECT, so a first read takes no more round trips than a later one.
// Keys that are not hashes (CONFIG_DB_INITIALIZED) are skipped.
// Keys the caller expects (ReadOptions.expect: plan and drift know what a switch should hold)
// are read in a third transaction sent with the first, in the same write: the second then reads
// only the keys listed that were not expected, and is not sent when there are none. A read of a
// converged switch, or of a factory one whose keys are its platform's ports, is one round trip.
// An expected key that is not listed is not in the result (it was created after the listing, or
// does not exist): the listing decides which keys a read holds, with or without expectations.

/** What one read lists: a database and the KEYS patterns of its tables; the keys expected
 *  among them (their values read with the listing). */
export interface ReadScope {
  readonly db: DbName;
  readonly patterns: readonly string[];
  readonly expect: readonly string[];
  /** Its keys sorted (ReadOptions.unordered: not). */
  readonly sorted: boolean;
}

export function readScope(db: DbName, tables: readonly string[] | undefined, expect?: Iterable<string>, unordered = false): ReadScope {
  // Expected keys are taken as given: one of a table not read, or given twice, costs the
  // server an HGETALL and changes nothing (the listing decides what the read holds).
  // An array is taken as it is (a converged switch's APPL_DB read expects a thousand routes).
  return { db, patterns: tables ? patternsOf(db, tables) : ['*'], expect: expect ? (Array.isArray(expect) ? (expect as readonly string[]) : [...expect]) : NO_KEYS, sorted: !unordered };
}

/** Each table list's KEYS patterns, worked out once per list of names (callers read the same
 *  few lists, switch after switch); keyed by the names, not the array, which a caller may reuse. */
const patternCache = new Map<string, readonly string[]>();

function patternsOf(db: DbName, tables: readonly string[]): readonly string[] {
  const id = `${db}\0${tables.join('\0')}`;
  let patterns = patternCache.get(id);
  if (!patterns) {
    if (patternCache.size >= 1_000) patternCache.clear(); // lists made up on the fly: bounded
    patternCache.set(id, (patterns = [...new Set(tables)].map((t) => `${globEscape(t)}${SEPARATOR[db]}*`)));
  }
  return patterns;
}

const BACK_TO_CONFIG_DB = ['SELECT', String(DB_ID.CONFIG_DB)];
const NO_KEYS: readonly string[] = [];

/** The first transaction of a batch of reads: their keys. */
export function listCommands(reads: readonly ReadScope[]): string[][] {
  const cmds: string[][] = [['MULTI']];
  for (const r of reads) {
    cmds.push(['SELECT', String(DB_ID[r.db])]);
    for (const p of r.patterns) cmds.push(['KEYS', p]);
  }
  cmds.push(BACK_TO_CONFIG_DB, ['EXEC']);
  return cmds;
}

/** Each read's keys, from the first transaction's EXEC reply: sorted (JavaScript's string order,
 *  the byte order of SONiC's ASCII keys), so a read comes out the same whatever the server's
 *  hash-table order; an unordered read's as listed (a table's together). */
export function listedKeys(reads: readonly ReadScope[], exec: readonly Reply[]): string[][] {
  let at = 0;
  return reads.map((r) => {
    at++; // SELECT's OK
    let keys: string[] | undefined;
    for (let i = 0; i < r.patterns.length; i++) {
      const listed = exec[at++];
      if (!Array.isArray(listed)) throw listed instanceof RespError ? listed : new RespError(`KEYS ${r.patterns[i]} answered ${String(listed)}, not a list`);
      // Appended in place: a read of 18 tables made 17 ever longer copies with concat.
      if (keys === undefined || keys.length === 0) keys = listed as string[];
      else for (const k of listed as string[]) keys.push(k);
    }
    keys ??= [];
    return r.sorted ? keys.sort() : keys;
  });
}

/** The transaction sent with the first: every expected key's hash, read by read; undefined
 *  when no read expects any. */
export function expectCommands(reads: readonly ReadScope[]): string[][] | undefined {
  return reads.some((r) => r.expect.length > 0) ? valueCommands(reads, reads.map((r) => r.expect)) : undefined;
}

/** A read's listed keys whose values are still to be read: those not expected. */
export function unexpectedKeys(keys: readonly string[], expected: ReadonlySet<string>): string[] {
  return expected.size ? keys.filter((k) => !expected.has(k)) : [...keys];
}

/** A read's entries in its listed keys' order: an expected key's from the expected keys'
 *  values (absent there: gone since it was listed, or not a hash), the others' from the
 *  second transaction's. */
export function mergeEntries(keys: readonly string[], expected: ReadonlySet<string> | undefined, early: ReadonlyMap<string, Fields> | undefined, rest: ReadonlyMap<string, Fields>): Map<string, Fields> {
  if (!expected?.size || !early) return rest as Map<string, Fields>;
  const m = new Map<string, Fields>();
  for (const k of keys) {
    const v = expected.has(k) ? early.get(k) : rest.get(k);
    if (v) m.set(k, v);
  }
  return m;
}

/** The listing holds exactly the entries' keys (each listed key has an entry, as many of both). */
function sameKeys(listed: readonly string[], entries: ReadonlyMap<string, Fields>): boolean {
  if (listed.length !== entries.size) return false;
  for (const k of listed) if (!entries.has(k)) return false;
  return true;
}

/** The second transaction: every listed key's hash, read by read. */
export function valueCommands(reads: readonly ReadScope[], keys: readonly (readonly string[])[]): string[][] {
  const cmds: string[][] = [['MULTI']];
  reads.forEach((r, i) => {
    if (keys[i]!.length === 0) return;
    cmds.push(['SELECT', String(DB_ID[r.db])]);
    for (const k of keys[i]!) cmds.push(['HGETALL', k]);
  });
  cmds.push(BACK_TO_CONFIG_DB, ['EXEC']);
  return cmds;
}

/** Each read's entries, key → fields in the keys' order, from the second transaction's EXEC
 *  reply (parsed with shape 'hashes'): a key gone since it was listed and one that is not a hash
 *  left out, the NULL:NULL filler dropped (an entry with no fields reads as {}). */
export function readEntries(keys: readonly (readonly string[])[], exec: readonly Reply[]): Map<string, Fields>[] {
  let at = 0;
  return keys.map((ks) => {
    const m = new Map<string, Fields>();
    if (ks.length) at++; // SELECT's OK
    for (const k of ks) {
      const reply = exec[at++];
      if (reply instanceof RespError) {
        if (reply.message.startsWith('WRONGTYPE')) continue;
        throw reply;
      }
      const fields = entryOf(reply);
      if (fields) m.set(k, fields);
    }
    return m;
  });
}

/** An HGETALL's reply (shape 'hashes') as an entry: undefined when there is no such key. */
function entryOf(reply: Reply | undefined): Fields | undefined {
  if (reply === NO_HASH) return undefined;
  if (typeof reply !== 'object' || reply === null || Array.isArray(reply) || reply instanceof RespError) throw new RespError(`HGETALL answered ${String(reply)}, not a hash`);
  return reply.NULL === undefined ? reply : withoutFiller(reply);
}

/** The shapes of a transaction's replies: its EXEC's given, the others' (OK, QUEUED) none. */
function execShaped(cmds: readonly unknown[], shape: ReplyShape): (ReplyShape | undefined)[] {
  const shapes = new Array<ReplyShape | undefined>(cmds.length).fill(undefined);
  shapes[cmds.length - 1] = shape;
  return shapes;
}

/** A table name as a KEYS pattern matches it literally. */
function globEscape(s: string): string {
  return s.replace(/[\\*?[\]]/g, '\\$&');
}

interface ReadRequest extends ReadScope {
  readonly resolve: (m: Map<string, Fields>) => void;
  readonly reject: (e: unknown) => void;
}

export class RedisTransport implements Transport {
  readonly endpoint: string;
  private conn: Promise<RespConnection> | undefined;
  private sub: Promise<RespConnection> | undefined;
  /** Keyspace patterns subscribed to, and who watches each. */
  private readonly watchers = new Map<string, Set<(channel: string) => void>>();
  /** Reads asked for in this tick: they go out together (one or two round trips in all). */
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

  /** The one connection to the switch (reads and transactions; CONFIG_DB selected once its
   *  handshake is answered). */
  private connection(): Promise<RespConnection> {
    if (this.conn) {
      const current = this.conn;
      return current.then((c) => (c.isOpen ? c : (this.drop(current), this.connection())));
    }
    const opened = this.connect(DB_ID.CONFIG_DB).catch((e: unknown) => {
      if (this.conn === opened) this.conn = undefined;
      throw e;
    });
    this.conn = opened;
    return opened;
  }

  /** Connected, AUTH and SELECT on their way (see handshake). */
  private async connect(db: number): Promise<RespConnection> {
    const t = this.target;
    try {
      return await RespConnection.connect(
        { ...(t.socket ? { socket: t.socket } : { host: t.host ?? '127.0.0.1', port: t.port ?? 6379 }), ...(t.tls && !t.socket ? { tls: t.tls } : {}), ...(t.username ? { username: t.username } : {}), ...(t.password ? { password: t.password } : {}) },
        db,
        t.connectTimeoutMs ?? 3000,
        this.commandTimeoutMs,
      );
    } catch (e) {
      throw this.fail(e);
    }
  }

  /** The connection's AUTH and SELECT answered; a failure as the switch's error (the connection
   *  is closed then: the next request opens another). */
  private async handshake(c: RespConnection): Promise<void> {
    try {
      await c.ready;
    } catch (e) {
      // Connected (the kernel accepts even for a stopped server), but AUTH/SELECT got no answer.
      if (e instanceof RespTimeout) throw new SwitchError('TIMEOUT', this.switchName, this.endpoint, `connected, but ${e.message} (redis hung, paused or overloaded)`, { cause: e });
      throw this.fail(e);
    }
  }

  /** Sends on the connection; once more on a new one if the descriptor budget closed the old
   *  one while it was idle (nothing was sent on it: safe even for a transaction). A write
   *  waits for the handshake (it must land in CONFIG_DB, authenticated); a read (`early`: it
   *  selects its own databases, and writes nothing) goes out with it, a round trip sooner, and
   *  fails with the handshake's error if that fails. */
  private async request(cmds: readonly (readonly string[])[], shapes?: readonly (ReplyShape | undefined)[], early = false): Promise<Reply[]> {
    for (let attempt = 0; ; attempt++) {
      const conn = await this.connection();
      try {
        if (!early) await this.handshake(conn);
        const replies = conn.send(cmds, shapes);
        if (early) {
          await this.handshake(conn).catch((e: unknown) => {
            replies.catch(() => undefined);
            throw e;
          });
        }
        return await replies;
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

  read(db: DbName, tables?: readonly string[], opts?: ReadOptions): Promise<Map<string, Fields>> {
    return new Promise((resolve, reject) => {
      if (this.batch.push({ ...readScope(db, tables, opts?.expect, opts?.unordered), resolve, reject }) === 1) process.nextTick(() => void this.readBatch());
    });
  }

  /** Every read asked for in one tick (drift's three databases, plan's CONFIG_DB and flavour
   *  probe) in the same transactions: the listing with the expected keys' values (one request),
   *  then the values of the keys not expected (a second, when there are any). */
  private async readBatch(): Promise<void> {
    const reads = this.batch;
    this.batch = [];
    try {
      const withListing = expectCommands(reads);
      const [listed, expected] = await this.readRounds(withListing ? [[listCommands(reads), 'keys'], [withListing, 'hashes']] : [[listCommands(reads), 'keys']]);
      const keys = listedKeys(reads, listed!);
      const early = expected ? readEntries(reads.map((r) => r.expect), expected) : [];
      // A read whose listing is what it expected and found (a converged switch's) is answered
      // with the entries read with the listing, when its order is the one asked for: no set of
      // the expected keys, no second map.
      const whole = reads.map((r, i) => (!r.sorted && early[i] && sameKeys(keys[i]!, early[i]!) ? early[i] : undefined));
      const wanted = reads.map((r, i) => (whole[i] ? undefined : new Set(r.expect)));
      const rest = keys.map((ks, i) => (wanted[i] ? unexpectedKeys(ks, wanted[i]) : NO_KEYS));
      const values = rest.some((k) => k.length > 0) ? (await this.readRounds([[valueCommands(reads, rest), 'hashes']]))[0]! : [];
      readEntries(rest, values).forEach((m, i) => reads[i]!.resolve(whole[i] ?? mergeEntries(keys[i]!, wanted[i], early[i], m)));
    } catch (e) {
      const err =
        e instanceof RespError
          ? new SwitchError('REJECTED', this.switchName, this.endpoint, `read refused: ${e.message}${/NOPERM|unknown command/i.test(e.message) ? ' (clos reads with MULTI/EXEC, SELECT, KEYS and HGETALL: the redis user needs +multi, +exec, +select, +keys, +hgetall)' : ''}`)
          : e;
      for (const r of reads) r.reject(err);
    }
  }

  /** Transactions of a read sent together (one request, one round trip): each one's EXEC
   *  reply. Rejects with a SwitchError (no connection, no reply in time, connection lost) or
   *  the server's RespError (a transaction refused: nothing of it was run). */
  private async readRounds(transactions: readonly (readonly [readonly string[][], ReplyShape])[]): Promise<Reply[][]> {
    // Joined with loops: flatMap's generic path cost more than the rest of a read's bookkeeping.
    const cmds: (readonly string[])[] = [];
    const shapes: (ReplyShape | undefined)[] = [];
    for (const [c, shape] of transactions) {
      for (const cmd of c) cmds.push(cmd);
      for (const s of execShaped(c, shape)) shapes.push(s);
    }
    let replies: Reply[];
    try {
      replies = await this.request(cmds, shapes, true);
    } catch (e) {
      if (e instanceof SwitchError) throw e;
      this.drop();
      if (e instanceof RespTimeout) throw new SwitchError('TIMEOUT', this.switchName, this.endpoint, `${e.message} (redis hung, paused or overloaded)`, { cause: e });
      if (e instanceof RespClosed) throw new SwitchError('UNREACHABLE', this.switchName, this.endpoint, `connection lost during a read (${e.message})`, { cause: e });
      throw this.fail(e);
    }
    let at = 0;
    return transactions.map(([c]) => {
      const from = at;
      at += c.length;
      const exec = replies[at - 1];
      if (Array.isArray(exec)) return exec;
      // Refused while queuing (EXECABORT): the command's own error says why.
      throw replies.slice(from, at).find((r): r is RespError => r instanceof RespError) ?? new RespError(`transaction answered ${String(exec)}`);
    });
  }

  async apply(changes: readonly Change[]): Promise<ApplyReceipt | void> {
    if (changes.length === 0) return;
    // The read-back rides in the same transaction: no other round trip, and nothing can come
    // between the write and what is read.
    // Built with loops: flatMap's and spread's generic paths cost more than the encoding.
    const keys = new Set<string>();
    const cmds: string[][] = [['MULTI']];
    for (const c of changes) {
      keys.add(c.key);
      for (const cmd of changeCommands(c)) cmds.push(cmd);
    }
    const touched = [...keys];
    for (const k of touched) cmds.push(['HGETALL', k]);
    cmds.push(['EXEC']);
    let replies: Reply[];
    try {
      replies = await this.request(cmds, execShaped(cmds, 'hashes'));
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
          `state unknown: transaction sent, ${e.message} (redis hung, paused or overloaded): it may still be applied, whole, when the switch answers again`,
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
      const fields = entryOf(exec[first + i]);
      if (fields) readBack.set(touched[i]!, fields);
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
    const opened = this.connect(0).then(async (c) => {
      await this.handshake(c);
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
      replies = await c.send(patterns.map((p) => [verb, p]));
    } catch (e) {
      throw e instanceof RespTimeout
        ? new SwitchError('TIMEOUT', this.switchName, this.endpoint, `${e.words(` to ${verb}`)} (redis hung, paused or overloaded)`, { cause: e })
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

function withoutFiller(fields: Fields): Fields {
  const out = hashFields();
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
