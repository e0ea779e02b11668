// An in-memory switch behind the Transport interface, following the same rules as the real
// ones (field-level updates, replace = delete + write, all-or-nothing change sets): for unit
// tests of everything above the transport, and for dry runs.
import type { Change } from '../core/diff/diff.ts';
import type { Fields } from '../core/diff/flat.ts';
import { SEPARATOR, SwitchError, type DbName, type ReadOptions, type Transport, type Unwatch } from './transport.ts';

export class MemoryTransport implements Transport {
  readonly endpoint: string;
  readonly dbs: Record<DbName, Map<string, Fields>> = { CONFIG_DB: new Map(), STATE_DB: new Map(), APPL_DB: new Map() };
  private readonly watchers = new Set<{ db: DbName; prefixes: string[]; cb: (key: string) => void }>();
  /** Set to make the next apply fail (as a switch rejecting a write would). */
  failNextApply?: string;
  reachable = true;
  /** While paused (as a SIGSTOPped redis), calls wait; resume() runs them in order, as a
   *  resumed server runs what its socket buffers hold (a transaction then applies, whole). */
  private paused: (() => void)[] | undefined;

  constructor(readonly switchName: string) {
    this.endpoint = `memory:${switchName}`;
  }

  pause(): void {
    this.paused ??= [];
  }

  resume(): void {
    const waiting = this.paused ?? [];
    this.paused = undefined;
    for (const go of waiting) go();
  }

  private waitResumed(q: (() => void)[]): Promise<void> {
    return new Promise<void>((resolve) => q.push(resolve));
  }

  private check(): void {
    if (!this.reachable) throw new SwitchError('UNREACHABLE', this.switchName, this.endpoint, 'cannot connect: switch is down');
  }

  async read(db: DbName, tables?: readonly string[], _opts?: ReadOptions): Promise<Map<string, Fields>> {
    if (this.paused) await this.waitResumed(this.paused);
    this.check();
    const prefixes = tables?.map((t) => `${t}${SEPARATOR[db]}`);
    const out = new Map<string, Fields>();
    for (const [k, v] of [...this.dbs[db]].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!prefixes || prefixes.some((p) => k.startsWith(p))) out.set(k, { ...v });
    }
    return out;
  }

  async apply(changes: readonly Change[]): Promise<void> {
    if (this.paused) await this.waitResumed(this.paused);
    this.check();
    if (this.failNextApply) {
      const msg = this.failNextApply;
      delete this.failNextApply;
      throw new SwitchError('REJECTED', this.switchName, this.endpoint, msg);
    }
    const db = this.dbs.CONFIG_DB;
    for (const c of changes) {
      if (c.op === 'delete') db.delete(c.key);
      else if (c.op === 'add' || c.op === 'replace') db.set(c.key, { ...(c.op === 'replace' ? c.after : c.set) });
      else {
        const next: Record<string, string> = { ...db.get(c.key), ...c.set };
        for (const f of c.unset ?? []) delete next[f];
        db.set(c.key, next);
      }
    }
    for (const c of changes) this.notify('CONFIG_DB', c.key);
  }

  /** Writes an operational entry (STATE_DB/APPL_DB), as a SONiC daemon would. */
  setState(db: DbName, key: string, fields: Fields | undefined): void {
    if (fields) this.dbs[db].set(key, { ...fields });
    else this.dbs[db].delete(key);
    this.notify(db, key);
  }

  private notify(db: DbName, key: string): void {
    for (const w of this.watchers) if (w.db === db && w.prefixes.some((p) => key.startsWith(p))) w.cb(key);
  }

  async watch(db: DbName, tables: readonly string[], onChange: (key: string) => void): Promise<Unwatch> {
    this.check();
    const w = { db, prefixes: tables.map((t) => `${t}${SEPARATOR[db]}`), cb: onChange };
    this.watchers.add(w);
    return async () => void this.watchers.delete(w);
  }

  async close(): Promise<void> {
    this.watchers.clear();
  }
}
