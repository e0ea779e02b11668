// THE order of CONFIG_DB writes (deletes run in reverse). One list, each entry with its reason,
// used by plan, apply, rollback and drift alike.
import { splitKey } from './flat.ts';

interface Step {
  readonly name: string;
  readonly matches: (table: string, key: string) => boolean;
  readonly reason: string;
}

const bare = (table: string, key: string) => !key.includes('|') && ['INTERFACE', 'LOOPBACK_INTERFACE', 'VLAN_INTERFACE'].includes(table);
const address = (table: string, key: string) => key.includes('|') && ['INTERFACE', 'LOOPBACK_INTERFACE', 'VLAN_INTERFACE'].includes(table);

export const WRITE_ORDER: readonly Step[] = [
  { name: 'PORT', matches: (t) => t === 'PORT', reason: 'ports must be up, with their MTU, before anything runs over them' },
  { name: 'VLAN', matches: (t) => t === 'VLAN', reason: 'a VLAN must exist before members join it' },
  { name: 'VLAN_MEMBER', matches: (t) => t === 'VLAN_MEMBER', reason: 'members need the VLAN and their port' },
  { name: 'interface bare keys', matches: bare, reason: 'intfmgrd adds no address until STATE_DB INTERFACE_TABLE|<if> exists, which the bare key creates' },
  { name: 'interface addresses', matches: address, reason: 'addresses need their bare interface; bgpcfgd resolves local_addr against them' },
  { name: 'DEVICE_METADATA', matches: (t) => t === 'DEVICE_METADATA', reason: 'bgp_asn and type gate every BGP_NEIGHBOR in bgpcfgd' },
  { name: 'DEVICE_NEIGHBOR_METADATA', matches: (t) => t === 'DEVICE_NEIGHBOR_METADATA', reason: 'describes the neighbours that DEVICE_NEIGHBOR points to' },
  { name: 'DEVICE_NEIGHBOR', matches: (t) => t === 'DEVICE_NEIGHBOR', reason: 'cabling intent, read by LLDP checks' },
  { name: 'BGP_NEIGHBOR', matches: (t) => t === 'BGP_NEIGHBOR', reason: 'last: bgpcfgd pushes a neighbor only once all the above exist' },
];

/** Position of a key in the write order; unknown tables go after everything. */
export function writeRank(fullKey: string): number {
  const { table, key } = splitKey(fullKey);
  const i = WRITE_ORDER.findIndex((s) => s.matches(table, key));
  return i < 0 ? WRITE_ORDER.length : i;
}
