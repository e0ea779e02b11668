// Stage 2: RawFabric → Fabric. Names, platforms, pools and cables are made concrete and every
// rule of the file format that does not need the lock is checked here.
import { diag, type Diagnostic, type DocPath } from '../diagnostics.ts';
import type { Cable, Fabric, Flavour, Platform, Pool, Rack, SwitchDef, Underlay } from '../model.ts';
import { ipToInt, parsePrefix, prefixesOverlap, inPrefix } from '../net/ipv4.ts';
import { DEFAULT_HWSKU } from '../platform/catalogue.ts';
import { expandPortList } from '../platform/ports.ts';
import { fabricKeep, fabricPorts, resolveKeep, switchKeep } from './adoption.ts';
import { resolvePlatforms } from './platforms.ts';
import type { RawFabric } from './schema.ts';

export const ASN_MIN = 1;
export const ASN_MAX = 4294967294;

export interface Resolved {
  readonly fabric?: Fabric;
  readonly diagnostics: readonly Diagnostic[];
}

export function resolveFabric(raw: RawFabric): Resolved {
  const out: Diagnostic[] = [];
  const platforms = resolvePlatforms(raw.platforms, out);
  const underlay = resolveUnderlay(raw, out);
  const { spines, leaves, racks } = resolveSwitches(raw, platforms, underlay, out);
  const switches = new Map<string, SwitchDef>();
  for (const s of [...spines, ...leaves]) if (!switches.has(s.name)) switches.set(s.name, s);

  const spinePorts = resolveSpinePorts(raw, spines, out);
  const cables = resolveCables(raw, spines, leaves, racks, switches, out);
  if (out.length > 0 || !underlay) return { diagnostics: out };
  const fabric: Fabric = {
    name: raw.fabric,
    ...(raw.description === undefined ? {} : { description: raw.description }),
    underlay,
    spines,
    leaves,
    switches,
    racks,
    spinePorts,
    spinePortsPath: ['cabling', 'spine-ports'],
    cables,
  };
  return { fabric, diagnostics: [] };
}

function resolvePool(cidr: string, path: DocPath, out: Diagnostic[]): Pool | undefined {
  const p = parsePrefix(cidr);
  if (p.hostBits) {
    out.push(diag('BAD_VALUE', path, `${path.join('.')} ${cidr} has host bits set`, `did you mean ${p.normalised}?`));
    return undefined;
  }
  return { cidr: p.normalised, base: p.base, prefixLength: p.prefixLength, path };
}

function checkAsn(asn: number, path: DocPath, what: string, out: Diagnostic[]): boolean {
  if (asn >= ASN_MIN && asn <= ASN_MAX) return true;
  out.push(diag('ASN_RANGE', path, `${what} ${asn} is outside ${ASN_MIN}-${ASN_MAX}`, 'use a private ASN: 64512-65534 or 4200000000-4294967294'));
  return false;
}

