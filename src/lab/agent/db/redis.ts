// The switch's redis-server as SONiC's daemons use it: CONFIG_DB is read after each keyspace
// event (never polled), STATE_DB and APPL_DB entries are written whole, each in ONE command or
// one MULTI/EXEC, so a watcher never reads a half-written entry (sonic-reference §1).
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { SwitchRuntime } from '../../runtime.ts';
import { DB, type Fields, sameFields, withNull } from './keys.ts';

export function connect(rt: SwitchRuntime, db: number): Redis {
  // The unix socket is local and cheaper than TCP; the address is what clients outside use.
  return new Redis({
    path: rt.redis.socket,
    db,
    lazyConnect: true,
    maxRetriesPerRequest: null, // keep commands queued while redis restarts, never drop them
    enableAutoPipelining: true,
  });
}

/** Writes the entries one emulated daemon owns in one DB, remembering what it wrote so that a
 *  change is written once and an entry that is no longer wanted is deleted. */
export class EntryWriter {
  private readonly cache = new Map<string, Fields>();

  constructor(
    private readonly redis: Redis,
    private readonly sep: string,
    private readonly log: Logger,
  ) {}

  /** Loads the entries of `tables` left by an earlier run, so stale ones get deleted. */
  async adopt(tables: readonly string[]): Promise<void> {
    for (const table of tables) {
      let cursor = '0';
      do {
        const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${table}${this.sep}*`, 'COUNT', 1000);
        cursor = next;
        for (const key of keys) {
          const type = await this.redis.type(key);
          if (type === 'hash') this.cache.set(key, await this.redis.hgetall(key));
        }
      } while (cursor !== '0');
    }
  }

  /** Forgets what was written (redis restarted empty): everything is written again. */
  reset(): void {
    this.cache.clear();
  }

  get(fullKey: string): Fields | undefined {
    return this.cache.get(fullKey);
  }

  /** Sets `TABLE<sep>key` to exactly `fields`: one HSET, or MULTI (HDEL of dropped fields, HSET)
   *  when fields disappear. No write when nothing changed. */
  async set(table: string, key: string, fields: Fields): Promise<boolean> {
    const full = `${table}${this.sep}${key}`;
    const want = withNull(fields);
    const old = this.cache.get(full);
    if (sameFields(old, want)) return false;
    this.cache.set(full, want);
    const dropped = old ? Object.keys(old).filter((f) => !(f in want)) : [];
    try {
      if (dropped.length) await this.redis.multi().hdel(full, ...dropped).hset(full, want).exec();
      else await this.redis.hset(full, want);
    } catch (e) {
      this.cache.delete(full); // unknown state: write again next time
      this.log.error({ err: e, key: full }, 'redis write failed');
      throw e;
    }
    return true;
  }

  async del(table: string, key: string): Promise<boolean> {
    const full = `${table}${this.sep}${key}`;
    if (!this.cache.has(full)) return false;
    this.cache.delete(full);
    await this.redis.del(full);
    return true;
  }

  /** Makes the table's entries exactly `desired` (entry key → fields). */
  async sync(table: string, desired: ReadonlyMap<string, Fields>): Promise<void> {
    const prefix = `${table}${this.sep}`;
    const writes: Promise<unknown>[] = [];
    for (const full of [...this.cache.keys()]) {
      if (full.startsWith(prefix) && !desired.has(full.slice(prefix.length))) writes.push(this.del(table, full.slice(prefix.length)));
    }
    for (const [key, fields] of desired) writes.push(this.set(table, key, fields));
    await Promise.all(writes);
  }

  /** Keys (without the table prefix) currently written in `table`. */
  keys(table: string): string[] {
    const prefix = `${table}${this.sep}`;
    return [...this.cache.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  }
}

export { DB };
