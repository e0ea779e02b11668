// THE order of CONFIG_DB writes. One list, each entry with its reason, used by plan, apply,
// rollback and drift alike. A change set holds every delete before every write, the deletes in
// the reverse of this order (each step with its reason for that direction too): a switch being
// adopted loses its factory neighbors, addresses and VLAN memberships before it gets clos's.
import { splitKey } from './flat.ts';

interface Step {
  readonly name: string;
  readonly matches: (table: string, key: string) => boolean;
  readonly reason: string;
  /** Why deletes of this step run where they do (reverse order, before every write). */
  readonly deleteReason: string;
}

const bare = (table: string, key: string) => !key.includes('|') && ['INTERFACE', 'LOOPBACK_INTERFACE', 'VLAN_INTERFACE'].includes(table);
const address = (table: string, key: string) => key.includes('|') && ['INTERFACE', 'LOOPBACK_INTERFACE', 'VLAN_INTERFACE'].includes(table);

export const WRITE_ORDER: readonly Step[] = [
  { name: 'PORT', matches: (t) => t === 'PORT', reason: 'ports must be up, with their MTU, before anything runs over them', deleteReason: 'ports are never deleted, only shut: nothing comes after them' },
  { name: 'VLAN', matches: (t) => t === 'VLAN', reason: 'a VLAN must exist before members join it', deleteReason: 'a VLAN goes after its members and its VLAN interface: vlanmgrd does not remove a VLAN that has members' },
  { name: 'VLAN_MEMBER', matches: (t) => t === 'VLAN_MEMBER', reason: 'members need the VLAN and their port', deleteReason: 'a port leaves its VLAN before any write: a bridge port cannot take a routed address (intfmgrd)' },
  { name: 'interface bare keys', matches: bare, reason: 'intfmgrd adds no address until STATE_DB INTERFACE_TABLE|<if> exists, which the bare key creates', deleteReason: 'an interface key goes after its addresses: intfmgrd removes the router interface only once it has none' },
  { name: 'interface addresses', matches: address, reason: 'addresses need their bare interface; bgpcfgd resolves local_addr against them', deleteReason: 'a foreign address goes before clos\'s is written: two addresses of one /31 or an overlap with the pools would route around the fabric' },
  { name: 'DEVICE_METADATA', matches: (t) => t === 'DEVICE_METADATA', reason: 'bgp_asn and type gate every BGP_NEIGHBOR in bgpcfgd', deleteReason: 'never deleted (clos writes its fields only)' },
  { name: 'DEVICE_NEIGHBOR_METADATA', matches: (t) => t === 'DEVICE_NEIGHBOR_METADATA', reason: 'describes the neighbours that DEVICE_NEIGHBOR points to', deleteReason: 'descriptions only: no daemon depends on their order' },
  { name: 'DEVICE_NEIGHBOR', matches: (t) => t === 'DEVICE_NEIGHBOR', reason: 'cabling intent, read by LLDP checks', deleteReason: 'descriptions only: no daemon depends on their order' },
  { name: 'BGP_NEIGHBOR', matches: (t) => t === 'BGP_NEIGHBOR', reason: 'last: bgpcfgd pushes a neighbor only once all the above exist', deleteReason: 'first: a session goes before the address it runs over and before the ASN or router id changes' },
];

/** A step's position depends on the table and whether the key has parts (a bare interface key
 *  or an address): worked out once per kind, as a diff ranks thousands of keys. */
const ranks = new Map<string, [bare: number | undefined, parts: number | undefined]>();

/** Position of a key in the write order; unknown tables go after everything. */
export function writeRank(fullKey: string): number {
  const at = fullKey.indexOf('|');
  const table = at < 0 ? fullKey : fullKey.slice(0, at);
  const parts = at >= 0 && fullKey.indexOf('|', at + 1) >= 0;
  let byParts = ranks.get(table);
  if (byParts === undefined) ranks.set(table, (byParts = [undefined, undefined]));
  let rank = byParts[parts ? 1 : 0];
  if (rank === undefined) {
    const { key } = splitKey(fullKey);
    const i = WRITE_ORDER.findIndex((s) => s.matches(table, key));
    rank = i < 0 ? WRITE_ORDER.length : i;
    byParts[parts ? 1 : 0] = rank;
  }
  return rank;
}
