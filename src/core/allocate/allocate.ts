// Stage 3: Fabric + lock → Allocation. Every derived value (leaf ASN, loopback, /31 per link,
// the spine port given to each leaf, server prefixes) is drawn here, with the lock's values
// kept as they are. A change that would move a kept value is refused unless allowed.
import { diag, type Diagnostic } from '../diagnostics.ts';
import type { Allocation, AllocationChange, Fabric, LinkAllocation, Rack, SwitchAllocation, SwitchDef } from '../model.ts';
import { linkId } from '../model.ts';
import { compareNames, nameRanks } from '../names.ts';
import { intToIp, ipToInt, parsePrefix } from '../net/ipv4.ts';
import { portNumber } from '../platform/ports.ts';
import { allocateIn, type Claim, type Space } from './space.ts';
import { asnSpace, blockSpace, loopbackSpace, prefixFor, spinePortSpace } from './spaces.ts';

export interface AllocateOptions {
  /** Let existing values move (they are listed as changes). */
  readonly allowRenumber?: boolean;
  /** Release what removed racks and switches still reserve. */
  readonly prune?: boolean;
}

export interface Allocated {
  readonly allocation?: Allocation;
  readonly changes: readonly AllocationChange[];
  readonly diagnostics: readonly Diagnostic[];
}

const EMPTY: Allocation = { fabric: '', switches: new Map(), links: new Map() };

