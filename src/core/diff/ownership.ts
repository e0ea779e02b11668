// What clos owns on a fabric switch (docs/adoption.md). Real switches are not blank: SONiC's
// first boot writes a preset (t1: an address and a BGP neighbor on every port, Loopback0
// 10.1.0.1/32; l2: every port in Vlan1000), and brownfield switches carry another tool's config.
// Inside this scope every entry that clos does not render is foreign and the diff removes it,
// in the same change set as clos's own; outside it (management, users, SNMP, syslog, NTP,
// FEATURE, ACLs, PORT fields clos does not render…) nothing is ever touched.
import type { SwitchIntent } from '../model.ts';
import { splitKey } from './flat.ts';

/** Tables clos owns whole on a fabric switch: every session, VLAN and described neighbour of
 *  the switch is the fabric's, so one the fabric file does not name is a leftover (a factory
 *  preset, a hand edit, another tool) that would keep an unknown session up or a port bridged. */
export const OWNED_TABLES: readonly string[] = ['BGP_NEIGHBOR', 'DEVICE_NEIGHBOR', 'DEVICE_NEIGHBOR_METADATA', 'VLAN', 'VLAN_INTERFACE', 'VLAN_MEMBER'];

export interface Ownership {
  /** Front-panel ports of the switch's platform: every INTERFACE entry of one is clos's. */
  readonly ports: ReadonlySet<string>;
  /** Foreign entries the fabric file keeps (adoption.keep), with the entries they need. */
  readonly keep: ReadonlySet<string>;
}

/** The ownership of one switch: its platform's ports and what its fabric file keeps. */
export function ownershipOf(intent: Pick<SwitchIntent, 'platform' | 'keep'>): Ownership {
  return { ports: new Set(intent.platform.ports.map((p) => p.name)), keep: withParents(intent.keep ?? []) };
}

/** Whether a CONFIG_DB key lies in clos's scope (and is not kept): LOOPBACK_INTERFACE Loopback0
 *  (exactly clos's address), INTERFACE of a front-panel port, the owned tables. DEVICE_METADATA
 *  and PORT are clos's field by field only (the fields it renders), never removed. */
export function owns(o: Ownership, fullKey: string): boolean {
  if (o.keep.has(fullKey)) return false;
  // Asked of every key a switch holds in scope, at every plan and drift: no splitting.
  const i = fullKey.indexOf('|');
  const table = i < 0 ? fullKey : fullKey.slice(0, i);
  if (OWNED.has(table)) return true;
  if (i < 0 || (table !== 'LOOPBACK_INTERFACE' && table !== 'INTERFACE')) return false;
  const j = fullKey.indexOf('|', i + 1);
  const first = j < 0 ? fullKey.slice(i + 1) : fullKey.slice(i + 1, j);
  return table === 'LOOPBACK_INTERFACE' ? first === 'Loopback0' : o.ports.has(first);
}

const OWNED: ReadonlySet<string> = new Set(OWNED_TABLES);

/** A kept entry keeps what SONiC needs under it: an address its bare interface key (intfmgrd
 *  removes the addresses of an interface whose key goes), a VLAN member or VLAN interface its
 *  VLAN (vlanmgrd cannot remove a VLAN that still has members). */
function withParents(keep: readonly string[]): Set<string> {
  const out = new Set(keep);
  for (const k of keep) {
    const { table, key } = splitKey(k);
    const first = splitKey(key).table;
    if (table === 'INTERFACE' || table === 'VLAN_INTERFACE') out.add(`${table}|${first}`);
    if (table === 'VLAN_MEMBER' || table === 'VLAN_INTERFACE') out.add(`VLAN|${first}`);
  }
  return out;
}

/** Why a foreign entry of this table goes: the reason plan and drift show with its removal. */
export function foreignReason(fullKey: string): string {
  const { table, key } = splitKey(fullKey);
  switch (table) {
    case 'BGP_NEIGHBOR':
      return 'a neighbor the fabric file does not name: BGP_NEIGHBOR is owned by clos on a fabric switch';
    case 'LOOPBACK_INTERFACE':
      return 'Loopback0 holds exactly clos\'s address (router id, the address every other switch routes to)';
    case 'INTERFACE':
      return `${splitKey(key).table} is a front-panel port: its routed interface and addresses are clos's`;
    case 'VLAN_MEMBER':
      return 'VLAN membership is clos\'s on a fabric switch (a port in a VLAN cannot take a routed address)';
    case 'VLAN':
    case 'VLAN_INTERFACE':
      return 'a VLAN the fabric file does not declare for this switch';
    default:
      return 'cabling the fabric file does not declare';
  }
}