function resolveUnderlay(raw: RawFabric, out: Diagnostic[]): Underlay | undefined {
  const u = raw.underlay;
  checkAsn(u.asn.spine, ['underlay', 'asn', 'spine'], 'spine ASN', out);
  const [first, last] = u.asn.leaves.split('-').map(Number) as [number, number];
  const leavesPath = ['underlay', 'asn', 'leaves'];
  if (checkAsn(first, leavesPath, 'leaf ASN range start', out) && checkAsn(last, leavesPath, 'leaf ASN range end', out) && first > last) {
    out.push(diag('ASN_RANGE', leavesPath, `leaf ASN range ${u.asn.leaves} ends before it starts`, `write ${last}-${first}`));
  }
  const pools: Pool[] = [];
  const loopbacks = resolvePool(u.loopbacks, ['underlay', 'loopbacks'], out);
  const p2p = resolvePool(u.p2p, ['underlay', 'p2p'], out);
  const servers = u.servers === undefined ? undefined : resolvePool(u.servers, ['underlay', 'servers'], out);
  for (const p of [loopbacks, p2p, servers]) if (p) pools.push(p);
  for (let i = 0; i < pools.length; i++) {
    for (let j = i + 1; j < pools.length; j++) {
      const a = pools[i]!;
      const b = pools[j]!;
      if (prefixesOverlap(a, b)) {
        out.push(diag('POOL_OVERLAP', b.path, `pool ${b.path.join('.')} ${b.cidr} overlaps ${a.path.join('.')} ${a.cidr}`, 'give each pool its own address space'));
      }
    }
  }
  const keepalive = u.timers?.keepalive ?? 3;
  const holdtime = u.timers?.holdtime ?? 9;
  if (holdtime < 3 * keepalive) {
    out.push(diag('BAD_VALUE', ['underlay', 'timers', 'holdtime'], `holdtime ${holdtime} is less than 3 × keepalive ${keepalive}`, 'BGP sessions would flap; use holdtime ≥ 3 × keepalive'));
  }
  if (!loopbacks || !p2p) return undefined;
  return {
    spineAsn: u.asn.spine,
    leafAsns: { first, last, path: leavesPath },
    loopbacks,
    p2p,
    ...(servers ? { servers } : {}),
    keepalive,
    holdtime,
    mtu: u.mtu ?? 9100,
    ...(u['port-speed'] === undefined ? {} : { portSpeed: u['port-speed'] }),
  };
}

interface SwitchInput {
  name: string;
  hwsku?: string;
  mgmt?: string;
  asn?: number;
  loopback?: string;
  flavour?: Flavour;
  adoption?: { keep: string[] };
}

