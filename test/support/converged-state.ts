// What SONiC's daemons write into STATE_DB and APPL_DB once a fabric has converged (portsyncd,
// intfmgrd, bgpcfgd, bgpmon, fpmsyncd, lldp_syncd), made from the intents, in the forms
// shared/sonic-reference.md §3 gives. Host routes are written without "/32", as fpmsyncd may.
// For unit tests on in-memory switches, the CLI tests and the drift benchmark on plain redis.
import type { Fields } from '../../src/core/diff/flat.ts';
import type { Flavour, SwitchIntent } from '../../src/core/model.ts';

export interface OperationalDbs {
  readonly STATE_DB: Map<string, Fields>;
  readonly APPL_DB: Map<string, Fields>;
  /** FRR's peers (`show bgp summary json` form) for switches without bgpmon. */
  readonly frrPeers: Record<string, { remoteAs: number; localAs: number; state: string }>;
}

export function convergedState(intents: readonly SwitchIntent[], flavourOf: (s: SwitchIntent) => Flavour = (s) => s.flavour): Map<string, OperationalDbs> {
  const byName = new Map(intents.map((s) => [s.name, s]));
  const out = new Map<string, OperationalDbs>();
  for (const s of intents) {
    const sonic = flavourOf(s) === 'sonic';
    const state = new Map<string, Fields>();
    const appl = new Map<string, Fields>();
    const frrPeers: OperationalDbs['frrPeers'] = {};
    const intended = new Map(s.ports.map((p) => [p.def.name, p]));
    for (const def of s.platform.ports) {
      const p = intended.get(def.name);
      const admin = p ? 'up' : 'down';
      const oper = p?.address ? 'up' : 'down'; // server ports: nothing plugged in
      state.set(`PORT_TABLE|${def.name}`, { state: 'ok', netdev_oper_status: oper, admin_status: admin, mtu: String(p?.mtu ?? 9100) });
      appl.set(`PORT_TABLE:${def.name}`, {
        alias: def.alias,
        lanes: def.lanes,
        index: String(def.index),
        speed: String(p?.speed ?? def.speed),
        mtu: String(p?.mtu ?? 9100),
        admin_status: admin,
        oper_status: oper,
        ...(p ? { description: p.description } : {}),
      });
    }
    const interfaces: [string, string][] = s.ports.filter((p) => p.address).map((p) => [p.def.name, p.address!]);
    interfaces.push(['Loopback0', `${s.loopback}/32`]);
    if (s.vlan) interfaces.push([s.vlan.name, s.vlan.gateway]);
    for (const [ifname, prefix] of interfaces) {
      state.set(`INTERFACE_TABLE|${ifname}`, { vrf: '' });
      state.set(`INTERFACE_TABLE|${ifname}|${prefix}`, { state: 'ok' });
      appl.set(`INTF_TABLE:${ifname}`, { vrf_name: '' });
      appl.set(`INTF_TABLE:${ifname}:${prefix}`, { scope: 'global', family: 'IPv4' });
    }
    for (const n of s.neighbors) {
      if (sonic) {
        state.set(`BGP_PEER_CONFIGURED_TABLE|${n.peerIp}`, { asn: String(n.peerAsn), name: n.peerName, local_addr: n.localAddr, admin_status: 'up', holdtime: String(s.holdtime), keepalive: String(s.keepalive) });
        state.set(`NEIGH_STATE_TABLE|${n.peerIp}`, { state: 'Established', peerType: 'e-BGP' });
        const peer = byName.get(n.peerName);
        const peerPort = peer?.ports.find((p) => p.def.name === n.peerPort);
        appl.set(`LLDP_ENTRY_TABLE:${n.localPort}`, {
          lldp_rem_sys_name: n.peerName,
          lldp_rem_port_id: peerPort?.def.alias ?? n.peerPort,
          lldp_rem_port_id_subtype: '7',
          lldp_rem_port_desc: peerPort?.description ?? '',
          lldp_rem_chassis_id: '52:54:00:00:00:01',
          lldp_rem_sys_desc: 'SONiC Software Version: SONiC.clos-lab',
        });
      } else {
        frrPeers[n.peerIp] = { remoteAs: n.peerAsn, localAs: s.asn, state: 'Established' };
      }
    }
    // Every other switch's loopback, over every path: leaf to leaf through each spine.
    for (const d of intents) {
      if (d.name === s.name || (s.role === 'spine' && d.role === 'spine')) continue;
      const via = s.role === 'spine' ? s.neighbors.filter((n) => n.peerName === d.name) : d.role === 'spine' ? s.neighbors.filter((n) => n.peerName === d.name) : s.neighbors.filter((n) => n.peerRole === 'spine');
      appl.set(`ROUTE_TABLE:${d.loopback}`, { nexthop: via.map((n) => n.peerIp).join(','), ifname: via.map((n) => n.localPort).join(','), protocol: 'bgp' });
    }
    out.set(s.name, { STATE_DB: state, APPL_DB: appl, frrPeers });
  }
  return out;
}
