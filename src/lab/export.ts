// `clos lab export`: the same fabric as a containerlab topology (docker-sonic-vs containers or
// sonic-vm VMs) plus the inventory to reach those nodes. Both kinds map data interfaces
// eth1 → Ethernet0, eth2 → Ethernet4, … (EthernetM = 4·(N−1)) on a Force10-S6000 layout, so a
// port that is not a multiple of 4, or another platform, cannot be exported.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { stringify } from 'yaml';
import type { Flavour } from '../core/model.ts';
import type { Inventory, InventorySwitch } from '../inventory/schema.ts';
import { renderInventory } from '../inventory/write.ts';
import { loadFabric } from '../io/fabric.ts';
import { cidrHosts, formatIp } from './addresses.ts';
import { type LabTopology, labTopology } from './topology.ts';

export const EXPORT_KINDS = ['sonic-vs', 'sonic-vm'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

export const DEFAULT_IMAGES: Record<ExportKind, string> = {
  'sonic-vs': 'docker-sonic-vs:latest',
  'sonic-vm': 'vrnetlab/sonic_sonic-vs:latest',
};

/** The platform both kinds boot with (docker-sonic-vs and the SONiC VM default HWSKU). */
const NODE_HWSKU = 'Force10-S6000';
const NODE_MAX_PORT = 124;

export interface ExportOptions {
  readonly kind: ExportKind;
  readonly image?: string;
  readonly mgmtSubnet?: string; // default 172.20.20.0/24 (containerlab's default network)
  /** Flavour recorded in the inventory; sonic-vs release images behave as legacy-vs. */
  readonly flavour?: Flavour;
}

export type Exported =
  | { readonly ok: true; readonly topology: string; readonly inventory: Inventory }
  | { readonly ok: false; readonly errors: readonly string[] };

/** eth index of a SONiC port, or undefined when the port has none. */
export function ethOf(port: string): number | undefined {
  const m = /^Ethernet(\d+)$/.exec(port);
  const n = m ? Number(m[1]) : NaN;
  return Number.isInteger(n) && n % 4 === 0 && n <= NODE_MAX_PORT ? n / 4 + 1 : undefined;
}

export function exportTopology(topo: LabTopology, opts: ExportOptions): Exported {
  const errors: string[] = [];
  const badSku = new Set<string>();
  for (const s of topo.switches) {
    if (s.hwsku !== NODE_HWSKU) badSku.add(s.name);
    if (s.hwsku !== NODE_HWSKU) errors.push(`switch ${s.name}: hwsku ${s.hwsku} cannot be exported: ${opts.kind} nodes run ${NODE_HWSKU} (32 × 40G, Ethernet0-Ethernet124/4)`);
  }
  for (const l of topo.links) {
    for (const [sw, port] of [[l.spine, l.spinePort], [l.leaf, l.leafPort]] as const) {
      if (!badSku.has(sw) && ethOf(port) === undefined) errors.push(`switch ${sw}: port ${port} (link ${l.leaf} -- ${l.spine}) has no containerlab interface: only Ethernet0-Ethernet124 in steps of 4 map to eth1-eth32`);
    }
  }
  const subnet = opts.mgmtSubnet ?? '172.20.20.0/24';
  const mgmt = mgmtAddresses(topo, subnet, errors);
  if (errors.length > 0) return { ok: false, errors: [...new Set(errors)] };

  const nodes: Record<string, Record<string, unknown>> = {};
  for (const s of topo.switches) nodes[s.name] = { kind: opts.kind, 'mgmt-ipv4': mgmt.get(s.name) };
  const links = [...topo.links]
    .sort((a, b) => a.spine.localeCompare(b.spine, 'en', { numeric: true }) || ethOf(a.spinePort)! - ethOf(b.spinePort)!)
    .map((l) => ({ endpoints: [`${l.spine}:eth${ethOf(l.spinePort)}`, `${l.leaf}:eth${ethOf(l.leafPort)}`] }));
  const doc = {
    name: topo.fabric,
    mgmt: { network: `clos-${topo.fabric}`, 'ipv4-subnet': subnet },
    topology: {
      kinds: { [opts.kind]: { image: opts.image ?? DEFAULT_IMAGES[opts.kind] } },
      nodes,
      links,
    },
  };
  const header = `# containerlab topology of fabric ${topo.fabric}, written by \`clos lab export --kind ${opts.kind}\`.\n# eth1 = Ethernet0, eth2 = Ethernet4, … (EthernetM = 4·(N−1)). Deploy: containerlab deploy -t ${topo.fabric}.clab.yml\n`;
  const switches: Record<string, InventorySwitch> = {};
  for (const s of topo.switches) switches[s.name] = inventoryEntry(topo.fabric, s.name, mgmt.get(s.name)!, opts);
  return { ok: true, topology: header + stringify(doc), inventory: { version: 1, fabric: topo.fabric, switches } };
}

function inventoryEntry(fabric: string, node: string, mgmt: string, opts: ExportOptions): InventorySwitch {
  const container = `clab-${fabric}-${node}`;
  if (opts.kind === 'sonic-vs') {
    // Redis listens inside the container only: reach it through `docker exec`.
    return {
      transport: 'redis',
      mgmt,
      flavour: opts.flavour ?? 'legacy-vs',
      redis: { host: '127.0.0.1', port: 6379, via: { kind: 'docker-exec', container } },
      exec: { kind: 'docker', container },
    };
  }
  // The VM runs sonic-gnmi (plaintext 8080 without a GNMI|gnmi entry) and sshd (admin/admin);
  // its redis is localhost-only: reachable through an SSH tunnel.
  return {
    transport: 'gnmi',
    mgmt,
    flavour: opts.flavour ?? 'sonic',
    gnmi: { host: mgmt, port: 8080, tls: false, username: 'admin', passwordEnv: 'CLOS_SWITCH_PASSWORD' },
    redis: { host: '127.0.0.1', port: 6379, via: { kind: 'ssh', host: mgmt, port: 22, user: 'admin' } },
    exec: { kind: 'ssh', host: mgmt, port: 22, user: 'admin' },
  };
}

/** A fabric's own mgmt address when it lies in the management subnet; otherwise the next free
 *  one from .2 (containerlab keeps .1 for its bridge). */
function mgmtAddresses(topo: LabTopology, subnet: string, errors: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const hosts = cidrHosts(subnet);
  if (!hosts) {
    errors.push(`--mgmt-subnet ${subnet}: not an IPv4 prefix`);
    return out;
  }
  const inSubnet = (ip: string) => {
    const n = ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
    return n >= hosts.first && n <= hosts.last;
  };
  const used = new Set<string>([formatIp(hosts.first)]);
  for (const s of topo.switches) {
    if (s.mgmt && /^\d+\.\d+\.\d+\.\d+$/.test(s.mgmt) && inSubnet(s.mgmt) && !used.has(s.mgmt)) {
      out.set(s.name, s.mgmt);
      used.add(s.mgmt);
    }
  }
  let n = hosts.first + 1;
  for (const s of topo.switches) {
    if (out.has(s.name)) continue;
    while (n <= hosts.last && used.has(formatIp(n))) n++;
    if (n > hosts.last) {
      errors.push(`management subnet ${subnet} is too small for ${topo.switches.length} nodes`);
      break;
    }
    out.set(s.name, formatIp(n));
    used.add(formatIp(n));
  }
  return out;
}

export async function labExport(
  file: string,
  opts: { kind: string; output?: string; image?: string; mgmtSubnet?: string; flavour?: Flavour },
): Promise<{ ok: true; topologyFile: string; inventoryFile: string } | { ok: false; errors: readonly string[] }> {
  if (!EXPORT_KINDS.includes(opts.kind as ExportKind)) return { ok: false, errors: [`--kind must be ${EXPORT_KINDS.join(' or ')}, not "${opts.kind}"`] };
  const compiled = await loadFabric(file, { writeLock: false, render: false });
  const topo = labTopology(compiled);
  const r = exportTopology(topo, {
    kind: opts.kind as ExportKind,
    ...(opts.image ? { image: opts.image } : {}),
    ...(opts.mgmtSubnet ? { mgmtSubnet: opts.mgmtSubnet } : {}),
    ...(opts.flavour ? { flavour: opts.flavour } : {}),
  });
  if (!r.ok) return r;
  const topologyFile = opts.output ?? join('lab', `${topo.fabric}.clab.yml`);
  const inventoryFile = join(dirname(topologyFile), `${basename(topologyFile).replace(/\.clab\.ya?ml$|\.ya?ml$/, '')}.inventory.yaml`);
  mkdirSync(dirname(topologyFile), { recursive: true });
  writeFileSync(topologyFile, r.topology);
  writeFileSync(inventoryFile, renderInventory(r.inventory));
  return { ok: true, topologyFile, inventoryFile };
}
