// The one wait loop on a switch's redis tables: subscribe (keyspace events), take one snapshot,
// then re-read only the tables that changed once their events have been quiet for a debounce,
// and (optionally) re-read everything every resync interval in case a notification is lost.
// Every wait of clos is built on it: verify and the bring-up gates (through checks.ts), bgpcfgd
// consuming a neighbour, the cabling seen by LLDP.
import type { Fields } from '../../core/diff/flat.ts';
import { SEPARATOR, type DbName, type ReadOptions, type Transport, type Unwatch } from '../../transport/transport.ts';
import { tableOf, type Clock } from '../watch-kit.ts';

/** table → full key → fields, for the tables watched. */
export type Snapshot = ReadonlyMap<string, ReadonlyMap<string, Fields>>;

export interface TableWatchOptions {
  readonly clock: Clock;
  /** Quiet time after a keyspace event before re-reading. */
  readonly debounceMs: number;
  /** A full re-read this often (none if undefined). */
  readonly resyncMs?: number;
  /** After every read: the tables just read and the keys whose events caused it (undefined for
   *  a full read, the first one included). */
  readonly onRead: (snapshot: Snapshot, tables: readonly string[], keys: ReadonlySet<string> | undefined) => void;
  /** Per table, the keys the caller expects to find (ReadOptions.expect): a read of some
   *  tables expects only theirs. */
  readonly expect?: ReadonlyMap<string, readonly string[]>;
  /** Only looked up by key (verify's checks): read without sorting (ReadOptions.unordered). */
  readonly unordered?: boolean;
  /** A re-read failed (the first read throws instead). The loop goes on unless stopped. */
  readonly onError: (e: unknown) => void;
  /** Read once and do not subscribe until start() (verify: a switch whose checks all pass on
   *  their first reads needs no events, no subscriber connection and no second read). */
  readonly deferred?: boolean;
}

export interface TableWatch {
  readonly snapshot: Snapshot;
  /** Reads every watched table again now, stopped or not (the last read before giving up). */
  readAll(): Promise<void>;
  /** Stops timers and the subscription; later events and answers are ignored. */
  stop(): Promise<void>;
  /** A deferred watch: subscribes, then reads every table again (what changed since the first
   *  read is in it), then follows events. A no-op once started, stopped, or if not deferred. */
  start(): Promise<void>;
}

/** Subscribes first, then reads: a change between the two is seen as an event, never missed
 *  (deferred: reads first, and subscribes then reads again on start()). */
export async function watchTables(transport: Transport, db: DbName, tables: readonly string[], o: TableWatchOptions): Promise<TableWatch> {
  const snapshot = new Map<string, Map<string, Fields>>(tables.map((t) => [t, new Map()]));
  let pending = new Set<string>();
  let timer: unknown;
  let resyncTimer: unknown;
  let reading = false;
  let stopped = false;

  const readOptions = (which: readonly string[]): ReadOptions | undefined => {
    if (!o.expect && !o.unordered) return undefined;
    const expect: string[] = [];
    if (o.expect) for (const t of which) for (const k of o.expect.get(t) ?? []) expect.push(k);
    return { ...(expect.length ? { expect } : {}), ...(o.unordered ? { unordered: true } : {}) };
  };
  const read = async (which: readonly string[], keys: ReadonlySet<string> | undefined, last = false) => {
    reading = true;
    try {
      const fresh = await transport.read(db, which, readOptions(which));
      if (stopped && !last) return;
      for (const t of which) snapshot.set(t, new Map());
      // A table's keys come together (sorted, or as listed): its name is found once per run of
      // them, not per key.
      let prefix: string | undefined;
      let into: Map<string, Fields> | undefined;
      fresh.forEach((v, k) => {
        if (prefix === undefined || !k.startsWith(prefix)) {
          const table = tableOf(db, k);
          prefix = `${table}${SEPARATOR[db]}`;
          into = snapshot.get(table);
        }
        into?.set(k, v);
      });
      o.onRead(snapshot, which, keys);
    } finally {
      reading = false;
    }
  };
  const flushSoon = () => {
    if (stopped || reading || pending.size === 0) return;
    if (timer !== undefined) o.clock.clearTimeout(timer);
    timer = o.clock.setTimeout(() => {
      timer = undefined;
      const keys = pending;
      pending = new Set();
      const which = [...new Set([...keys].map((k) => tableOf(db, k)))].filter((t) => snapshot.has(t));
      if (which.length === 0) return;
      void read(which, keys)
        .catch((e) => !stopped && o.onError(e))
        .then(flushSoon);
    }, o.debounceMs);
  };
  const resync = () => {
    if (stopped || o.resyncMs === undefined) return;
    resyncTimer = o.clock.setTimeout(() => {
      void read(tables, undefined)
        .catch((e) => !stopped && o.onError(e))
        .then(resync);
    }, o.resyncMs);
  };

  let unwatch: Unwatch | undefined;
  /** Subscribes, then reads: a change between the two is seen as an event, never missed. */
  const follow = async () => {
    unwatch = await transport.watch(db, tables, (key) => {
      if (stopped) return;
      pending.add(key);
      flushSoon();
    });
    if (stopped) {
      // stop() came while subscribing (a deferred watch's start): it found nothing to end.
      await unwatch().catch(() => undefined);
      return;
    }
    try {
      await read(tables, undefined);
    } catch (e) {
      stopped = true;
      await unwatch().catch(() => undefined);
      throw e;
    }
    flushSoon();
    resync();
  };
  if (o.deferred) await read(tables, undefined);
  else await follow();
  return {
    snapshot,
    readAll: () => read(tables, undefined, true),
    start: async () => {
      if (stopped || unwatch) return;
      await follow();
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (timer !== undefined) o.clock.clearTimeout(timer);
      if (resyncTimer !== undefined) o.clock.clearTimeout(resyncTimer);
      await unwatch?.().catch(() => undefined);
    },
  };
}
