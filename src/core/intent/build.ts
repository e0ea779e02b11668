// Stage 4: Fabric + Allocation → one SwitchIntent per switch: everything a switch must be told,
// in clos's own terms. Rendering into SONiC's tables happens later, in render/.
import type {
  Allocation,
  Fabric,
  LinkAllocation,
  NeighborIntent,
  PortIntent,
  Rack,
  SwitchDef,
  SwitchIntent,
  VlanIntent,
} from '../model.ts';
import { intToIp, ipToInt } from '../net/ipv4.ts';
import { portNumber } from '../platform/ports.ts';

export function buildIntents(fabric: Fabric, allocation: Allocation): SwitchIntent[] {
  const bySwitch = new Map<string, LinkAllocation[]>();
  for (const l of allocation.links.values()) {
    if (l.removed) continue;
    for (const end of [l.leaf, l.spine]) {
      const list = bySwitch.get(end);
      if (list) list.push(l);
      else bySwitch.set(end, [l]);
    }
  }
  const spineCount = fabric.spines.length;
  const racks = new Map<string, Rack>();
  for (const r of fabric.racks) if (!racks.has(r.name)) racks.set(r.name, r);
  return [...fabric.spines, ...fabric.leaves].map((s) =>
    buildSwitch(fabric, allocation, s, bySwitch.get(s.name) ?? [], spineCount, s.rack === undefined ? undefined : racks.get(s.rack)),
  );
}

function buildSwitch(
  fabric: Fabric,
  allocation: Allocation,
  s: SwitchDef,
  links: readonly LinkAllocation[],
  spineCount: number,
  rack: Rack | undefined,
): SwitchIntent {
  const u = fabric.underlay;
  const own = allocation.switches.get(s.name)!;
  const asn = s.role === 'spine' ? u.spineAsn : own.asn!;
  const ports: PortIntent[] = [];
  const neighbors: NeighborIntent[] = [];
  const port = (name: string, description: string, address?: string): void => {
    const def = s.platform.portsByName.get(name)!;
    ports.push({ def, speed: u.portSpeed ?? def.speed, mtu: u.mtu, description, ...(address ? { address } : {}) });
  };
  for (const l of links) {
    const slash = l.p2p.indexOf('/');
    const base = ipToInt(slash < 0 ? l.p2p : l.p2p.slice(0, slash));
    const spineIp = intToIp(base);
    const leafIp = intToIp(base + 1);
    const isSpine = s.role === 'spine';
    const peerName = isSpine ? l.leaf : l.spine;
    const peer = fabric.switches.get(peerName)!;
    const peerAlloc = allocation.switches.get(peerName)!;
    const localPort = isSpine ? l.spinePort : l.leafPort;
    const peerPort = isSpine ? l.leafPort : l.spinePort;
    const localAddr = isSpine ? spineIp : leafIp;
    port(localPort, `${peerName}:${peerPort}`, `${localAddr}/31`);
    neighbors.push({
      peerIp: isSpine ? leafIp : spineIp,
      peerName,
      peerAsn: isSpine ? peerAlloc.asn! : u.spineAsn,
      peerRole: peer.role,
      peerHwsku: peer.hwsku,
      peerLoopback: peerAlloc.loopback,
      ...(peer.mgmt ? { peerMgmt: peer.mgmt } : {}),
      localAddr,
      localPort,
      peerPort,
    });
  }
  let vlan: VlanIntent | undefined;
  if (rack?.servers && own.servers) {
    const name = `Vlan${rack.servers.vlan}`;
    for (const p of rack.servers.ports) port(p, `servers:${name}`);
    const [net, len] = own.servers.split('/');
    vlan = { vlan: rack.servers.vlan, name, ports: rack.servers.ports, gateway: `${intToIp(ipToInt(net!) + 1)}/${len}`, prefix: own.servers };
  }
  sortBy(ports, (p) => portNumber(p.def.name));
  sortBy(neighbors, (n) => ipToInt(n.peerIp));
  return {
    name: s.name,
    role: s.role,
    hwsku: s.hwsku,
    platform: s.platform,
    flavour: s.flavour,
    ...(s.mgmt ? { mgmt: s.mgmt } : {}),
    ...(s.rack ? { rack: s.rack } : {}),
    asn,
    routerId: own.loopback,
    loopback: own.loopback,
    keepalive: u.keepalive,
    holdtime: u.holdtime,
    ports,
    neighbors,
    ...(vlan ? { vlan } : {}),
    spineCount,
    ...(s.keep ? { keep: s.keep } : {}),
  };
}

/** Sorts in place by a numeric key computed once per item (a spine has thousands of ports and
 *  neighbors); stable, as Array.prototype.sort is. */
function sortBy<T>(items: T[], key: (item: T) => number): void {
  const keyed = items.map((item) => ({ item, k: key(item) }));
  keyed.sort((a, b) => a.k - b.k);
  keyed.forEach((x, i) => (items[i] = x.item));
}