export function allocate(fabric: Fabric, lock: Allocation | undefined, opts: AllocateOptions = {}): Allocated {
  const prev = lock ?? EMPTY;
  const out: Diagnostic[] = [];
  const changes: AllocationChange[] = [];
  const moves: AllocationChange[] = [];

  // Removed objects keep their reservation until --prune.
  const removedSwitches = [...prev.switches].filter(([n]) => !fabric.switches.has(n));
  const cableIds = new Set(fabric.cables.map((c) => linkId(c.leaf, c.spine)));
  const removedLinks = [...prev.links].filter(([id]) => !cableIds.has(id));
  if (opts.prune) {
    for (const [n] of removedSwitches) changes.push({ kind: 'release', object: `switch ${n}`, field: 'all' });
    for (const [id] of removedLinks) changes.push({ kind: 'release', object: `link ${id}`, field: 'all' });
  } else {
    for (const [n, a] of removedSwitches) if (!a.removed) changes.push({ kind: 'remove', object: `switch ${n}`, field: 'all' });
    for (const [id, a] of removedLinks) if (!a.removed) changes.push({ kind: 'remove', object: `link ${id}`, field: 'all' });
  }
  const keptSwitches = opts.prune ? [] : removedSwitches;
  const keptLinks = opts.prune ? [] : removedLinks;

  const spines = [...fabric.spines].sort((a, b) => compareNames(a.name, b.name));
  const leaves = [...fabric.leaves].sort((a, b) => compareNames(a.name, b.name));
  const rank = nameRanks(fabric.switches.keys());
  const cables = [...fabric.cables].sort((a, b) => rank.get(a.leaf)! - rank.get(b.leaf)! || rank.get(a.spine)! - rank.get(b.spine)!);
  const u = fabric.underlay;

  const run = (space: Space, field: string, claims: Claim[]): Map<string, number> | undefined => {
    const r = allocateIn(space, claims);
    const widthOf = widths(claims, space);
    for (const o of r.added) changes.push({ kind: 'add', object: o, field, to: space.format(r.values.get(o)!, widthOf(o)) });
    for (const m of r.moved) {
      const w = widthOf(m.object);
      moves.push({ kind: 'move', object: m.object, field, from: space.format(m.from, w), to: `${space.format(m.to, w)} (${m.reason})` });
    }
    if (r.exhausted) {
      out.push(exhaustion(space, field, r.exhausted.needed));
      return undefined;
    }
    return r.values;
  };

  // Loopbacks: spines first, then leaves, each in natural name order.
  const loopbacks = run(loopbackSpace(u.loopbacks), 'loopback', [
    ...[...spines, ...leaves].map((s) => claim(`switch ${s.name}`, s.pinnedLoopback && ipToInt(s.pinnedLoopback), lockIp(prev.switches.get(s.name)?.loopback))),
    ...keptSwitches.map(([n, a]) => claim(`switch ${n}`, undefined, lockIp(a.loopback), true)),
  ]);
  const asns = run(asnSpace(u.leafAsns.first, u.leafAsns.last, u.leafAsns.path), 'asn', [
    ...leaves.map((s) => claim(`switch ${s.name}`, s.pinnedAsn, prev.switches.get(s.name)?.asn)),
    ...keptSwitches.filter(([, a]) => a.asn !== undefined).map(([n, a]) => claim(`switch ${n}`, undefined, a.asn, true)),
  ]);
  const p2p = run(blockSpace(u.p2p, 31, 'underlay.p2p'), 'p2p', [
    ...cables.map((c) => {
      const id = linkId(c.leaf, c.spine);
      return claim(`link ${id}`, undefined, lockPrefix(prev.links.get(id)?.p2p));
    }),
    ...keptLinks.map(([id, a]) => claim(`link ${id}`, undefined, lockPrefix(a.p2p), true)),
  ]);

  const spinePorts = new Map<string, number>();
  for (const spine of spines) {
    const mine = cables.filter((c) => c.spine === spine.name);
    const values = run(spinePortSpace(spine.name, fabric.spinePorts, fabric.spinePortsPath), 'spine-port', [
      ...mine.map((c) => {
        const id = linkId(c.leaf, c.spine);
        const locked = prev.links.get(id)?.spinePort;
        return claim(`link ${id}`, c.spinePort === undefined ? undefined : portNumber(c.spinePort), locked === undefined ? undefined : portNumber(locked));
      }),
      ...keptLinks.filter(([, a]) => a.spine === spine.name).map(([id, a]) => claim(`link ${id}`, undefined, portNumber(a.spinePort), true)),
    ]);
    if (values) for (const [o, v] of values) spinePorts.set(o, v);
  }

  const servers = u.servers ? allocateServers(fabric, leaves, keptSwitches, prev, run) : new Map<string, number>();
  for (const r of fabric.racks) {
    if (!r.servers || !servers) continue;
    for (const l of r.leaves) {
      const was = prev.switches.get(l)?.servers;
      const v = servers.get(`switch ${l}`);
      const now = v === undefined ? undefined : `${intToIp(v)}/${r.servers.prefixLength}`;
      if (was && now && was !== now && !moves.some((m) => m.object === `switch ${l}` && m.field === 'servers')) {
        moves.push({ kind: 'move', object: `switch ${l}`, field: 'servers', from: was, to: `${now} (prefix-length changed)` });
      }
    }
  }

  if (moves.length > 0 && !opts.allowRenumber) {
    const list = moves.map((m) => `${m.object} ${m.field} ${m.from} → ${m.to}`).join('; ');
    out.push(diag('RENUMBER', [], `this change would move ${moves.length} existing allocation(s): ${list}`, 'undo the change, or pass --allow-renumber to accept the moves'));
  }
  if (out.length > 0 || !loopbacks || !asns || !p2p || !servers) return { changes, diagnostics: out };
  changes.push(...moves);

  const switches = new Map<string, SwitchAllocation>();
  const racks = racksByName(fabric);
  const put = (s: SwitchDef): void => {
    const key = `switch ${s.name}`;
    const srv = servers.get(key);
    const rack = s.rack === undefined ? undefined : racks.get(s.rack);
    switches.set(s.name, {
      role: s.role,
      ...(s.rack ? { rack: s.rack } : {}),
      ...(s.role === 'leaf' ? { asn: asns.get(key)! } : {}),
      loopback: intToIp(loopbacks.get(key)!),
      ...(srv !== undefined && rack?.servers ? { servers: `${intToIp(srv)}/${rack.servers.prefixLength}` } : {}),
    });
  };
  spines.forEach(put);
  leaves.forEach(put);
  // A reservation keeps its values unless a pin moved it (with --allow-renumber).
  for (const [n, a] of keptSwitches) {
    const key = `switch ${n}`;
    const asn = asns.get(key);
    const srv = servers.get(key);
    switches.set(n, {
      ...a,
      loopback: intToIp(loopbacks.get(key)!),
      ...(asn === undefined ? {} : { asn }),
      ...(srv === undefined || !a.servers ? {} : { servers: `${intToIp(srv)}/${a.servers.split('/')[1]}` }),
      removed: true,
    });
  }

  const links = new Map<string, LinkAllocation>();
  for (const c of cables) {
    const id = linkId(c.leaf, c.spine);
    const was = prev.links.get(id);
    if (was && was.leafPort !== c.leafPort) changes.push({ kind: 'move', object: `link ${id}`, field: 'leaf-port', from: was.leafPort, to: `${c.leafPort} (recabled in the fabric file)` });
    links.set(id, {
      leaf: c.leaf,
      leafPort: c.leafPort,
      spine: c.spine,
      spinePort: `Ethernet${spinePorts.get(`link ${id}`)!}`,
      p2p: `${intToIp(p2p.get(`link ${id}`)!)}/31`,
    });
  }
  for (const [id, a] of keptLinks) {
    const port = spinePorts.get(`link ${id}`);
    links.set(id, { ...a, ...(port === undefined ? {} : { spinePort: `Ethernet${port}` }), p2p: `${intToIp(p2p.get(`link ${id}`)!)}/31`, removed: true });
  }
  return { allocation: sortAllocation({ fabric: fabric.name, switches, links }), changes, diagnostics: [] };
}

/** The first rack of each name (names are unique once resolved). */
function racksByName(fabric: Fabric): Map<string, Rack> {
  const m = new Map<string, Rack>();
  for (const r of fabric.racks) if (!m.has(r.name)) m.set(r.name, r);
  return m;
}

