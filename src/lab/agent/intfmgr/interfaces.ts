// intfmgrd, pure (sonic-swss cfgmgr/intfmgr.cpp). A bare key (`Ethernet0`) creates the L3
// interface once its parent is ready (port netdev present, VLAN created; a loopback is always
// ready and becomes its own dummy netdev). An address key (`Ethernet0|10.0.0.1/31`) is applied
// ONLY while the bare interface is created. A removed bare key waits until its addresses are
// gone, as intfmgrd retries the DEL while the interface still holds addresses.
import { type Fields, splitEntryKey } from '../db/keys.ts';
import type { ConfigView } from '../db/snapshot.ts';

/** L3 interface tables emulated. PORTCHANNEL_INTERFACE is not: the lab has no LAGs. */
export const INTERFACE_TABLES = ['INTERFACE', 'LOOPBACK_INTERFACE', 'VLAN_INTERFACE'] as const;

export interface InterfacePlan {
  /** Created L3 interfaces → their bare-key fields (empty for a kept interface whose bare key is
   *  gone but whose addresses remain). */
  readonly interfaces: ReadonlyMap<string, Fields>;
  /** `<if>|<prefix>` → address to apply. */
  readonly addresses: ReadonlyMap<string, { readonly ifname: string; readonly prefix: string; readonly family: 'IPv4' | 'IPv6' }>;
  /** Loopback interfaces (dummy netdevs the agent owns). */
  readonly loopbacks: ReadonlySet<string>;
}

export function isLoopback(ifname: string): boolean {
  return ifname.startsWith('Loopback');
}

export function planInterfaces(cfg: ConfigView, parentReady: (ifname: string) => boolean, created: ReadonlySet<string>): InterfacePlan {
  const bare = new Map<string, Fields>();
  const addrKeys: { ifname: string; prefix: string }[] = [];
  for (const table of INTERFACE_TABLES) {
    for (const [key, fields] of cfg.table(table)) {
      const parts = splitEntryKey(key);
      if (parts.length === 1) bare.set(parts[0], fields);
      else addrKeys.push({ ifname: parts[0], prefix: parts[1] });
    }
  }
  const interfaces = new Map<string, Fields>();
  for (const [ifname, fields] of bare) {
    if (isLoopback(ifname) || parentReady(ifname)) interfaces.set(ifname, fields);
  }
  // A bare key removed while addresses remain: the interface stays until they are removed.
  for (const ifname of created) {
    if (!interfaces.has(ifname) && addrKeys.some((a) => a.ifname === ifname) && (isLoopback(ifname) || parentReady(ifname))) {
      interfaces.set(ifname, {});
    }
  }
  const addresses = new Map<string, { ifname: string; prefix: string; family: 'IPv4' | 'IPv6' }>();
  for (const a of addrKeys) {
    if (!interfaces.has(a.ifname)) continue;
    addresses.set(`${a.ifname}|${a.prefix}`, { ...a, family: a.prefix.includes(':') ? 'IPv6' : 'IPv4' });
  }
  const loopbacks = new Set([...interfaces.keys()].filter(isLoopback));
  return { interfaces, addresses, loopbacks };
}

/** STATE_DB INTERFACE_TABLE|<if>: `vrf` is "" in the default VRF. */
export function stateInterfaceEntry(fields: Fields): Fields {
  return { vrf: fields.vrf_name ?? fields.vnet_name ?? '' };
}

/** APPL_DB INTF_TABLE:<if>: the bare key's fields plus the (unset) router MAC intfmgrd adds. */
export function applInterfaceEntry(fields: Fields): Fields {
  return { ...fields, mac_addr: fields.mac_addr ?? '00:00:00:00:00:00' };
}

export function applAddressEntry(family: 'IPv4' | 'IPv6'): Fields {
  return { scope: 'global', family };
}