function resolveSwitches(raw: RawFabric, platforms: Map<string, Platform>, underlay: Underlay | undefined, out: Diagnostic[]) {
  const seen = new Map<string, string>();
  const loopbackPins = new Map<string, string>();
  const asnPins = new Map<number, string>();
  const defaultHwsku = raw.defaults?.hwsku ?? DEFAULT_HWSKU;
  const defaultFlavour = raw.defaults?.flavour ?? 'sonic';
  const commonKeep = fabricKeep(raw, [...platforms.values()], out);

  const make = (input: SwitchInput, role: 'spine' | 'leaf', path: DocPath, rack?: string): SwitchDef | undefined => {
    const namePath = typeof input === 'string' ? path : [...path, 'name'];
    const first = seen.get(input.name);
    if (first) {
      out.push(diag('DUPLICATE_NAME', namePath, `switch name ${input.name} is used twice`, `it is already ${first}; names are unique across the fabric`));
      return undefined;
    }
    seen.set(input.name, rack ? `a leaf of rack ${rack}` : 'a spine');
    const hwsku = input.hwsku ?? defaultHwsku;
    const platform = platforms.get(hwsku);
    if (!platform) {
      const p = input.hwsku ? [...path, 'hwsku'] : ['defaults', 'hwsku'];
      out.push(diag('UNKNOWN_PLATFORM', p, `${role} ${input.name}: hwsku ${hwsku} is not a known platform`, `built in: ${[...platforms.keys()].join(', ')}; or declare it under platforms:`));
    }
    if (input.asn !== undefined && underlay) {
      const { first: lo, last: hi } = underlay.leafAsns;
      const asnPath = [...path, 'asn'];
      if (input.asn < lo || input.asn > hi) {
        out.push(diag('ASN_RANGE', asnPath, `leaf ${input.name} ASN ${input.asn} is outside underlay.asn.leaves ${lo}-${hi}`, 'pin an ASN inside the leaf range, or widen the range'));
      } else if (asnPins.has(input.asn)) {
        out.push(diag('PIN_CONFLICT', asnPath, `leaf ${input.name} ASN ${input.asn} is already pinned to ${asnPins.get(input.asn)}`, 'every leaf has its own ASN'));
      } else asnPins.set(input.asn, input.name);
    }
    if (input.loopback !== undefined && underlay) {
      const lbPath = [...path, 'loopback'];
      if (!inPrefix(ipToInt(input.loopback), underlay.loopbacks)) {
        out.push(diag('PIN_CONFLICT', lbPath, `${role} ${input.name} loopback ${input.loopback} is outside underlay.loopbacks ${underlay.loopbacks.cidr}`, 'pin an address from the loopback pool'));
      } else if (loopbackPins.has(input.loopback)) {
        out.push(diag('PIN_CONFLICT', lbPath, `${role} ${input.name} loopback ${input.loopback} is already pinned to ${loopbackPins.get(input.loopback)}`, 'every switch has its own loopback'));
      } else loopbackPins.set(input.loopback, input.name);
    }
    const used = fabricPorts(raw, { name: input.name, role, ...(rack ? { rack } : {}) });
    const keep = switchKeep(commonKeep, resolveKeep(input.adoption?.keep, path, platform ? [platform] : [], used, out));
    return {
      name: input.name,
      role,
      hwsku,
      platform: platform ?? unknownPlatform(hwsku),
      flavour: input.flavour ?? defaultFlavour,
      ...(input.mgmt ? { mgmt: input.mgmt } : {}),
      ...(rack ? { rack } : {}),
      ...(input.asn !== undefined ? { pinnedAsn: input.asn } : {}),
      ...(input.loopback !== undefined ? { pinnedLoopback: input.loopback } : {}),
      ...(keep ? { keep } : {}),
      path,
    };
  };

  const spines: SwitchDef[] = [];
  raw.spines.forEach((s, i) => {
    const d = make(typeof s === 'string' ? { name: s } : s, 'spine', ['spines', i]);
    if (d) spines.push(d);
  });
  const leaves: SwitchDef[] = [];
  const racks: Rack[] = [];
  const rackNames = new Set<string>();
  raw.racks.forEach((r, i) => {
    const rackPath = ['racks', i];
    if (rackNames.has(r.name)) {
      out.push(diag('DUPLICATE_NAME', [...rackPath, 'name'], `rack name ${r.name} is used twice`, 'rack names are unique'));
    }
    rackNames.add(r.name);
    const names: string[] = [];
    r.leaves.forEach((l, j) => {
      const d = make(typeof l === 'string' ? { name: l } : l, 'leaf', [...rackPath, 'leaves', j], r.name);
      if (d) {
        leaves.push(d);
        names.push(d.name);
      }
    });
    let servers: Rack['servers'];
    if (r.servers) {
      const sp = [...rackPath, 'servers'];
      if (!raw.underlay.servers) {
        out.push(diag('MISSING_KEY', ['underlay'], `rack ${r.name} has servers but underlay.servers (the server pool) is not set`, 'add underlay.servers: <prefix>', 'key'));
      }
      const { ports, bad } = expandPortList(r.servers.ports);
      for (const b of bad) out.push(diag('BAD_PORT_RANGE', [...sp, 'ports'], `rack ${r.name}: server port range "${b}" cannot be expanded`, 'write EthernetFIRST-EthernetLAST/STEP'));
      servers = { vlan: r.servers.vlan, ports, prefixLength: r.servers['prefix-length'], path: sp };
    }
    racks.push({ name: r.name, leaves: names, ...(servers ? { servers } : {}), path: rackPath });
  });
  return { spines, leaves, racks };
}

function resolveSpinePorts(raw: RawFabric, spines: readonly SwitchDef[], out: Diagnostic[]): string[] {
  const path = ['cabling', 'spine-ports'];
  const { ports, bad } = expandPortList(raw.cabling['spine-ports']);
  for (const b of bad) out.push(diag('BAD_PORT_RANGE', path, `spine port range "${b}" cannot be expanded`, 'write EthernetFIRST-EthernetLAST/STEP'));
  const dup = firstDuplicate(ports);
  if (dup) out.push(diag('PORT_REUSED', path, `cabling.spine-ports lists ${dup} twice`));
  for (const s of uniquePlatforms(spines)) {
    const missing = ports.filter((p) => !s.platform.portsByName.has(p));
    if (missing.length > 0) {
      out.push(diag('UNKNOWN_PORT', path, `spine ${s.name} (${s.hwsku}) has no port ${listShort(missing)}`, `its ports are ${portSpan(s.platform)}`));
    }
  }
  return ports;
}

