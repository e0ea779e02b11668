// What the lab builds, read from the compiled fabric: switches with their platform ports, and
// cables from the lock's allocations (leafPort ↔ spinePort of each link). Elements the lock
// keeps reserved after removal (`removed: true`) are not built.
import type { Allocation, Fabric, Flavour, PortDef, Role } from '../core/model.ts';

export interface LabSwitch {
  readonly name: string;
  readonly role: Role;
  readonly hwsku: string;
  readonly flavour: Flavour;
  readonly ports: readonly PortDef[];
  readonly mgmt?: string;
  /** Ports no cable may ever reach (not cabled, not a spine port that may take a leaf later):
   *  they get an unplugged netdev so VLAN members and `show interfaces` find them. */
  readonly unplugged: readonly string[];
}

export interface LabLink {
  readonly leaf: string;
  readonly leafPort: string;
  readonly spine: string;
  readonly spinePort: string;
}

export interface LabTopology {
  readonly fabric: string;
  readonly mtu: number;
  readonly switches: readonly LabSwitch[];
  readonly links: readonly LabLink[];
}

export function labTopology(c: { fabric: Fabric; allocation: Allocation }, flavour?: Flavour): LabTopology {
  const { fabric, allocation } = c;
  const links = [...allocation.links.values()]
    .filter((l) => !l.removed && fabric.switches.has(l.leaf) && fabric.switches.has(l.spine))
    .map(({ leaf, leafPort, spine, spinePort }) => ({ leaf, leafPort, spine, spinePort }));
  const cabled = new Map<string, Set<string>>();
  const mark = (sw: string, port: string) => (cabled.get(sw) ?? cabled.set(sw, new Set()).get(sw)!).add(port);
  for (const l of links) {
    mark(l.leaf, l.leafPort);
    mark(l.spine, l.spinePort);
  }
  const spinePorts = new Set(fabric.spinePorts);
  const switches = [...fabric.spines, ...fabric.leaves]
    .filter((s) => !allocation.switches.get(s.name)?.removed)
    .map((s) => ({
      name: s.name,
      role: s.role,
      hwsku: s.hwsku,
      flavour: flavour ?? s.flavour,
      ports: s.platform.ports,
      ...(s.mgmt ? { mgmt: s.mgmt } : {}),
      unplugged: s.platform.ports
        .map((p) => p.name)
        .filter((p) => !cabled.get(s.name)?.has(p) && !(s.role === 'spine' && spinePorts.has(p))),
    }));
  return { fabric: fabric.name, mtu: fabric.underlay.mtu, switches, links };
}
