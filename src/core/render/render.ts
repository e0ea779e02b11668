// Stage 5: SwitchIntent → CONFIG_DB, in config_db.json form and in Redis form.
import { dict } from '../dict.ts';
import type { ConfigDb, SwitchIntent } from '../model.ts';
import * as t from './tables.ts';

/** Every table clos renders, with its renderer. This is also the scope clos manages: keys of
 *  these tables that clos rendered (now or before) are its own, everything else is left alone. */
export const RENDERERS: Readonly<Record<string, (s: SwitchIntent) => t.Entries>> = {
  BGP_NEIGHBOR: t.renderBgpNeighbor,
  DEVICE_METADATA: t.renderDeviceMetadata,
  DEVICE_NEIGHBOR: t.renderDeviceNeighbor,
  DEVICE_NEIGHBOR_METADATA: t.renderDeviceNeighborMetadata,
  INTERFACE: t.renderInterface,
  LOOPBACK_INTERFACE: t.renderLoopbackInterface,
  PORT: t.renderPort,
  VLAN: t.renderVlan,
  VLAN_INTERFACE: t.renderVlanInterface,
  VLAN_MEMBER: t.renderVlanMember,
};

export const MANAGED_TABLES = Object.keys(RENDERERS);

/** Tables and keys sorted as SONiC's `config save` writes them (sort_keys), so output is stable. */
export function renderConfigDb(s: SwitchIntent): ConfigDb {
  const db: ConfigDb = dict();
  for (const table of MANAGED_TABLES.slice().sort()) {
    const entries = RENDERERS[table]!(s);
    const keys = Object.keys(entries);
    if (keys.length === 0) continue;
    keys.sort();
    const sorted: t.Entries = dict();
    for (const k of keys) sorted[k] = sortFields(entries[k]!);
    db[table] = sorted;
  }
  return db;
}

function sortFields(f: Record<string, string | string[]>): Record<string, string | string[]> {
  const keys = Object.keys(f);
  if (keys.length <= 1 || isSorted(keys)) return f; // renderers mostly write fields in order
  keys.sort();
  const out: Record<string, string | string[]> = {};
  for (const k of keys) out[k] = f[k]!;
  return out;
}

function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return false;
  return true;
}

/** Redis form, as in SONiC's mock tables: `TABLE|key` → hash; list fields as `name@` with
 *  comma-joined values; an entry without fields as {"NULL": "NULL"}. */
export function toRedisForm(db: ConfigDb): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = dict();
  for (const [table, entries] of Object.entries(db)) {
    for (const [key, fields] of Object.entries(entries)) {
      const hash: Record<string, string> = {};
      for (const [f, v] of Object.entries(fields)) {
        if (Array.isArray(v)) hash[`${f}@`] = v.join(',');
        else hash[f] = v;
      }
      out[`${table}|${key}`] = Object.keys(hash).length === 0 ? { NULL: 'NULL' } : hash;
    }
  }
  return out;
}
