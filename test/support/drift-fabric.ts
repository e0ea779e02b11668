// dc1 (or another topology) of in-memory switches, applied with the real plan/apply and with
// STATE_DB/APPL_DB (or FRR) as SONiC's daemons leave them once converged: the starting point of
// every drift unit test, and a source of realistic drift reports for the format tests.
import { expect } from 'vitest';
import type { Fields } from '../../src/core/diff/flat.ts';
import { applyFabric } from '../../src/services/apply.ts';
import { APPL_TABLES, STATE_TABLES } from '../../src/services/drift.ts';
import type { DbName, ReadOptions } from '../../src/transport/transport.ts';
import { planFabric } from '../../src/services/plan.ts';
import { convergedState } from './converged-state.ts';
import { memoryFabric, type MemorySwitch } from './memory-fabric.ts';

export type Fabric = Awaited<ReturnType<typeof memoryFabric>>;

export async function convergedFabric(opts: Parameters<typeof memoryFabric>[0] = {}): Promise<Fabric> {
  const m = await memoryFabric(opts);
  const outcomes = await applyFabric(m.session, await planFabric(m.session));
  expect(outcomes.every((o) => o.status === 'applied')).toBe(true);
  const ops = convergedState(m.session.loaded.intents, () => opts.flavour ?? 'sonic');
  for (const [name, sw] of m.switches) {
    const o = ops.get(name)!;
    for (const [k, v] of o.STATE_DB) sw.transport.setState('STATE_DB', k, v);
    for (const [k, v] of o.APPL_DB) sw.transport.setState('APPL_DB', k, v);
    if (opts.flavour === 'legacy-vs') for (const [ip, p] of Object.entries(o.frrPeers)) sw.frrPeers[ip] = p;
  }
  return m;
}

export const memSwitch = (m: Fabric, name: string): MemorySwitch => m.switches.get(name)!;

export function setState(m: Fabric, name: string, db: 'STATE_DB' | 'APPL_DB', key: string, fields: Fields | undefined): void {
  memSwitch(m, name).transport.setState(db, key, fields);
}

export function mergeState(m: Fabric, name: string, db: 'STATE_DB' | 'APPL_DB', key: string, fields: Fields): void {
  setState(m, name, db, key, { ...memSwitch(m, name).transport.dbs[db].get(key), ...fields });
}

/** leaf1 Ethernet120 set down in the kernel, as portsyncd, lldp and bgpmon then show it. */
export function linkDown(m: Fabric): void {
  mergeState(m, 'leaf1', 'STATE_DB', 'PORT_TABLE|Ethernet120', { admin_status: 'down', netdev_oper_status: 'down' });
  mergeState(m, 'leaf1', 'APPL_DB', 'PORT_TABLE:Ethernet120', { oper_status: 'down' });
  mergeState(m, 'spine1', 'STATE_DB', 'PORT_TABLE|Ethernet0', { netdev_oper_status: 'down' });
  mergeState(m, 'spine1', 'APPL_DB', 'PORT_TABLE:Ethernet0', { oper_status: 'down' });
  setState(m, 'leaf1', 'APPL_DB', 'LLDP_ENTRY_TABLE:Ethernet120', undefined);
  setState(m, 'spine1', 'APPL_DB', 'LLDP_ENTRY_TABLE:Ethernet0', undefined);
  setState(m, 'leaf1', 'STATE_DB', 'NEIGH_STATE_TABLE|10.1.0.0', { state: 'Active', peerType: 'e-BGP' });
  setState(m, 'spine1', 'STATE_DB', 'NEIGH_STATE_TABLE|10.1.0.1', { state: 'Connect', peerType: 'e-BGP' });
  mergeState(m, 'leaf2', 'APPL_DB', 'ROUTE_TABLE:10.0.0.3', { nexthop: '10.1.0.6' });
}

/** Keeps, per switch ("leaf1 STATE_DB"), the keys its last read of each database expected. */
export function recordExpects(m: Fabric, names: readonly string[]): Map<string, readonly string[]> {
  const asked = new Map<string, readonly string[]>();
  for (const name of names) {
    const t = memSwitch(m, name).transport;
    const read = t.read.bind(t);
    t.read = (db: DbName, tables?: readonly string[], opts?: ReadOptions) => {
      asked.set(`${name} ${db}`, [...(opts?.expect ?? [])]);
      return read(db, tables, opts);
    };
  }
  return asked;
}

/** What a switch holds in the tables verify's and drift's checks read. */
export function heldInCheckedTables(m: Fabric, name: string, db: 'STATE_DB' | 'APPL_DB'): string[] {
  const tables: readonly string[] = db === 'STATE_DB' ? STATE_TABLES : APPL_TABLES;
  const sep = db === 'STATE_DB' ? '|' : ':';
  return [...memSwitch(m, name).transport.dbs[db].keys()].filter((k) => tables.includes(k.slice(0, k.indexOf(sep))));
}
