// One renderer per CONFIG_DB table, as bgpcfgd has one manager per table. Each returns the
// table's entries for one switch, in SONiC's own field names and string values.
import { dict } from '../dict.ts';
import type { SwitchIntent } from '../model.ts';

export type Entries = Record<string, Record<string, string | string[]>>;

/** SONiC's role names: a ToR leaf is ToRRouter (T0), a spine of a two-tier Clos LeafRouter (T1). */
export function sonicType(role: 'spine' | 'leaf'): string {
  return role === 'leaf' ? 'ToRRouter' : 'LeafRouter';
}

export function renderDeviceMetadata(s: SwitchIntent): Entries {
  return {
    localhost: {
      hostname: s.name,
      bgp_asn: String(s.asn),
      type: sonicType(s.role),
      hwsku: s.hwsku,
      // The YANG default is "unified": bgpcfgd only consumes CONFIG_DB in "separated" mode.
      docker_routing_config_mode: 'separated',
      bgp_router_id: s.routerId,
    },
  };
}

export function renderPort(s: SwitchIntent): Entries {
  const out: Entries = dict();
  for (const p of s.ports) {
    out[p.def.name] = {
      admin_status: 'up', // SONiC's default is down
      alias: p.def.alias,
      description: p.description,
      index: String(p.def.index),
      lanes: p.def.lanes,
      mtu: String(p.mtu),
      speed: String(p.speed),
    };
  }
  return out;
}

/** INTERFACE: the bare key is required; intfmgrd adds no address before it exists. */
export function renderInterface(s: SwitchIntent): Entries {
  const out: Entries = dict();
  for (const p of s.ports) {
    if (!p.address) continue;
    out[p.def.name] = {};
    out[`${p.def.name}|${p.address}`] = {};
  }
  return out;
}

export function renderLoopbackInterface(s: SwitchIntent): Entries {
  return { Loopback0: {}, [`Loopback0|${s.loopback}/32`]: {} };
}

export function renderBgpNeighbor(s: SwitchIntent): Entries {
  const out: Entries = dict();
  for (const n of s.neighbors) {
    out[n.peerIp] = {
      // Always written: with default_bgp_status "down" a neighbor without it starts shut.
      admin_status: 'up',
      asn: String(n.peerAsn),
      holdtime: String(s.holdtime),
      keepalive: String(s.keepalive),
      local_addr: n.localAddr,
      name: n.peerName,
      nhopself: '0',
      rrclient: '0',
    };
  }
  return out;
}

export function renderDeviceNeighbor(s: SwitchIntent): Entries {
  const out: Entries = dict();
  for (const n of s.neighbors) out[n.localPort] = { name: n.peerName, port: n.peerPort };
  return out;
}

export function renderDeviceNeighborMetadata(s: SwitchIntent): Entries {
  const out: Entries = dict();
  for (const n of s.neighbors) {
    out[n.peerName] = {
      hwsku: n.peerHwsku,
      lo_addr: `${n.peerLoopback}/32`,
      ...(n.peerMgmt ? { mgmt_addr: n.peerMgmt } : {}),
      type: sonicType(n.peerRole),
    };
  }
  return out;
}

export function renderVlan(s: SwitchIntent): Entries {
  return s.vlan ? { [s.vlan.name]: { vlanid: String(s.vlan.vlan) } } : {};
}

export function renderVlanMember(s: SwitchIntent): Entries {
  const out: Entries = dict();
  if (s.vlan) for (const p of s.vlan.ports) out[`${s.vlan.name}|${p}`] = { tagging_mode: 'untagged' };
  return out;
}

export function renderVlanInterface(s: SwitchIntent): Entries {
  return s.vlan ? { [s.vlan.name]: {}, [`${s.vlan.name}|${s.vlan.gateway}`]: {} } : {};
}
