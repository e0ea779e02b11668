// The fabric's documents all read one model, taken from the compiled intent (the same
// SwitchIntents `clos render` renders), so a cable, an address or an ASN in a document is the one
// the switches are told. `--racks` narrows the model to what those racks add: their leaves, the
// cables to them, the addresses on both ends of those cables, their ASNs. Pure: no I/O.
import type { Compiled } from '../core/compile.ts';
import type { PortIntent, Rack, SwitchIntent } from '../core/model.ts';
import { portNumber } from '../core/platform/ports.ts';

export interface CableDoc {
  /** Printed on both ends: fabric, rack and the cable's number within the rack. */
  readonly label: string;
  readonly rack: string;
  readonly leaf: string;
  readonly leafPort: string;
  readonly leafAlias: string;
  readonly leafAddress: string; // 10.1.0.1/31
  readonly spine: string;
  readonly spinePort: string;
  readonly spineAlias: string;
  readonly spineAddress: string;
  readonly speed: number; // Mb/s
}

export type AddressRole = 'loopback' | 'p2p' | 'server-gateway';

export interface AddressDoc {
  readonly switch: string;
  readonly interface: string;
  readonly address: string; // with prefix length, as CONFIG_DB keys carry it
  readonly role: AddressRole;
  /** The far end (switch:port) of a p2p address; the VLAN's subnet for a server gateway. */
  readonly peer: string;
}

export interface RackDoc {
  readonly rack: Rack;
  readonly leaves: readonly SwitchIntent[];
  readonly cables: readonly CableDoc[];
}

export interface Handbook {
  readonly fabric: string;
  readonly description?: string;
  /** The racks of `--racks`, in the order given; undefined: the whole fabric. */
  readonly scope?: readonly string[];
  readonly spines: readonly SwitchIntent[];
  readonly racks: readonly RackDoc[];
  readonly cables: readonly CableDoc[];
  readonly addresses: readonly AddressDoc[];
  /** Allocation changes not yet in the lock: the documents show values no lock holds yet. */
  readonly pending: number;
  readonly compiled: Compiled;
}

/** Names in `racks` that the fabric has no rack for. */
export function unknownRacks(compiled: Compiled, racks: readonly string[]): string[] {
  const known = new Set(compiled.fabric.racks.map((r) => r.name));
  return racks.filter((r) => !known.has(r));
}

export function buildHandbook(compiled: Compiled, racks?: readonly string[]): Handbook {
  const { fabric, intents } = compiled;
  const byName = new Map(intents.map((s) => [s.name, s]));
  const scope = racks === undefined ? undefined : new Set(racks);
  const ports = portsOf();
  const rackDocs: RackDoc[] = [];
  for (const rack of fabric.racks) {
    if (scope && !scope.has(rack.name)) continue;
    const leaves = rack.leaves.map((n) => byName.get(n)!);
    rackDocs.push({ rack, leaves, cables: rackCables(fabric.name, rack.name, leaves, byName, ports) });
  }
  const cables = rackDocs.flatMap((r) => r.cables);
  const inScope = new Set(rackDocs.flatMap((r) => r.leaves.map((l) => l.name)));
  const spines = intents.filter((s) => s.role === 'spine');
  const addresses: AddressDoc[] = [];
  for (const s of [...spines, ...rackDocs.flatMap((r) => r.leaves)]) addresses.push(...switchAddresses(s, s.role === 'leaf' || !scope ? undefined : inScope));
  return {
    fabric: fabric.name,
    ...(fabric.description === undefined ? {} : { description: fabric.description }),
    ...(racks === undefined ? {} : { scope: [...new Set(racks)] }),
    spines,
    racks: rackDocs,
    cables,
    addresses,
    pending: compiled.changes.length,
    compiled,
  };
}

/** A rack's cables, one per leaf uplink, by leaf (rack order) and uplink (port order). */
function rackCables(
  fabric: string,
  rack: string,
  leaves: readonly SwitchIntent[],
  byName: ReadonlyMap<string, SwitchIntent>,
  ports: (s: SwitchIntent) => ReadonlyMap<string, PortIntent>,
): CableDoc[] {
  const out: CableDoc[] = [];
  const count = leaves.reduce((n, l) => n + l.neighbors.length, 0);
  const digits = Math.max(2, String(count).length);
  for (const leaf of leaves) {
    const uplinks = [...leaf.neighbors].sort((a, b) => portNumber(a.localPort) - portNumber(b.localPort));
    for (const n of uplinks) {
      const spine = byName.get(n.peerName)!;
      const leafPort = ports(leaf).get(n.localPort)!;
      const spinePort = ports(spine).get(n.peerPort)!;
      out.push({
        label: `${fabric}-${rack}-${String(out.length + 1).padStart(digits, '0')}`,
        rack,
        leaf: leaf.name,
        leafPort: n.localPort,
        leafAlias: leafPort.def.alias,
        leafAddress: leafPort.address!,
        spine: spine.name,
        spinePort: n.peerPort,
        spineAlias: spinePort.def.alias,
        spineAddress: spinePort.address!,
        speed: leafPort.speed,
      });
    }
  }
  return out;
}

/** A switch's ports by name, built once per switch (a spine has one per leaf). */
function portsOf(): (s: SwitchIntent) => ReadonlyMap<string, PortIntent> {
  const cache = new Map<string, Map<string, PortIntent>>();
  return (s) => {
    let m = cache.get(s.name);
    if (!m) cache.set(s.name, (m = new Map(s.ports.map((p) => [p.def.name, p]))));
    return m;
  };
}

/** Every address clos puts on a switch, in interface order: Loopback0, the routed ports, the
 *  VLAN. `peers`: keep only the ports cabled to these switches (a spine in a --racks scope). */
function switchAddresses(s: SwitchIntent, peers: ReadonlySet<string> | undefined): AddressDoc[] {
  const out: AddressDoc[] = [];
  if (!peers) out.push({ switch: s.name, interface: 'Loopback0', address: `${s.loopback}/32`, role: 'loopback', peer: '' });
  const byPort = new Map(s.neighbors.map((n) => [n.localPort, n]));
  for (const p of s.ports) {
    const n = byPort.get(p.def.name);
    if (!p.address || !n || (peers && !peers.has(n.peerName))) continue;
    out.push({ switch: s.name, interface: p.def.name, address: p.address, role: 'p2p', peer: `${n.peerName}:${n.peerPort}` });
  }
  if (s.vlan && !peers) out.push({ switch: s.name, interface: s.vlan.name, address: s.vlan.gateway, role: 'server-gateway', peer: s.vlan.prefix });
  return out;
}

/** Port names as the fabric file writes them: runs with one step become `EthernetA-EthernetB/S`. */
export function portRanges(ports: readonly string[]): string {
  const nums = ports.map(portNumber);
  const parts: string[] = [];
  let i = 0;
  while (i < nums.length) {
    let j = i + 1;
    const step = j < nums.length ? nums[j]! - nums[i]! : 0;
    if (step > 0) while (j + 1 < nums.length && nums[j + 1]! - nums[j]! === step) j++;
    if (step > 0 && j - i >= 2) {
      parts.push(`Ethernet${nums[i]}-Ethernet${nums[j]}${step === 1 ? '' : `/${step}`}`);
      i = j + 1;
    } else {
      parts.push(`Ethernet${nums[i]}`);
      i++;
    }
  }
  return parts.join(', ');
}

export function speedLabel(mbps: number): string {
  return mbps % 1000 === 0 ? `${mbps / 1000}G` : `${mbps}M`;
}
