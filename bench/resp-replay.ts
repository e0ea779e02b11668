// bench:scale --memory: a switch whose databases are held in the controller's process, read
// through the Redis transport's own decoding. A read is answered with the bytes a redis-server
// would send for its two transactions (the keys listed in no particular order, as a server's
// hash table lists them; then their hashes in the order asked — sorted, or as listed for an
// unordered read —, the NULL:NULL filler of an entry without fields), encoded once and then
// handed to the RESP parser in 64 KiB chunks, as a socket delivers them, and decoded by listedKeys and readEntries: the controller's CPU of a read,
// without the 1,000 redis-servers and their sockets. Watches never fire (nothing changes); no
// writes. The encoding is done when the switch is made, before anything is timed. Expected
// keys (ReadOptions.expect) are not modelled: the same hashes are decoded either way, only the
// number of round trips differs.
import type { Change } from '../src/core/diff/diff.ts';
import type { Fields } from '../src/core/diff/flat.ts';
import { listedKeys, readEntries, readScope } from '../src/transport/redis.ts';
import { RespReader, type Reply, type ReplyShape } from '../src/transport/resp.ts';
import { tableOf } from '../src/services/watch-kit.ts';
import { SEPARATOR, type DbName, type ReadOptions, type Transport, type Unwatch } from '../src/transport/transport.ts';

const CHUNK = 64 * 1024;

/** One table as the server would send it: its keys as KEYS lists them (bulk strings, without
 *  the list's header), its hashes as HGETALL answers them, in key order. */
interface EncodedTable {
  readonly entries: number;
  readonly keys: Buffer;
  readonly hashes: Buffer;
  /** The hashes in the keys' listed order (an unordered read asks for them so). */
  readonly listedHashes: Buffer;
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

  async read(db: DbName, tables?: readonly string[], opts?: ReadOptions): Promise<Map<string, Fields>> {
    const have = this.tables[db];
    const scope = readScope(db, tables, undefined, opts?.unordered);
    const names = tables ? [...new Set(tables)] : [...have.keys()];
    const got = names.flatMap((t) => have.get(t) ?? []);
    // The first transaction's EXEC: SELECT's OK, one list per pattern (one of everything for
    // the whole database), SELECT's OK.
    const lists = tables ? names.map((t) => have.get(t) ?? { entries: 0, keys: Buffer.alloc(0) }) : [{ entries: got.reduce((n, p) => n + p.entries, 0), keys: Buffer.concat(got.map((p) => p.keys)) }];
    const listed = Buffer.concat([Buffer.from(`*${lists.length + 2}\r\n+OK\r\n`), ...lists.flatMap((l) => [Buffer.from(`*${l.entries}\r\n`), l.keys]), Buffer.from('+OK\r\n')]);
    const keys = listedKeys([scope], parse(listed) as Reply[]);
    if (keys[0]!.length === 0) return new Map();
    // The second: SELECT's OK, the hashes in the keys' sorted order (a table's keys share its
    // name and separator, so the tables come in that order, each sorted), SELECT's OK.
    // Unordered: the hashes in the order listed (the tables in the order asked, each as listed).
    const sep = SEPARATOR[db];
    const present = names.filter((t) => have.has(t));
    const blocks = scope.sorted ? present.sort((a, b) => (a + sep < b + sep ? -1 : 1)).map((t) => have.get(t)!.hashes) : present.map((t) => have.get(t)!.listedHashes);
    const values = Buffer.concat([Buffer.from(`*${keys[0]!.length + 2}\r\n+OK\r\n`), ...blocks, Buffer.from('+OK\r\n')]);
    return readEntries(keys, parse(values, 'hashes') as Reply[])[0]!;
  }

  async apply(_changes: readonly Change[]): Promise<void> {
    throw new Error(`${this.switchName}: a replayed switch takes no writes`);
  }

  async watch(): Promise<Unwatch> {
    return async () => undefined;
  }

  async close(): Promise<void> {}
}

/** A reply's bytes through the RESP parser, in a socket's chunks. */
function parse(wire: Buffer, shape?: ReplyShape): Reply {
  const reader = new RespReader();
  let reply: Reply | undefined;
  for (let at = 0; reply === undefined && at < wire.length; at += CHUNK) {
    reader.feed(wire.subarray(at, at + CHUNK));
    reply = reader.next(shape);
  }
  if (reply === undefined) throw new Error('replay: an incomplete reply');
  return reply;
}

/** Each table's keys in a fixed shuffled order (a server's hash table has none: the client
 *  sorts), its hashes in sorted key order, an entry without fields as the NULL:NULL filler. */
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
    const hash = (k: string): string => {
      const f = Object.entries(entries.get(k)!);
      if (f.length === 0) f.push(['NULL', 'NULL']);
      return `*${f.length * 2}\r\n${f.map(([n, v]) => bulk(n) + bulk(v)).join('')}`;
    };
    // A multiplicative stride through the keys: every key once, in no sorted order.
    const shuffled: string[] = [];
    const stride = keys.length % 7919 === 0 ? 1 : 7919;
    for (let i = 0, j = 0; i < keys.length; i++, j = (j + stride) % keys.length) shuffled.push(keys[j]!);
    out.set(table, { entries: keys.length, keys: Buffer.from(shuffled.map(bulk).join('')), hashes: Buffer.from(keys.map(hash).join('')), listedHashes: Buffer.from(shuffled.map(hash).join('')) });
  }
  return out;
}
