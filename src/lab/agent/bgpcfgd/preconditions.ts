// When bgpcfgd may push a BGP_NEIGHBOR to FRR (sonic-reference §2, from sonic-bgpcfgd's
// BGPPeerMgrBase: its declared dependencies plus the checks in add_peer). Until every condition
// holds the neighbor waits silently; it is re-evaluated whenever a table it depends on changes.
import type { Fields } from '../db/keys.ts';
import type { ConfigView } from '../db/snapshot.ts';

/** Interface tables in which bgpcfgd looks up `local_addr` (its InterfaceMgr instances). */
const ADDRESS_TABLES = ['INTERFACE', 'LOOPBACK_INTERFACE', 'VLAN_INTERFACE', 'PORTCHANNEL_INTERFACE'] as const;

export type Readiness = { readonly ready: true } | { readonly ready: false; readonly waitingFor: string };

export interface NeighborKey {
  readonly vrf: string; // "default" for the bare key form
  readonly ip: string;
}

/** BGP_NEIGHBOR keys are bare `<ip>` or `<vrf>|<ip>`; `default|<ip>` is the default VRF. */
export function parseNeighborKey(key: string): NeighborKey {
  const i = key.indexOf('|');
  return i < 0 ? { vrf: 'default', ip: key } : { vrf: key.slice(0, i), ip: key.slice(i + 1) };
}

/** bgpcfgd treats "none"/"null" as no ASN at all (bgpd.main.conf.j2 does the same). */
export function localAsn(cfg: ConfigView): string | undefined {
  const asn = cfg.get('DEVICE_METADATA', 'localhost')?.bgp_asn;
  if (!asn || asn.toLowerCase() === 'none' || asn.toLowerCase() === 'null') return undefined;
  return asn;
}

/** First IPv4 address of a loopback (`Loopback0|10.1.0.1/32` → 10.1.0.1), as get_lo_ipv4. */
export function loopbackIpv4(cfg: ConfigView, name = 'Loopback0'): string | undefined {
  for (const key of cfg.table('LOOPBACK_INTERFACE').keys()) {
    if (!key.startsWith(`${name}|`)) continue;
    const ip = key.slice(name.length + 1).split('/')[0] ?? '';
    if (isIpv4(ip)) return ip;
  }
  return undefined;
}

export function neighborReadiness(cfg: ConfigView, key: string, fields: Fields): Readiness {
  const meta = cfg.get('DEVICE_METADATA', 'localhost');
  if (!localAsn(cfg)) return { ready: false, waitingFor: 'DEVICE_METADATA|localhost bgp_asn' };
  if (!meta?.type) return { ready: false, waitingFor: 'DEVICE_METADATA|localhost type' };
  if (!cfg.get('LOOPBACK_INTERFACE', 'Loopback0')) return { ready: false, waitingFor: 'LOOPBACK_INTERFACE|Loopback0' };
  if (!loopbackIpv4(cfg) && !meta.bgp_router_id) {
    return { ready: false, waitingFor: 'a Loopback0 IPv4 address or bgp_router_id' };
  }
  const local = fields.local_addr;
  if (local !== undefined) {
    const ip = local.split('/')[0] ?? '';
    if (!localInterfaceFor(cfg, ip, parseNeighborKey(key).vrf)) {
      return { ready: false, waitingFor: `an interface holding local_addr ${ip}` };
    }
  }
  return { ready: true };
}

/** The interface whose address entry holds `ip` and whose bare key exists, in the peer's VRF
 *  (get_local_interface: a default-VRF peer never matches an interface bound to a VRF). */
export function localInterfaceFor(cfg: ConfigView, ip: string, vrf: string): string | undefined {
  for (const table of ADDRESS_TABLES) {
    for (const key of cfg.table(table).keys()) {
      const bar = key.indexOf('|');
      if (bar < 0) continue;
      const ifname = key.slice(0, bar);
      if ((key.slice(bar + 1).split('/')[0] ?? '') !== ip) continue;
      const bare = cfg.get(table, ifname);
      if (!bare) continue;
      const ifVrf = bare.vrf_name ?? bare.vnet_name ?? '';
      if (vrf === 'default' ? ifVrf !== '' : ifVrf !== vrf) continue;
      return ifname;
    }
  }
  return undefined;
}

export function isIpv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}
