// The agent's copy of CONFIG_DB, kept current from keyspace events. Every daemon decides from
// this snapshot (pure functions), never by polling Redis.
import { dropNull, type Fields, sameFields, splitConfigKey } from './keys.ts';

export type Table = ReadonlyMap<string, Fields>;

/** Read-only view handed to the pure decision functions. */
export interface ConfigView {
  table(name: string): Table;
  get(table: string, key: string): Fields | undefined;
}

const EMPTY: Table = new Map();

export class ConfigSnapshot implements ConfigView {
  private readonly tables = new Map<string, Map<string, Fields>>();

  /** Builds a snapshot from `{TABLE: {key: fields}}` (config_db.json form). Used by tests. */
  static fromJson(json: Record<string, Record<string, Record<string, unknown>>>): ConfigSnapshot {
    const s = new ConfigSnapshot();
    for (const [table, entries] of Object.entries(json)) {
      for (const [key, fields] of Object.entries(entries)) {
        const flat: Record<string, string> = {};
        for (const [f, v] of Object.entries(fields)) {
          // config_db.json writes list fields as arrays; Redis holds them as `name@` = "a,b".
          if (Array.isArray(v)) flat[`${f}@`] = v.join(',');
          else flat[f] = String(v);
        }
        s.set(table, key, flat);
      }
    }
    return s;
  }

  table(name: string): Table {
    return this.tables.get(name) ?? EMPTY;
  }

  get(table: string, key: string): Fields | undefined {
    return this.tables.get(table)?.get(key);
  }

  /** Sets or (fields undefined) deletes an entry. Returns true when it changed. */
  set(table: string, key: string, fields: Record<string, string> | undefined): boolean {
    const old = this.get(table, key);
    if (fields === undefined) {
      if (!old) return false;
      this.tables.get(table)!.delete(key);
      return true;
    }
    const clean = dropNull(fields);
    if (old && sameFields(old, clean)) return false;
    let t = this.tables.get(table);
    if (!t) this.tables.set(table, (t = new Map()));
    t.set(key, clean);
    return true;
  }

  /** Applies a full Redis key (`TABLE|key`) read after a keyspace event; an empty hash means
   *  the key is gone. Returns the table name when something changed. */
  applyRedisKey(fullKey: string, hash: Record<string, string> | undefined): string | undefined {
    const parts = splitConfigKey(fullKey);
    if (!parts) return undefined;
    const gone = !hash || Object.keys(hash).length === 0;
    return this.set(parts.table, parts.key, gone ? undefined : hash) ? parts.table : undefined;
  }

  tableNames(): string[] {
    return [...this.tables.keys()];
  }
}
