// BGP for switches without bgpcfgd (docker-sonic-vs release images, the lab's legacy-vs):
// the same FRR configuration bgpcfgd would produce from CONFIG_DB, as vtysh configuration
// lines, so both flavours end in the same routing state.
import type { SwitchIntent } from '../model.ts';

export const PEER_GROUP = 'PEER_V4';

export function renderFrrBgp(s: SwitchIntent): string[] {
  const lines = [
    `router bgp ${s.asn}`,
    ` bgp router-id ${s.routerId}`,
    ' no bgp ebgp-requires-policy',
    ' bgp bestpath as-path multipath-relax',
    ' no bgp default ipv4-unicast',
    ` neighbor ${PEER_GROUP} peer-group`,
  ];
  for (const n of s.neighbors) {
    lines.push(
      ` neighbor ${n.peerIp} remote-as ${n.peerAsn}`,
      ` neighbor ${n.peerIp} description ${n.peerName}`,
      ` neighbor ${n.peerIp} timers ${s.keepalive} ${s.holdtime}`,
      ` neighbor ${n.peerIp} timers connect 10`,
    );
  }
  lines.push(' address-family ipv4 unicast', '  maximum-paths 64', `  network ${s.loopback}/32`);
  if (s.vlan) lines.push(`  network ${s.vlan.prefix}`);
  lines.push(`  neighbor ${PEER_GROUP} soft-reconfiguration inbound`);
  if (s.role === 'leaf') lines.push(`  neighbor ${PEER_GROUP} allowas-in 1`);
  for (const n of s.neighbors) lines.push(`  neighbor ${n.peerIp} peer-group ${PEER_GROUP}`, `  neighbor ${n.peerIp} activate`);
  lines.push(' exit-address-family', 'exit');
  return lines;
}

/** The neighbors FRR should have (ip → remote ASN), to compare with `show bgp summary json`. */
export function intendedPeers(s: SwitchIntent): Map<string, number> {
  return new Map(s.neighbors.map((n) => [n.peerIp, n.peerAsn]));
}
