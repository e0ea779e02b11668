// bgpcfgd pushes a BGP_NEIGHBOR to FRR only when all of its preconditions hold; otherwise the
// neighbor waits silently forever. clos checks every rendered neighbor against them.
import type { ConfigDb } from '../model.ts';

const INTERFACE_TABLES = ['INTERFACE', 'LOOPBACK_INTERFACE', 'VLAN_INTERFACE', 'PORTCHANNEL_INTERFACE'];

/** Reasons the neighbor `peer` would wait in bgpcfgd; empty when it would be pushed. */
export function bgpcfgdBlockers(db: ConfigDb, peer: string): string[] {
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
  if (local) {
    let found = false;
    for (const t of INTERFACE_TABLES) {
      for (const key of Object.keys(db[t] ?? {})) {
        const [ifname, prefix] = key.split('|');
        if (prefix?.split('/')[0] === local && db[t]![ifname!] !== undefined) found = true;
      }
    }
    if (!found) reasons.push(`no interface with a bare key holds local_addr ${local}`);
  }
  return reasons;
}
