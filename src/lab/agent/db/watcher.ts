// CONFIG_DB as SONiC's daemons see it: `psubscribe __keyspace@4__:*`, then read the whole hash
// of each key named by an event (the event carries only the key and the command). Events that
// arrive together are read in one pipeline and handed on as one batch of changed tables.
// At start the existing CONFIG_DB is read as a full sync — after subscribing, so no change made
// meanwhile is lost (a key read twice is harmless: the snapshot only reports real changes).
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DB } from './keys.ts';
import type { ConfigSnapshot } from './snapshot.ts';

const CHANNEL_PREFIX = `__keyspace@${DB.CONFIG}__:`;

export class ConfigWatcher {
  private pending = new Set<string>();
  private draining?: Promise<void>;
  private scheduled = false;

  constructor(
    private readonly sub: Redis,
    private readonly cmd: Redis,
    private readonly snapshot: ConfigSnapshot,
    private readonly onChange: (tables: ReadonlySet<string>) => void,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.sub.on('pmessage', (_pattern: string, channel: string) => {
      if (!channel.startsWith(CHANNEL_PREFIX)) return;
      this.pending.add(channel.slice(CHANNEL_PREFIX.length));
      this.schedule();
    });
    await this.sub.psubscribe(`${CHANNEL_PREFIX}*`);
    await this.fullSync();
  }

  /** Reads the whole CONFIG_DB. With `dropMissing` (redis came back empty or with another
   *  content), entries of the snapshot that are no longer in Redis are deleted too. */
  async fullSync(dropMissing = false): Promise<void> {
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await this.cmd.scan(cursor, 'MATCH', '*|*', 'COUNT', 1000);
      cursor = next;
      for (const k of keys) seen.add(k);
    } while (cursor !== '0');
    if (dropMissing) {
      for (const table of this.snapshot.tableNames()) {
        for (const key of [...this.snapshot.table(table).keys()]) if (!seen.has(`${table}|${key}`)) this.pending.add(`${table}|${key}`);
      }
    }
    for (const k of seen) this.pending.add(k);
    await this.flush();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // A few ms lets a burst (redis-cli loading a whole config) arrive as one batch.
    setTimeout(() => {
      this.scheduled = false;
      void this.flush();
    }, 5);
  }

  /** Reads every pending key; resolves once none is pending (also those added meanwhile). */
  private flush(): Promise<void> {
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
    return this.draining;
  }

  private async drain(): Promise<void> {
    while (this.pending.size) {
      const keys = [...this.pending].filter((k) => k.includes('|'));
      this.pending.clear();
      if (keys.length === 0) continue;
      let results: [Error | null, unknown][];
      try {
        const pipe = this.cmd.pipeline();
        for (const k of keys) pipe.hgetall(k);
        results = (await pipe.exec()) ?? [];
      } catch (e) {
        this.log.error({ err: e }, 'reading CONFIG_DB failed; retrying');
        for (const k of keys) this.pending.add(k);
        await new Promise((r) => setTimeout(r, 1_000));
        continue;
      }
      const changed = new Set<string>();
      keys.forEach((k, i) => {
        const [err, hash] = results[i] ?? [];
        // WRONGTYPE: not a SONiC table entry (e.g. a plain string someone wrote); ignore it.
        if (err) return;
        const table = this.snapshot.applyRedisKey(k, hash as Record<string, string>);
        if (table) changed.add(table);
      });
      if (changed.size) {
        this.log.debug({ tables: [...changed] }, 'CONFIG_DB changed');
        this.onChange(changed);
      }
    }
  }
}
