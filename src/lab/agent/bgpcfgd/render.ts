// What bgpcfgd renders into FRR, as plain FRR configuration lines (pure: CONFIG_DB view in,
// lines out). Shapes follow sonic-buildimage's docker-fpm-frr templates: bgpd.main.conf.j2 for
// the static part, general/{policies,peer-group,instance}.conf.j2 for a neighbor (the result
// file bgpcfgd-general-instance.result_all_v4.conf in shared/data/sonic is the oracle).
import { intToIp, ipToInt } from '../../../core/net/ipv4.ts';
import type { Fields } from '../db/keys.ts';
import type { ConfigView } from '../db/snapshot.ts';
import { isIpv4, localAsn, loopbackIpv4, type NeighborKey } from './preconditions.ts';

/** bgpcfgd's constants.yml enables maximum_paths with 64 for IPv4. */
const MAXIMUM_PATHS = 64;

/** Startup configuration of a daemon: only the hostname (lab-notes pitfall 2: namespaces share
 *  the host's UTS name, so each daemon must be told its switch's name). */
export function hostnameLines(hostname: string): string[] {
  return [`hostname ${hostname}`];
}

/** zebra's startup file. `no zebra nexthop kernel enable` avoids FRR 8.4's kernel nexthop-group
 *  bug after link flaps (lab-notes pitfall 1); forwarding is switched on here so a switch routes
 *  even when its namespace was created with forwarding off. */
export function zebraStartupConfig(hostname: string): string {
  return [...hostnameLines(hostname), 'no zebra nexthop kernel enable', 'ip forwarding', 'ipv6 forwarding', ''].join('\n');
}

/** bgpd's startup file. For the `sonic` flavour it carries bgpd.main.conf.j2's static part,
 *  rendered from CONFIG_DB as it is NOW: like SONiC, it only changes at the next restart. */
export function bgpdStartupConfig(cfg: ConfigView, hostname: string, withStaticPart: boolean): string {
  const lines = [...hostnameLines(hostname), '!'];
  if (withStaticPart) lines.push(...staticPart(cfg));
  return [...lines, ''].join('\n');
}

/** The `router bgp` block bgpcfgd's container start renders (bgpd.main.conf.j2), IPv4 only. */
export function staticPart(cfg: ConfigView): string[] {
  const asn = localAsn(cfg);
  if (!asn) return [];
  const meta = cfg.get('DEVICE_METADATA', 'localhost') ?? {};
  const lo0 = loopbackIpv4(cfg);
  const routerId = meta.bgp_router_id ?? lo0;
  const out = [...policyLines()];
  out.push(`router bgp ${asn}`);
  out.push(' bgp log-neighbor-changes');
  out.push(' no bgp default ipv4-unicast');
  out.push(' no bgp ebgp-requires-policy');
  out.push(' bgp bestpath as-path multipath-relax');
  if (routerId) out.push(` bgp router-id ${routerId}`);
  out.push(...peerGroupLines(meta, '  ').map((l) => ` ${l}`));
  out.push(' address-family ipv4 unicast');
  if (lo0) out.push(`  network ${lo0}/32`);
  for (const prefix of vlanPrefixes(cfg)) out.push(`  network ${prefix}`);
  out.push(`  maximum-paths ${MAXIMUM_PATHS}`);
  out.push(' exit-address-family');
  out.push('exit');
  return out;
}

/** IPv4 VLAN_INTERFACE prefixes as networks (FRR would mask `192.168.0.1/26` the same way). */
export function vlanPrefixes(cfg: ConfigView): string[] {
  const out: string[] = [];
  for (const key of cfg.table('VLAN_INTERFACE').keys()) {
    const bar = key.indexOf('|');
    if (bar < 0) continue;
    const [ip, len] = key.slice(bar + 1).split('/');
    if (!ip || !len || !isIpv4(ip)) continue;
    const bits = Number(len);
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    out.push(`${intToIp((ipToInt(ip) & mask) >>> 0)}/${bits}`);
  }
  return [...new Set(out)].sort();
}

/** general/policies.conf.j2 without the allow-list part: permit-all route-maps, which also
 *  satisfy FRR's `bgp ebgp-requires-policy` when the static part was never rendered. */
