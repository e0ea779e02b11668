// bgpcfgd pushes a BGP_NEIGHBOR to FRR only when all of its preconditions hold; otherwise the
// neighbor waits silently forever. clos checks every rendered neighbor against them.
import type { ConfigDb } from '../model.ts';

const INTERFACE_TABLES = ['INTERFACE', 'LOOPBACK_INTERFACE', 'VLAN_INTERFACE', 'PORTCHANNEL_INTERFACE'];

/** Reasons the neighbor `peer` would wait in bgpcfgd; empty when it would be pushed. */
export function bgpcfgdBlockers(db: ConfigDb, peer: string): string[] {
  return blockers(db, peer, interfaceAddresses(db));
}

/** bgpcfgdBlockers of every BGP_NEIGHBOR of db, in key order. A spine has one neighbor and
 *  two interface keys per leaf: the interfaces are indexed once, not scanned per neighbor. */
export function bgpcfgdBlockersAll(db: ConfigDb): Map<string, string[]> {
  const addresses = interfaceAddresses(db);
  const out = new Map<string, string[]>();
  for (const peer of Object.keys(db.BGP_NEIGHBOR ?? {})) out.set(peer, blockers(db, peer, addresses));
  return out;
}

/** Addresses held by an interface whose bare key exists (`Ethernet0|10.1.0.0/31` with `Ethernet0`). */
function interfaceAddresses(db: ConfigDb): Set<string> {
  const found = new Set<string>();
  for (const t of INTERFACE_TABLES) {
    const table = db[t];
    if (!table) continue;
    for (const key of Object.keys(table)) {
      // key.split('|') → [ifname, prefix, …], without the arrays: spines have thousands of keys.
      const bar = key.indexOf('|');
      if (bar < 0 || table[key.slice(0, bar)] === undefined) continue;
      const end = key.indexOf('|', bar + 1);
      const prefix = end < 0 ? key.slice(bar + 1) : key.slice(bar + 1, end);
      const slash = prefix.indexOf('/');
      found.add(slash < 0 ? prefix : prefix.slice(0, slash));
    }
  }
  return found;
}

function blockers(db: ConfigDb, peer: string, addresses: ReadonlySet<string>): string[] {
  const n = db.BGP_NEIGHBOR?.[peer];
  if (!n) return [`BGP_NEIGHBOR|${peer} does not exist`];
  const reasons: string[] = [];
  const meta = db.DEVICE_METADATA?.localhost;
  if (!meta?.bgp_asn || !meta.type) reasons.push('DEVICE_METADATA|localhost lacks bgp_asn or type');
  const lo = db.LOOPBACK_INTERFACE ?? {};
  const hasLoopback = 'Loopback0' in lo && Object.keys(lo).some((k) => /^Loopback0\|\d+\.\d+\.\d+\.\d+\/32$/.test(k));
  if (!hasLoopback && !meta?.bgp_router_id) reasons.push('no Loopback0 with an IPv4 /32 and no bgp_router_id');
  if (n.admin_status === undefined) reasons.push('admin_status is not set (default_bgp_status may shut it)');
  const local = typeof n.local_addr === 'string' ? n.local_addr : undefined;
  if (local && !addresses.has(local)) reasons.push(`no interface with a bare key holds local_addr ${local}`);
  return reasons;
}
