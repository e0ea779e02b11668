// bench:scale --memory: a switch whose databases are held in the controller's process, read
// through the Redis transport's own decoding. A read is answered with the bytes a redis-server
// would send for it (the read script's reply, keys sorted, the NULL:NULL filler of an
// entry without fields), encoded once and then handed to the RESP parser in 64 KiB chunks, as a
// socket delivers them, and decoded by decodeEntries: the controller's CPU of a read, without
// the 1,000 redis-servers and their sockets. Watches never fire (nothing changes); no writes.
// The encoding is done when the switch is made, before anything is timed.
import type { Change } from '../src/core/diff/diff.ts';
import type { Fields } from '../src/core/diff/flat.ts';
import { decodeEntries, READ_SHAPE } from '../src/transport/redis.ts';
import { RespReader, type Entries, type Reply } from '../src/transport/resp.ts';
import { tableOf } from '../src/services/watch-kit.ts';
import type { DbName, Transport, Unwatch } from '../src/transport/transport.ts';

const CHUNK = 64 * 1024;

/** One table's entries as the read script's reply lists them. */
interface EncodedTable {
  readonly entries: number;
  readonly wire: Buffer;
}

export class ReplayTransport implements Transport {
  readonly endpoint: string;
  /** Per database, per table: encoded once (the databases themselves are not kept: only bytes,
   *  outside the heap the collector walks). */
  private readonly tables: Record<DbName, Map<string, EncodedTable>>;

  constructor(
    readonly switchName: string,
    dbs: Readonly<Record<DbName, ReadonlyMap<string, Fields>>>,
  ) {
    this.endpoint = `replay:${switchName}`;
    this.tables = { CONFIG_DB: encodeTables('CONFIG_DB', dbs.CONFIG_DB), STATE_DB: encodeTables('STATE_DB', dbs.STATE_DB), APPL_DB: encodeTables('APPL_DB', dbs.APPL_DB) };
  }

  async read(db: DbName, tables?: readonly string[]): Promise<Map<string, Fields>> {
    const have = this.tables[db];
    const parts = (tables ? [...new Set(tables)] : [...have.keys()]).sort().flatMap((t) => have.get(t) ?? []);
    const entries = parts.reduce((n, p) => n + p.entries, 0);
    const wire = Buffer.concat([Buffer.from(`*1\r\n*${entries * 2}\r\n`), ...parts.map((p) => p.wire)]);
    const reader = new RespReader();
    let reply: Reply | undefined;
    for (let at = 0; reply === undefined && at < wire.length; at += CHUNK) {
      reader.feed(wire.subarray(at, at + CHUNK));
      reply = reader.next(READ_SHAPE[0]);
    }
    return decodeEntries((reply as Reply[])[0] as Entries);
  }

  async apply(_changes: readonly Change[]): Promise<void> {
    throw new Error(`${this.switchName}: a replayed switch takes no writes`);
  }

  async watch(): Promise<Unwatch> {
    return async () => undefined;
  }

  async close(): Promise<void> {}
}

/** Each table's entries sorted, as the read script sorts them (a read of several tables lists
 *  them table after table: sorted as a whole unless one table's name is a prefix of another's,
 *  like CONFIG_DB's PORT and PORTCHANNEL, which decodeEntries then sorts), an entry without
 *  fields as the NULL:NULL filler. */
function encodeTables(db: DbName, entries: ReadonlyMap<string, Fields>): Map<string, EncodedTable> {
  const byTable = new Map<string, string[]>();
  for (const k of entries.keys()) {
    const t = tableOf(db, k);
    const same = byTable.get(t);
    if (same) same.push(k);
    else byTable.set(t, [k]);
  }
  const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
  const out = new Map<string, EncodedTable>();
  for (const [table, keys] of byTable) {
    keys.sort();
    const parts: string[] = [];
    for (const k of keys) {
      const f = Object.entries(entries.get(k)!);
      if (f.length === 0) f.push(['NULL', 'NULL']);
      parts.push(bulk(k), `*${f.length * 2}\r\n`, ...f.map(([n, v]) => bulk(n) + bulk(v)));
    }
    out.set(table, { entries: keys.length, wire: Buffer.from(parts.join('')) });
  }
  return out;
}
