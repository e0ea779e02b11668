// The Redis transport: SONiC's databases over ioredis (TCP, unix socket, password, TLS). Reads
// with SCAN + pipelined HGETALL; one switch's change set in ONE MULTI/EXEC, so SONiC's daemons
// never see a partial entry and a failure leaves nothing half-written. The transaction goes
// over its own lean RESP connection (resp.ts): one write, one parse.
import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
import type { Change } from '../core/diff/diff.ts';
import type { Fields } from '../core/diff/flat.ts';
import { RespConnection, RespError, RespTimeout, type Reply, type RespTarget } from './resp.ts';
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

export class RedisTransport implements Transport {
  readonly endpoint: string;
  private readonly clients = new Map<DbName, Promise<Redis>>();
  private readonly subscribers: Redis[] = [];
  private tx: Promise<RespConnection> | undefined;

  constructor(
    readonly switchName: string,
    private readonly target: RedisEndpoint,
  ) {
    this.endpoint = describeRedis(target);
  }

  private options(db: number): RedisOptions {
    const t = this.target;
    return {
      ...(t.socket ? { path: t.socket } : { host: t.host ?? '127.0.0.1', port: t.port ?? 6379 }),
      ...(t.username ? { username: t.username } : {}),
      ...(t.password ? { password: t.password } : {}),
      ...(t.tls
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
      // A switch that goes away fails the operation at hand; it is not retried forever.
      retryStrategy: () => null,
    };
  }

  private client(db: DbName): Promise<Redis> {
    let c = this.clients.get(db);
    if (!c) {
      // CONFIG_DB's transaction connection opens with its client: whoever reads CONFIG_DB
      // (plan) has it ready, so apply's write goes out at once, in one piece. Its failure is
      // apply's to report, not the read's.
      const tx = db === 'CONFIG_DB' ? this.txConnection().catch(() => undefined) : undefined;
      const opened = this.connect(DB_ID[db]);
      c = tx ? opened.then(async (r) => (await tx, r)) : opened;
      this.clients.set(db, c);
      c.catch(() => this.clients.delete(db));
    }
    return c;
  }

  private async connect(db: number): Promise<Redis> {
    const r = new Redis(this.options(db));
    // A hung server accepts the connection (the kernel does) but never answers the handshake
    // (SELECT, ready check): give up at the first unanswered command and say so.
    let connecting = true;
    let hung: Error | undefined;
    let refused: Error | undefined;
    let giveUp: (e: Error) => void = () => {};
    const gaveUp = new Promise<never>((_, reject) => (giveUp = reject));
    gaveUp.catch(() => undefined);
    r.on('error', (e: Error) => {
      if (!connecting) return; // surfaced through the failing command instead
      if (/Command timed out/.test(e.message)) {
        hung ??= e;
        giveUp(e);
      } else if (/WRONGPASS|NOAUTH|invalid password/i.test(e.message)) {
        // ioredis reports a refused AUTH as an event, then "Connection is closed".
        refused ??= e;
        giveUp(e);
      }
    });
    try {
      await Promise.race([r.connect(), gaveUp]);
      return r;
    } catch (e) {
      closeHard(r);
      if (hung) throw new SwitchError('TIMEOUT', this.switchName, this.endpoint, `connected, but no reply within ${this.commandTimeoutMs} ms (redis hung, paused or overloaded)`, { cause: hung });
      throw this.unreachable(refused ?? e);
    } finally {
      connecting = false;
    }
  }

  private get commandTimeoutMs(): number {
    return this.target.commandTimeoutMs ?? 10_000;
  }

  /** A command went unanswered (a hung, paused or overloaded server). The connection is
   *  dropped: what follows must not queue behind commands the server has not read yet. */
  private timedOut(db: DbName, e: unknown): boolean {
    if (!/Command timed out/.test((e as Error)?.message ?? '')) return false;
    const c = this.clients.get(db);
    this.clients.delete(db);
    void c?.then((r) => closeHard(r), () => undefined);
    return true;
  }

  private unreachable(e: unknown): SwitchError {
    const msg = (e as Error).message ?? String(e);
    if (/WRONGPASS|NOAUTH|invalid password/i.test(msg)) return new SwitchError('REJECTED', this.switchName, this.endpoint, `authentication failed: ${msg}`, { cause: e });
    return new SwitchError('UNREACHABLE', this.switchName, this.endpoint, `cannot connect: ${msg}`, { cause: e });
  }

  async read(db: DbName, tables?: readonly string[]): Promise<Map<string, Fields>> {
    const r = await this.client(db);
    const sep = SEPARATOR[db];
    const patterns = tables ? tables.map((t) => `${t}${sep}*`) : ['*'];
    const keys: string[] = [];
    try {
      // One SCAN per table, all tables' SCANs pipelined: one round trip (and one write) per
      // round instead of one per table and cursor step.
      let open = patterns.map((match) => ({ match, cursor: '0' }));
      while (open.length > 0) {
        const round = r.pipeline();
        for (const o of open) round.scan(o.cursor, 'MATCH', o.match, 'COUNT', 1000);
        const replies = (await round.exec()) ?? [];
        open = open.filter((o, i) => {
          const [err, reply] = replies[i] ?? [new Error('no reply')];
          if (err) throw err;
          const [next, batch] = reply as [string, string[]];
          keys.push(...batch);
          o.cursor = next;
          return next !== '0';
        });
      }
      keys.sort();
      const out = new Map<string, Fields>();
      const pipeline = r.pipeline();
      for (const k of keys) pipeline.hgetall(k);
      const results = (await pipeline.exec()) ?? [];
      results.forEach(([err, value], i) => {
        // Plain string keys (CONFIG_DB_INITIALIZED) are not entries: WRONGTYPE is expected.
        if (err) return;
        const hash = value as Record<string, string>;
        if (Object.keys(hash).length === 0) return; // deleted between SCAN and HGETALL
        delete hash.NULL;
        out.set(keys[i]!, hash);
      });
      return out;
    } catch (e) {
      if (e instanceof SwitchError) throw e;
      if (this.timedOut(db, e)) throw new SwitchError('TIMEOUT', this.switchName, this.endpoint, `no reply within ${this.commandTimeoutMs} ms (redis hung, paused or overloaded)`, { cause: e });
      throw this.unreachable(e);
    }
  }

  async apply(changes: readonly Change[]): Promise<ApplyReceipt | void> {
    if (changes.length === 0) return;
    const conn = await this.txConnection();
    // The read-back rides in the same transaction: no other round trip, and nothing can come
    // between the write and what is read.
    const touched = [...new Set(changes.map((c) => c.key))];
    const cmds: string[][] = [['MULTI'], ...changes.flatMap(changeCommands), ...touched.map((k) => ['HGETALL', k]), ['EXEC']];
    let replies: Reply[];
    try {
      replies = await conn.send(cmds, this.commandTimeoutMs);
    } catch (e) {
      this.dropTx();
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
      throw new SwitchError('UNREACHABLE', this.switchName, this.endpoint, `state unknown: transaction sent, connection lost before the reply (${(e as Error).message}): it may have been applied, whole`, { cause: e, outcome: 'unknown' });
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

  /** The connection transactions go over (RESP directly: one write, one parse). */
  private txConnection(): Promise<RespConnection> {
    if (this.tx) {
      const current = this.tx;
      return current.then((c) => (c.isOpen ? c : (this.dropTx(current), this.txConnection())));
    }
    const t = this.target;
    const opened = RespConnection.open(
      { ...(t.socket ? { socket: t.socket } : { host: t.host ?? '127.0.0.1', port: t.port ?? 6379 }), ...(t.tls && !t.socket ? { tls: t.tls } : {}), ...(t.username ? { username: t.username } : {}), ...(t.password ? { password: t.password } : {}) },
      DB_ID.CONFIG_DB,
      Math.max(t.connectTimeoutMs ?? 3000, this.commandTimeoutMs),
    ).catch((e: unknown) => {
      if (this.tx === opened) this.tx = undefined;
      if (e instanceof RespTimeout) throw new SwitchError('TIMEOUT', this.switchName, this.endpoint, `connected, but no reply within ${this.commandTimeoutMs} ms (redis hung, paused or overloaded)`, { cause: e });
      throw this.unreachable(e);
    });
    this.tx = opened;
    return opened;
  }

  private dropTx(which = this.tx): void {
    if (!which || which !== this.tx) return;
    this.tx = undefined;
    void which.then((c) => c.close(), () => undefined);
  }

  async watch(db: DbName, tables: readonly string[], onChange: (key: string) => void): Promise<Unwatch> {
    const sub = new Redis(this.options(DB_ID[db]));
    sub.on('error', () => {});
    try {
      await sub.connect();
    } catch (e) {
      closeHard(sub);
      throw this.unreachable(e);
    }
    this.subscribers.push(sub);
    const prefix = `__keyspace@${DB_ID[db]}__:`;
    sub.on('pmessage', (_pattern: string, channel: string) => onChange(channel.slice(prefix.length)));
    await sub.psubscribe(...tables.map((t) => `${prefix}${t}${SEPARATOR[db]}*`));
    return async () => {
      closeHard(sub);
      const i = this.subscribers.indexOf(sub);
      if (i >= 0) this.subscribers.splice(i, 1);
    };
  }

  async close(): Promise<void> {
    this.dropTx();
    for (const s of this.subscribers.splice(0)) closeHard(s);
    const clients = [...this.clients.values()];
    this.clients.clear();
    // Sockets destroyed, not ended: QUIT (or a FIN) to a paused redis is never answered, and a
    // half-closed socket keeps the process alive until the server runs again.
    await Promise.all(clients.map(async (c) => closeHard(await c.catch(() => undefined))));
  }
}

function closeHard(r: Redis | undefined): void {
  if (!r) return;
  r.disconnect();
  r.stream?.destroy();
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
