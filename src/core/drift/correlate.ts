// Which finding explains which: a BGP session is down because its link is down, a route has
// fewer next hops because a neighbor was deleted. Only operational findings (not-converged) are
// ever explained; they point at the root cause, by these rules, strongest cause first:
//   link or LLDP of a cable  ← unreachable end, PORT config of an end
//   session over a cable     ← unreachable end, cabling, config of the session (neighbor, port,
//                               interface, DEVICE_METADATA, Loopback0 of an end), link, address
//   address on an interface  ← config of that interface or its port (a foreign VLAN membership
//                               of the port included)
//   unexpected session       ← the foreign (or extra) BGP_NEIGHBOR
// Foreign config (factory, another tool's) comes first among config causes: on a switch being
// adopted the factory address or Loopback0 is why clos's own entries do not work yet.
//   route S → D              ← any of the above touching S or D (or, leaf to leaf, a spine)
import type { SwitchIntent } from '../model.ts';
import { type CableIndex } from './cables.ts';
import { changedFields, keyParts } from './config.ts';
import { DRIFT_CLASSES, type Finding } from './finding.ts';

/** Config tables whose drift can change operational state (DEVICE_NEIGHBOR* only describe), and
 *  for two of them the fields that matter (a port's description changes nothing that runs). */
const OPERATIONAL_TABLES = new Set(['PORT', 'INTERFACE', 'LOOPBACK_INTERFACE', 'VLAN_INTERFACE', 'VLAN', 'VLAN_MEMBER', 'DEVICE_METADATA', 'BGP_NEIGHBOR']);
const OPERATIONAL_FIELDS: Readonly<Record<string, readonly string[]>> = {
  PORT: ['admin_status', 'mtu', 'speed', 'lanes'],
  DEVICE_METADATA: ['bgp_asn', 'bgp_router_id', 'type', 'docker_routing_config_mode'],
};

function operational(f: Finding): boolean {
  if (f.remediation.kind !== 'apply') return false;
  const table = keyParts(f.object).table;
  if (!OPERATIONAL_TABLES.has(table)) return false;
  const fields = OPERATIONAL_FIELDS[table];
  const c = f.remediation.change;
  return !fields || c.op === 'add' || c.op === 'delete' || changedFields(c).some((x) => fields.includes(x));
}

export function correlate(findings: readonly Finding[], intents: readonly SwitchIntent[], cables: CableIndex): Finding[] {
  const roleOf = new Map(intents.map((s) => [s.name, s.role]));
  const cableById = new Map(cables.cables.map((c) => [c.id, c]));
  const cause = new Map<string, string>(); // finding id → root cause id
  const rank = (f: Finding) => DRIFT_CLASSES.indexOf(f.class);
  const ordered = [...findings].sort((a, b) => rank(a) - rank(b));
  const config = ordered.filter(operational);
  const unreachable = ordered.filter((f) => f.class === 'unreachable');
  const cabling = ordered.filter((f) => f.class === 'cabling');
  const byKind = (prefix: string) => ordered.filter((f) => f.class === 'not-converged' && f.object.startsWith(prefix));
  const links = byKind('link ');
  const sessions = byKind('BGP session ').filter((f) => f.link !== null);
  const addresses = byKind('address ').concat(byKind('interface '));

  const root = (f: Finding): string => cause.get(f.id) ?? f.id;
  const pick = (self: Finding, candidates: readonly Finding[]): void => {
    const c = candidates.find((x) => x.id !== self.id);
    if (c) cause.set(self.id, root(c));
  };
  const ends = (linkId: string | null): string[] => {
    const c = linkId ? cableById.get(linkId) : undefined;
    return c ? [c.leaf, c.spine] : [];
  };
  const configOf = (sw: string, match: (table: string, first: string, rest: string) => boolean) =>
    config.filter((f) => {
      if (f.switch !== sw) return false;
      const k = keyParts(f.object);
      return match(k.table, k.first, k.rest);
    });
  const foreignFirst = (fs: readonly Finding[]) => [...fs.filter((f) => f.class === 'foreign'), ...fs.filter((f) => f.class !== 'foreign')];

  for (const f of byKind('link ').concat(byKind('LLDP '))) {
    const c = cableById.get(f.link ?? '');
    if (!c) continue;
    pick(f, [
      ...unreachable.filter((u) => u.switch === c.leaf || u.switch === c.spine),
      ...configOf(c.leaf, (t, p) => t === 'PORT' && p === c.leafPort),
      ...configOf(c.spine, (t, p) => t === 'PORT' && p === c.spinePort),
      ...(f.object.startsWith('LLDP ') ? links.filter((l) => l.link === f.link) : []),
    ]);
  }

  for (const f of addresses) {
    const ifname = f.object.split(' on ')[1] ?? f.object.replace(/^interface /, '');
    pick(f, configOf(f.switch, (t, p, rest) => ((t === 'PORT' || t.endsWith('INTERFACE') || t === 'VLAN') && p === ifname) || (t === 'VLAN_MEMBER' && rest === ifname)));
  }

  for (const f of sessions) {
    const c = cableById.get(f.link!)!;
    const sessionConfig = (sw: string, port: string, peerIp: string) =>
      configOf(sw, (t, p, rest) => (t === 'BGP_NEIGHBOR' && (rest || p) === peerIp) || ((t === 'PORT' || t === 'INTERFACE') && p === port) || (t === 'VLAN_MEMBER' && rest === port) || t === 'DEVICE_METADATA' || t === 'LOOPBACK_INTERFACE');
    pick(f, [
      ...unreachable.filter((u) => u.switch === c.leaf || u.switch === c.spine),
      ...cabling.filter((x) => x.link === c.id),
      ...foreignFirst([...sessionConfig(c.leaf, c.leafPort, c.spineIp), ...sessionConfig(c.spine, c.spinePort, c.leafIp)]),
      ...links.filter((x) => x.link === c.id),
      ...addresses.filter((x) => x.link === c.id),
    ]);
  }

  for (const f of byKind('BGP session ').filter((x) => x.link === null)) {
    const ip = /^BGP session (\S+)/.exec(f.object)?.[1] ?? '';
    pick(f, configOf(f.switch, (t, p, rest) => t === 'BGP_NEIGHBOR' && (rest || p) === ip));
  }

  const routeCauses = [...unreachable, ...cabling, ...config, ...links, ...sessions, ...addresses];
  for (const f of byKind('route to ')) {
    const dest = /^route to (\S+)/.exec(f.object)?.[1] ?? '';
    const touches = (x: Finding, sw: string) => x.switch === sw || ends(x.link).includes(sw);
    const direct = routeCauses.filter((x) => touches(x, f.switch) || touches(x, dest));
    // Leaf to leaf crosses every spine: a spine that is gone or whose routing is misconfigured.
    const spineWide = [...unreachable, ...config].filter((x) => x.link === null && roleOf.get(x.switch) === 'spine');
    const viaSpine = roleOf.get(f.switch) === 'leaf' && roleOf.get(dest) === 'leaf' ? spineWide : [];
    pick(f, [...direct, ...viaSpine]);
  }

  return findings.map((f) => {
    const c = cause.get(f.id);
    return c && c !== f.id ? { ...f, causedBy: c } : f;
  });
}