interface ExplicitLink {
  leaf: SwitchDef;
  leafPort: string;
  spine: SwitchDef;
  spinePort: string;
  path: DocPath;
}

function resolveCables(
  raw: RawFabric,
  spines: readonly SwitchDef[],
  leaves: readonly SwitchDef[],
  racks: readonly Rack[],
  switches: ReadonlyMap<string, SwitchDef>,
  out: Diagnostic[],
): Cable[] {
  const uplinks = raw.cabling['leaf-uplinks'];
  const uplinksPath = ['cabling', 'leaf-uplinks'];
  const dup = firstDuplicate(uplinks);
  if (dup) out.push(diag('PORT_REUSED', uplinksPath, `cabling.leaf-uplinks lists ${dup} twice`));
  if (uplinks.length > raw.spines.length) {
    out.push(diag('UPLINK_COUNT', uplinksPath, `cabling.leaf-uplinks has ${uplinks.length} ports for ${raw.spines.length} spines`, 'give one uplink port per spine, in the order of spines:'));
  }
  for (const l of uniquePlatforms(leaves)) {
    const missing = uplinks.filter((p) => !l.platform.portsByName.has(p));
    if (missing.length > 0) {
      out.push(diag('UNKNOWN_PORT', uplinksPath, `leaf ${l.name} (${l.hwsku}) has no port ${listShort(missing)}`, `its ports are ${portSpan(l.platform)}`));
    }
  }

  const explicit = resolveExplicitLinks(raw.links ?? [], switches, out);
  const byPair = new Map<string, ExplicitLink>();
  for (const e of explicit) {
    const key = `${e.leaf.name}\0${e.spine.name}`;
    if (byPair.has(key)) {
      out.push(diag('BAD_LINK', e.path, `a second cable between ${e.leaf.name} and ${e.spine.name}`, 'a leaf has one uplink to each spine'));
    } else byPair.set(key, e);
  }
  const serverPorts = new Map<string, readonly string[]>();
  for (const r of racks) if (r.servers) for (const l of r.leaves) serverPorts.set(l, r.servers.ports);

  const cables: Cable[] = [];
  const explicitSpinePorts = new Map<string, DocPath>();
  for (const e of explicit) {
    const k = `${e.spine.name}:${e.spinePort}`;
    if (explicitSpinePorts.has(k)) out.push(diag('PORT_REUSED', e.path, `spine port ${k} is used by two cables`, 'one cable per port'));
    explicitSpinePorts.set(k, e.path);
  }
  let missingUplinkReported = false;
  const reportedServerClash = new Set<string>();
  const rackByName = new Map<string, Rack>();
  for (const r of racks) if (!rackByName.has(r.name)) rackByName.set(r.name, r);
  for (const leaf of leaves) {
    const used = new Map<string, string>(); // leaf port → what uses it
    const servers = serverPorts.get(leaf.name) ?? [];
    const rack = leaf.rack === undefined ? undefined : rackByName.get(leaf.rack);
    for (const p of servers) {
      if (!leaf.platform.portsByName.has(p)) {
        out.push(diag('UNKNOWN_PORT', [...(rack?.servers?.path ?? []), 'ports'], `leaf ${leaf.name} (${leaf.hwsku}) has no server port ${p}`, `its ports are ${portSpan(leaf.platform)}`));
        break;
      }
      used.set(p, 'servers');
    }
    spines.forEach((spine, i) => {
      const e = byPair.get(`${leaf.name}\0${spine.name}`);
      const leafPort = e ? e.leafPort : uplinks[i];
      const path = e ? e.path : uplinks[i] !== undefined ? [...uplinksPath, i] : uplinksPath;
      if (leafPort === undefined) {
        if (!missingUplinkReported) {
          out.push(diag('UPLINK_COUNT', uplinksPath, `cabling.leaf-uplinks has ${uplinks.length} ports for ${spines.length} spines and no link covers ${leaf.name} -- ${spine.name}`, 'give one uplink port per spine, or an explicit link for each missing pair'));
          missingUplinkReported = true;
        }
        return;
      }
      const user = used.get(leafPort);
      if (user === 'servers') {
        const key = `${leaf.rack}:${leafPort}`;
        if (!reportedServerClash.has(key)) {
          reportedServerClash.add(key);
          out.push(diag('PORT_REUSED', [...(rack?.servers?.path ?? []), 'ports'], `rack ${leaf.rack}: server port ${leafPort} is also the uplink to ${spine.name}`, 'one cable per port; take it out of the server ports'));
        }
        return;
      }
      if (user) {
        out.push(diag('PORT_REUSED', path, `leaf ${leaf.name} port ${leafPort} would carry the uplink to ${spine.name} and is already used by ${user}`, 'one cable per port'));
        return;
      }
      used.set(leafPort, `the uplink to ${spine.name}`);
      cables.push({ leaf: leaf.name, leafPort, spine: spine.name, ...(e ? { spinePort: e.spinePort } : {}), path });
    });
  }
  return cables;
}