export function policyLines(): string[] {
  return [
    'route-map CHECK_IDF_ISOLATION permit 10',
    'exit',
    'route-map FROM_BGP_PEER_V4 permit 100',
    'exit',
    'route-map TO_BGP_PEER_V4 permit 100',
    ' call CHECK_IDF_ISOLATION',
    'exit',
    'route-map FROM_BGP_PEER_V6 permit 1',
    ' on-match next',
    ' set ipv6 next-hop prefer-global',
    'exit',
    'route-map FROM_BGP_PEER_V6 permit 100',
    'exit',
    'route-map TO_BGP_PEER_V6 permit 100',
    ' call CHECK_IDF_ISOLATION',
    'exit',
  ];
}

/** general/peer-group.conf.j2, inside `router bgp`: allowas-in only on a ToRRouter. */
function peerGroupLines(meta: Fields, indent: string): string[] {
  const tor = meta.type === 'ToRRouter';
  const out = ['neighbor PEER_V4 peer-group', 'neighbor PEER_V6 peer-group'];
  for (const v of ['4', '6'] as const) {
    out.push(`address-family ipv${v}`);
    if (tor) out.push(`${indent}neighbor PEER_V${v} allowas-in 1`);
    out.push(`${indent}neighbor PEER_V${v} soft-reconfiguration inbound`);
    out.push(`${indent}neighbor PEER_V${v} route-map FROM_BGP_PEER_V${v} in`);
    out.push(`${indent}neighbor PEER_V${v} route-map TO_BGP_PEER_V${v} out`);
    out.push('exit-address-family');
  }
  return out;
}

function routerLine(asn: string, vrf: string): string {
  return vrf === 'default' ? `router bgp ${asn}` : `router bgp ${asn} vrf ${vrf}`;
}

/** Everything add_peer pushes for a new neighbor: policies, the peer group, then the neighbor
 *  itself (general/instance.conf.j2). Creates `router bgp <bgp_asn>` if it does not exist. */
export function neighborAddLines(cfg: ConfigView, peer: NeighborKey, s: Fields): string[] {
  const asn = localAsn(cfg);
  if (!asn) throw new Error('neighborAddLines needs DEVICE_METADATA|localhost bgp_asn');
  const meta = cfg.get('DEVICE_METADATA', 'localhost') ?? {};
  const ip = peer.ip;
  const out = [...policyLines(), routerLine(asn, peer.vrf)];
  out.push(...peerGroupLines(meta, ' '));
  out.push(`neighbor ${ip} remote-as ${s.asn ?? ''}`.trimEnd());
  if (s.name) out.push(`neighbor ${ip} description ${s.name}`);
  const ka = s.keepalive ?? '60';
  const hold = s.holdtime ?? '180';
  if (Number(ka) !== 60 || Number(hold) !== 180) out.push(`neighbor ${ip} timers ${ka} ${hold}`);
  out.push(`neighbor ${ip} timers connect 10`);
  if (startsShut(meta, s)) out.push(`neighbor ${ip} shutdown`);
  const v = isIpv4(ip) ? '4' : '6';
  out.push(`address-family ipv${v}`);
  out.push(` neighbor ${ip} peer-group PEER_V${v}`);
  if (Number(s.rrclient ?? '0') !== 0) out.push(` neighbor ${ip} route-reflector-client`);
  if (Number(s.nhopself ?? '0') !== 0) out.push(` neighbor ${ip} next-hop-self`);
  out.push(` neighbor ${ip} activate`);
  out.push('exit-address-family', 'exit');
  return out;
}

/** `shutdown` when admin_status is down, or absent while default_bgp_status is down. */
export function startsShut(meta: Fields, s: Fields): boolean {
  if (s.admin_status !== undefined) return s.admin_status === 'down';
  return meta.default_bgp_status === 'down';
}

export function neighborDeleteLines(asn: string, peer: NeighborKey): string[] {
  return [routerLine(asn, peer.vrf), `no neighbor ${peer.ip}`, 'exit'];
}

export function adminStatusLines(asn: string, peer: NeighborKey, down: boolean): string[] {
  return [routerLine(asn, peer.vrf), `${down ? '' : 'no '}neighbor ${peer.ip} shutdown`, 'exit'];
}