type Run = (space: Space, field: string, claims: Claim[]) => Map<string, number> | undefined;

function allocateServers(
  fabric: Fabric,
  leaves: readonly SwitchDef[],
  keptSwitches: readonly [string, SwitchAllocation][],
  prev: Allocation,
  run: Run,
): Map<string, number> | undefined {
  const pool = fabric.underlay.servers!;
  const lengthOf = new Map<string, number>();
  for (const r of fabric.racks) if (r.servers) for (const l of r.leaves) lengthOf.set(l, r.servers.prefixLength);
  const claims: Claim[] = [];
  for (const s of leaves) {
    const len = lengthOf.get(s.name);
    if (len === undefined) continue;
    const locked = prev.switches.get(s.name)?.servers;
    // A prefix whose length changed keeps its base when it still fits; allocate() reports the
    // change of size as a move.
    const keep = locked ? parsePrefix(locked).base : undefined;
    claims.push({ ...claim(`switch ${s.name}`, undefined, keep), width: 2 ** (32 - len) });
  }
  for (const [n, a] of keptSwitches) {
    if (!a.servers) continue;
    const p = parsePrefix(a.servers);
    claims.push({ ...claim(`switch ${n}`, undefined, p.base, true), width: 2 ** (32 - p.prefixLength) });
  }
  return run(blockSpace(pool, 32, 'underlay.servers'), 'servers', claims);
}

function claim(object: string, pin: number | undefined | '' , locked: number | undefined, removed = false): Claim {
  return {
    object,
    field: '',
    ...(pin === undefined || pin === '' ? {} : { pin }),
    ...(locked === undefined ? {} : { locked }),
    ...(removed ? { removed } : {}),
  };
}

/** The width each object claimed (the first claim of an object wins), by name. */
function widths(claims: readonly Claim[], space: Space): (object: string) => number {
  const byObject = new Map<string, number | undefined>();
  for (const c of claims) if (!byObject.has(c.object)) byObject.set(c.object, c.width);
  return (object) => byObject.get(object) ?? space.width;
}

function lockIp(ip: string | undefined): number | undefined {
  return ip === undefined ? undefined : ipToInt(ip);
}

function lockPrefix(cidr: string | undefined): number | undefined {
  return cidr === undefined ? undefined : ipToInt(cidr.split('/')[0]!);
}

function exhaustion(space: Space, field: string, needed: number): Diagnostic {
  if (field === 'spine-port') {
    const spine = space.label.replace('cabling.spine-ports of ', '');
    return diag('SPINE_PORTS_EXHAUSTED', space.path, `spine ${spine} has ${space.size(1)} ports in cabling.spine-ports for ${needed} leaves`, 'list more spine ports, or use a spine platform with more ports');
  }
  if (field === 'asn') {
    return diag('POOL_EXHAUSTED', space.path, `${space.label} holds ${space.size(1)} ASNs; the fabric needs ${needed}`, `widen the range to at least ${needed} ASNs`);
  }
  const units = field === 'loopback' ? needed + 2 : needed;
  const len = prefixFor(units, 1);
  const what = field === 'loopback' ? 'loopbacks' : field === 'p2p' ? '/31 links' : 'server addresses';
  const count = field === 'p2p' ? needed / 2 : needed;
  return diag('POOL_EXHAUSTED', space.path, `pool ${space.label} is too small: the fabric needs ${count} ${what}`, `use a /${len} or larger`);
}

/** Sorted by name (natural order), so the lock and every output are byte-stable. */
export function sortAllocation(a: Allocation): Allocation {
  const rank = allocationRanks(a);
  const switches = new Map([...a.switches].sort(([x], [y]) => rank.get(x)! - rank.get(y)!));
  const links = new Map([...a.links].sort(([, x], [, y]) => rank.get(x.leaf)! - rank.get(y.leaf)! || rank.get(x.spine)! - rank.get(y.spine)!));
  return { fabric: a.fabric, switches, links };
}

/** Whether sortAllocation would leave the order as it is (it does, for what allocate returns). */
export function isSortedAllocation(a: Allocation): boolean {
  const rank = allocationRanks(a);
  let prev = -1;
  for (const name of a.switches.keys()) {
    const r = rank.get(name)!;
    if (r < prev) return false;
    prev = r;
  }
  let prevLeaf = -1;
  let prevSpine = -1;
  for (const l of a.links.values()) {
    const leaf = rank.get(l.leaf)!;
    const spine = rank.get(l.spine)!;
    if (leaf < prevLeaf || (leaf === prevLeaf && spine < prevSpine)) return false;
    prevLeaf = leaf;
    prevSpine = spine;
  }
  return true;
}

function allocationRanks(a: Allocation): Map<string, number> {
  const names = new Set(a.switches.keys());
  for (const l of a.links.values()) {
    names.add(l.leaf);
    names.add(l.spine);
  }
  return nameRanks(names);
}
