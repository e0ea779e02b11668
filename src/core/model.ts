// The types of the pipeline's stages, one per stage, all readonly:
//   RawFabric (fabric/schema.ts) ─resolve→ Fabric ─allocate(lock)→ Allocation ─build→ SwitchIntent[]
//   ─render→ ConfigDb per switch.
import type { DocPath } from './diagnostics.ts';

export type Role = 'spine' | 'leaf';
export type Flavour = 'sonic' | 'legacy-vs';

export interface PortDef {
  readonly name: string; // SONiC name, Ethernet0
  readonly alias: string; // front-panel alias, fortyGigE0/0
  readonly lanes: string; // "25,26,27,28"
  readonly index: number;
  readonly speed: number; // Mb/s
}

export interface Platform {
  readonly name: string; // the hwsku
  readonly speed: number;
  readonly ports: readonly PortDef[]; // in front-panel order
  readonly portsByName: ReadonlyMap<string, PortDef>;
}

export interface SwitchDef {
  readonly name: string;
  readonly role: Role;
  readonly hwsku: string;
  readonly platform: Platform;
  readonly flavour: Flavour;
  readonly mgmt?: string;
  readonly rack?: string; // leaves only
  readonly pinnedAsn?: number;
  readonly pinnedLoopback?: string; // bare IPv4
  /** Foreign CONFIG_DB keys the fabric file keeps on this switch (adoption.keep, the
   *  fabric's and the switch's); absent when none. */
  readonly keep?: readonly string[];
  readonly path: DocPath; // where it is declared (for diagnostics)
}

export interface ServerVlan {
  readonly vlan: number;
  readonly ports: readonly string[];
  readonly prefixLength: number;
  readonly path: DocPath;
}

export interface Rack {
  readonly name: string;
  readonly leaves: readonly string[];
  readonly servers?: ServerVlan;
  readonly path: DocPath;
}

/** One spine-leaf cable. Its identity is the pair (leaf, spine): `linkId()`. */
export interface Cable {
  readonly leaf: string;
  readonly leafPort: string;
  readonly spine: string;
  /** Set when an explicit `links:` entry fixes the spine port; otherwise allocated. */
  readonly spinePort?: string;
  readonly path: DocPath;
}

export interface Pool {
  readonly cidr: string; // as written, normalised: 10.0.0.0/24
  readonly base: number; // network address as uint32
  readonly prefixLength: number;
  readonly path: DocPath;
}

export interface Underlay {
  readonly spineAsn: number;
  readonly leafAsns: { readonly first: number; readonly last: number; readonly path: DocPath };
  readonly loopbacks: Pool;
  readonly p2p: Pool;
  readonly servers?: Pool;
  readonly keepalive: number;
  readonly holdtime: number;
  readonly mtu: number;
  readonly portSpeed?: number;
}

export interface Fabric {
  readonly name: string;
  readonly description?: string;
  readonly underlay: Underlay;
  readonly spines: readonly SwitchDef[]; // in file order: uplink i goes to spines[i]
  readonly leaves: readonly SwitchDef[]; // in file order
  readonly switches: ReadonlyMap<string, SwitchDef>;
  readonly racks: readonly Rack[];
  readonly spinePorts: readonly string[]; // spine ports that may take leaves, in hand-out order
  readonly spinePortsPath: DocPath;
  readonly cables: readonly Cable[]; // one per (leaf, spine)
}

export function linkId(leaf: string, spine: string): string {
  return `${leaf} -- ${spine}`;
}

/** The allocation of one switch, as recorded in the lock file. */
export interface SwitchAllocation {
  readonly role: Role;
  readonly rack?: string;
  readonly asn?: number; // leaves
  readonly loopback: string; // bare IPv4
  readonly servers?: string; // leaf server prefix, CIDR
  /** In the lock but no longer in the fabric file: kept reserved until --prune. */
  readonly removed?: boolean;
}

export interface LinkAllocation {
  readonly leaf: string;
  readonly leafPort: string;
  readonly spine: string;
  readonly spinePort: string;
  readonly p2p: string; // the /31, CIDR; spine takes the even address
  readonly removed?: boolean;
}

export interface Allocation {
  readonly fabric: string;
  readonly switches: ReadonlyMap<string, SwitchAllocation>;
  readonly links: ReadonlyMap<string, LinkAllocation>; // keyed by linkId(leaf, spine)
}

/** One difference between the lock and the new allocation, for `plan` and for refusals. */
export interface AllocationChange {
  readonly kind: 'add' | 'move' | 'release' | 'remove';
  readonly object: string; // "switch leaf5" or "link leaf5 -- spine1"
  readonly field: string; // asn, loopback, servers, spine-port, p2p, ...
  readonly from?: string;
  readonly to?: string;
}

export interface NeighborIntent {
  readonly peerIp: string;
  readonly peerName: string;
  readonly peerAsn: number;
  readonly peerRole: Role;
  readonly peerHwsku: string;
  readonly peerLoopback: string;
  readonly peerMgmt?: string;
  readonly localAddr: string;
  readonly localPort: string;
  readonly peerPort: string;
}

export interface PortIntent {
  readonly def: PortDef;
  readonly speed: number;
  readonly mtu: number;
  readonly description: string;
  /** Routed port address with prefix length (10.1.0.1/31); absent for VLAN members. */
  readonly address?: string;
}

export interface VlanIntent {
  readonly vlan: number;
  readonly name: string; // Vlan1000
  readonly ports: readonly string[];
  readonly gateway: string; // 192.168.0.1/26
  readonly prefix: string; // 192.168.0.0/26
}

export interface SwitchIntent {
  readonly name: string;
  readonly role: Role;
  readonly hwsku: string;
  readonly platform: Platform;
  readonly flavour: Flavour;
  readonly mgmt?: string;
  readonly rack?: string;
  readonly asn: number;
  readonly routerId: string;
  readonly loopback: string; // bare IPv4
  readonly keepalive: number;
  readonly holdtime: number;
  readonly ports: readonly PortIntent[]; // cabled and server ports, front-panel order
  readonly neighbors: readonly NeighborIntent[];
  readonly vlan?: VlanIntent;
  /** Spines in the fabric: the ECMP width a leaf must reach. */
  readonly spineCount: number;
  /** Foreign CONFIG_DB keys in clos's scope that stay (adoption.keep); absent when none. */
  readonly keep?: readonly string[];
}

/** CONFIG_DB in config_db.json form: TABLE → key → field → value (list fields as arrays). */
export type ConfigDb = Record<string, Record<string, Record<string, string | string[]>>>;