const LINK_RE = /^\s*(\S+):(Ethernet\d+)\s+--\s+(\S+):(Ethernet\d+)\s*$/;

function resolveExplicitLinks(links: readonly string[], switches: ReadonlyMap<string, SwitchDef>, out: Diagnostic[]): ExplicitLink[] {
  const result: ExplicitLink[] = [];
  links.forEach((text, i) => {
    const path = ['links', i];
    const m = LINK_RE.exec(text);
    if (!m) return; // the schema already reported it
    const ends = [
      { sw: switches.get(m[1]!), name: m[1]!, port: m[2]! },
      { sw: switches.get(m[3]!), name: m[3]!, port: m[4]! },
    ];
    let ok = true;
    for (const end of ends) {
      if (!end.sw) {
        out.push(diag('UNKNOWN_SWITCH', path, `link "${text.trim()}" names switch ${end.name}, which the fabric does not declare`, 'declare it under spines: or racks:, or fix the name'));
        ok = false;
      } else if (!end.sw.platform.portsByName.has(end.port)) {
        out.push(diag('UNKNOWN_PORT', path, `link "${text.trim()}": ${end.name} (${end.sw.hwsku}) has no port ${end.port}`, `its ports are ${portSpan(end.sw.platform)}`));
        ok = false;
      }
    }
    if (!ok) return;
    const [a, b] = ends as unknown as [{ sw: SwitchDef; port: string }, { sw: SwitchDef; port: string }];
    const leafEnd = a.sw.role === 'leaf' ? a : b;
    const spineEnd = a.sw.role === 'spine' ? a : b;
    if (leafEnd === spineEnd || leafEnd.sw.role !== 'leaf' || spineEnd.sw.role !== 'spine') {
      out.push(diag('BAD_LINK', path, `link "${text.trim()}" must join a leaf and a spine`, 'a two-tier fabric cables leaves to spines only'));
      return;
    }
    result.push({ leaf: leafEnd.sw, leafPort: leafEnd.port, spine: spineEnd.sw, spinePort: spineEnd.port, path });
  });
  return result;
}

/** Stands in for a platform that does not exist, so that one unknown hwsku is reported once
 *  and not again as every port of that switch being unknown. */
function unknownPlatform(name: string): Platform {
  const anyPort = new (class extends Map<string, never> {
    override has(): boolean {
      return true;
    }
  })();
  return { name, speed: 0, ports: [], portsByName: anyPort };
}

function uniquePlatforms(switches: readonly SwitchDef[]): SwitchDef[] {
  const seen = new Set<string>();
  return switches.filter((s) => !seen.has(s.hwsku) && seen.add(s.hwsku));
}

function firstDuplicate(items: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const i of items) {
    if (seen.has(i)) return i;
    seen.add(i);
  }
  return undefined;
}

function listShort(items: readonly string[]): string {
  return items.length <= 3 ? items.join(', ') : `${items.slice(0, 3).join(', ')} and ${items.length - 3} more`;
}

function portSpan(p: Platform): string {
  const first = p.ports[0]?.name;
  const last = p.ports[p.ports.length - 1]?.name;
  return `${first}…${last} (${p.ports.length} ports)`;
}
