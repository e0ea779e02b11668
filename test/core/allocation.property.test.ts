// Property tests of allocation (shared/spec/fabric-file.md, "Allocation and the lock file"):
// random valid fabrics are compiled, changed (reordered, a rack added, removed, re-added, pruned,
// a value pinned) and compiled again against the previous lock; the lock and CONFIG_DB must obey
// the rules whatever the fabric looks like.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseLock, serializeLock } from '../../src/core/allocate/lock.ts';
import { compileFabric, formatDiagnostics, type Compiled } from '../../src/core/compile.ts';
import type { Allocation, LinkAllocation, SwitchAllocation } from '../../src/core/model.ts';
import { intToIp, ipToInt, parsePrefix } from '../../src/core/net/ipv4.ts';
import { expandPortList } from '../../src/core/platform/ports.ts';

// ---------------------------------------------------------------------------------------------
// A fabric as the generator sees it, written out as YAML by toYaml().

interface LeafSpec {
  name: string;
  asn?: number; // pinned
  loopback?: string; // pinned
}
interface RackSpec {
  name: string;
  leaves: LeafSpec[];
  servers?: { vlan: number; ports: number; prefixLength: number };
}
interface SpineSpec {
  name: string;
  loopback?: string;
}
interface FabricSpec {
  name: string;
  spineAsn: number;
  leafAsns: { first: number; last: number };
  loopbacks: string;
  p2p: string;
  servers: string;
  spines: SpineSpec[];
  racks: RackSpec[];
  uplinks: string[]; // uplink i → spine i
  spinePorts: string[]; // ranges, hand-out order
  /** Names and rack names the fabric does not use, for racks that tests add. */
  spare: { switches: string[]; racks: string[] };
}

const PORTS = Array.from({ length: 32 }, (_, i) => `Ethernet${i * 4}`); // Force10-S6000
const UPLINK_CANDIDATES = PORTS.slice(8); // server ports use Ethernet0-Ethernet28
const MAX_SPINES = 4;
const MAX_RACKS = 6;
const MAX_LEAVES = 4;
const SPARE_RACKS = 2;

const POOLS = {
  asns: [
    { spine: 65000, first: 65101, last: 65534 },
    { spine: 65000, first: 4200000000, last: 4200000999 },
  ],
  loopbacks: ['10.0.0.0/24', '10.255.0.0/23'],
  p2p: ['10.1.0.0/22', '100.64.0.0/21'],
  servers: ['192.168.0.0/16', '10.64.0.0/16'],
};

function toYaml(f: FabricSpec): string {
  const doc = {
    fabric: f.name,
    underlay: {
      asn: { spine: f.spineAsn, leaves: `${f.leafAsns.first}-${f.leafAsns.last}` },
      loopbacks: f.loopbacks,
      p2p: f.p2p,
      servers: f.servers,
    },
    spines: f.spines.map((s) => (s.loopback === undefined ? s.name : { name: s.name, loopback: s.loopback })),
    racks: f.racks.map((r) => ({
      name: r.name,
      leaves: r.leaves.map((l) =>
        l.asn === undefined && l.loopback === undefined
          ? l.name
          : { name: l.name, ...(l.asn === undefined ? {} : { asn: l.asn }), ...(l.loopback === undefined ? {} : { loopback: l.loopback }) },
      ),
      ...(r.servers
        ? { servers: { vlan: r.servers.vlan, ports: `Ethernet0-Ethernet${(r.servers.ports - 1) * 4}/4`, 'prefix-length': r.servers.prefixLength } }
        : {}),
    })),
    cabling: { 'leaf-uplinks': f.uplinks, 'spine-ports': f.spinePorts },
  };
  return stringify(doc);
}

// Names a user may write: host names of letters, digits, '-' and '.' (switches; mixed case), and
// names that differ only in a number (leaf2 / leaf10: natural order must not depend on the file).
const switchName = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9](-?[A-Za-z0-9]){0,3}(\.[A-Za-z0-9](-?[A-Za-z0-9]){0,2})?$/),
  fc.tuple(fc.constantFrom('leaf', 'spine', 'Leaf', 'tor-', 'sw.', 'x'), fc.nat(120)).map(([p, n]) => `${p}${n}`),
);
const rackName = fc.oneof(
  fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,6}$/),
  fc.tuple(fc.constantFrom('r', 'rack-', 'row1-'), fc.nat(40)).map(([p, n]) => `${p}${n}`),
);

function hostCount(cidr: string): number {
  return 2 ** (32 - parsePrefix(cidr).prefixLength) - 2;
}

/** Keeps the first occurrence of each pinned value; later duplicates are unpinned. */
function dedupePins(f: FabricSpec): FabricSpec {
  const asns = new Set<number>();
  const loopbacks = new Set<string>();
  const lb = <T extends { loopback?: string }>(s: T): T => {
    if (s.loopback === undefined) return s;
    if (loopbacks.has(s.loopback)) return { ...s, loopback: undefined };
    loopbacks.add(s.loopback);
    return s;
  };
  const spines = f.spines.map(lb);
  const racks = f.racks.map((r) => ({
    ...r,
    leaves: r.leaves.map((l) => {
      let out = lb(l);
      if (out.asn !== undefined) {
        if (asns.has(out.asn)) out = { ...out, asn: undefined };
        else asns.add(out.asn);
      }
      return out;
    }),
  }));
  return { ...f, spines: spines.map(clean), racks: racks.map((r) => ({ ...r, leaves: r.leaves.map(clean) })) };
}

/** Drops keys whose value is undefined, so that specs compare and serialise cleanly. */
function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const fabricArb: fc.Arbitrary<FabricSpec> = fc
  .record({
    spines: fc.integer({ min: 1, max: MAX_SPINES }),
    rackSizes: fc.array(fc.integer({ min: 1, max: MAX_LEAVES }), { minLength: 1, maxLength: MAX_RACKS }),
    asns: fc.constantFrom(...POOLS.asns),
    loopbacks: fc.constantFrom(...POOLS.loopbacks),
    p2p: fc.constantFrom(...POOLS.p2p),
    servers: fc.constantFrom(...POOLS.servers),
  })
  .chain((shape) => {
    const leafCount = shape.rackSizes.reduce((a, b) => a + b, 0);
    const spareSwitches = SPARE_RACKS * MAX_LEAVES;
    const names = fc.uniqueArray(switchName, {
      minLength: shape.spines + leafCount + spareSwitches,
      maxLength: shape.spines + leafCount + spareSwitches,
    });
    const rackNames = fc.uniqueArray(rackName, { minLength: shape.rackSizes.length + SPARE_RACKS, maxLength: shape.rackSizes.length + SPARE_RACKS });
    const asnSpan = shape.asns.last - shape.asns.first;
    const pin = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: arb, weight: 1 });
    const loopbackBase = parsePrefix(shape.loopbacks).base;
    const loopbackPin = pin(fc.integer({ min: 1, max: hostCount(shape.loopbacks) }).map((k) => intToIp(loopbackBase + k)));
    const servers = fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 1 },
      { arbitrary: fc.record({ vlan: fc.integer({ min: 2, max: 4094 }), ports: fc.integer({ min: 1, max: 8 }), prefixLength: fc.integer({ min: 22, max: 30 }) }), weight: 1 },
    );
    return fc
      .record({
        fabricName: fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,9}$/),
        names,
        rackNames,
        spinePins: fc.array(loopbackPin, { minLength: shape.spines, maxLength: shape.spines }),
        leafPins: fc.array(fc.record({ asn: pin(fc.integer({ min: 0, max: asnSpan }).map((k) => shape.asns.first + k)), loopback: loopbackPin }), {
          minLength: leafCount,
          maxLength: leafCount,
        }),
        rackServers: fc.array(servers, { minLength: shape.rackSizes.length, maxLength: shape.rackSizes.length }),
        uplinks: fc.shuffledSubarray(UPLINK_CANDIDATES, { minLength: shape.spines, maxLength: shape.spines }),
        spinePortsSplit: fc.integer({ min: 0, max: PORTS.length - 1 }),
      })
      .map((g): FabricSpec => {
        let next = 0;
        const spines = g.spinePins.map((loopback) => ({ name: g.names[next++]!, loopback }));
        let leafIndex = 0;
        const racks = shape.rackSizes.map((size, i) => ({
          name: g.rackNames[i]!,
          leaves: Array.from({ length: size }, () => ({ name: g.names[next++]!, ...g.leafPins[leafIndex++]! })),
          servers: g.rackServers[i],
        }));
        // The spine ports as one range, or as two ranges that start in the middle: hand-out order
        // is the order written, not port order.
        const k = g.spinePortsSplit;
        const spinePorts = k === 0 ? ['Ethernet0-Ethernet124/4'] : [`Ethernet${k * 4}-Ethernet124/4`, `Ethernet0-Ethernet${(k - 1) * 4}/4`];
        return dedupePins({
          name: g.fabricName,
          spineAsn: shape.asns.spine,
          leafAsns: { first: shape.asns.first, last: shape.asns.last },
          loopbacks: shape.loopbacks,
          p2p: shape.p2p,
          servers: shape.servers,
          spines,
          racks: racks.map(clean),
          uplinks: g.uplinks,
          spinePorts,
          spare: { switches: g.names.slice(next), racks: g.rackNames.slice(shape.rackSizes.length) },
        });
      });
  });

/** A rack built from the fabric's spare names, unpinned. */
function spareRack(f: FabricSpec, which: number, size: number, servers?: RackSpec['servers']): RackSpec {
  const names = f.spare.switches.slice(which * MAX_LEAVES, which * MAX_LEAVES + size);
  return { name: f.spare.racks[which]!, leaves: names.map((name) => ({ name })), ...(servers ? { servers } : {}) };
}

function withRacks(f: FabricSpec, racks: RackSpec[]): FabricSpec {
  return { ...f, racks };
}

// ---------------------------------------------------------------------------------------------
// Compiling and looking at the result.

interface Output {
  readonly compiled: Compiled;
  readonly lock: string;
  readonly allocation: Allocation; // read back from the lock text: what the next run sees
  readonly configs: ReadonlyMap<string, string>; // switch → config_db.json text
}

function compile(f: FabricSpec, lock?: string, opts: { allowRenumber?: boolean; prune?: boolean } = {}): Output {
  const r = tryCompile(f, lock, opts);
  if (!r.ok) throw new Error(`expected the fabric to compile:\n${formatDiagnostics(r.diagnostics)}\n---\n${toYaml(f)}`);
  return r.out;
}

function tryCompile(
  f: FabricSpec,
  lock?: string,
  opts: { allowRenumber?: boolean; prune?: boolean } = {},
): { ok: true; out: Output } | { ok: false; diagnostics: Parameters<typeof formatDiagnostics>[0] } {
  const r = compileFabric({ text: toYaml(f), file: 'prop.fabric.yaml', ...(lock === undefined ? {} : { lockText: lock }) }, opts);
  if (!r.ok) return { ok: false, diagnostics: r.diagnostics };
  const text = serializeLock(r.allocation);
  const parsed = parseLock(text, f.name);
  if (!parsed.lock) throw new Error(`the lock does not read back: ${formatDiagnostics(parsed.diagnostics)}\n${text}`);
  const configs = new Map([...r.configs].map(([name, db]) => [name, JSON.stringify(db, null, 2)] as const));
  return { ok: true, out: { compiled: r, lock: text, allocation: parsed.lock, configs } };
}

/** Configs as a sorted object, so that two runs compare whatever order the file had. */
function configsOf(o: Output): Record<string, string> {
  return Object.fromEntries([...o.configs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function leafNames(r: RackSpec): string[] {
  return r.leaves.map((l) => l.name);
}

function linksOf(a: Allocation, leaves: readonly string[]): [string, LinkAllocation][] {
  const set = new Set(leaves);
  return [...a.links].filter(([, l]) => set.has(l.leaf));
}

/** The values one set of switches and their links hold, per kind, for comparing reservations. */
function valuesOf(a: Allocation, leaves: readonly string[]) {
  const sw = leaves.map((n) => a.switches.get(n)!);
  const links = linksOf(a, leaves).map(([, l]) => l);
  return {
    asn: sw.map((s) => String(s.asn)),
    loopback: sw.map((s) => s.loopback),
    servers: sw.flatMap((s) => (s.servers ? [s.servers] : [])),
    p2p: links.map((l) => l.p2p),
    spinePort: links.map((l) => `${l.spine}:${l.spinePort}`),
  };
}

type Values = ReturnType<typeof valuesOf>;

function sorted(xs: readonly string[]): string[] {
  return [...xs].sort();
}

function disjoint(a: Values, b: Values): void {
  for (const k of Object.keys(a) as (keyof Values)[]) {
    const mine = new Set(a[k]);
    expect(b[k].filter((v) => mine.has(v)), `${k} values shared`).toEqual([]);
  }
  const overlaps = a.servers.flatMap((x) => b.servers.filter((y) => overlap(x, y)).map((y) => `${x} ∩ ${y}`));
  expect(overlaps).toEqual([]);
}

function overlap(x: string, y: string): boolean {
  const a = parsePrefix(x);
  const b = parsePrefix(y);
  const aEnd = a.base + 2 ** (32 - a.prefixLength);
  const bEnd = b.base + 2 ** (32 - b.prefixLength);
  return a.base < bEnd && b.base < aEnd;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function mapConcurrent(ip: number, cidr: string): boolean {
  const p = parsePrefix(cidr);
  return ip >= p.base && ip < p.base + 2 ** (32 - p.prefixLength);
}

/** Every rule of uniqueness and pools, on one lock (removed entries included: they are
 *  reserved) and the CONFIG_DB rendered from it. */
function checkInvariants(f: FabricSpec, o: Output): void {
  const a = o.allocation;
  const switches = [...a.switches];
  const leaves = switches.filter(([, s]) => s.role === 'leaf');

  const asns = leaves.map(([, s]) => s.asn!);
  expect(new Set(asns).size, 'ASNs unique').toBe(asns.length);
  for (const asn of asns) expect(asn >= f.leafAsns.first && asn <= f.leafAsns.last, `ASN ${asn} in range`).toBe(true);

  const loopbacks = switches.map(([, s]) => s.loopback);
  expect(new Set(loopbacks).size, 'loopbacks unique').toBe(loopbacks.length);
  const pool = parsePrefix(f.loopbacks);
  const pinnedLoopbacks = new Set([...f.spines, ...f.racks.flatMap((r) => r.leaves)].flatMap((s) => (s.loopback ? [s.loopback] : [])));
  for (const lb of loopbacks) {
    const v = ipToInt(lb);
    expect(mapConcurrent(v, f.loopbacks), `loopback ${lb} in ${f.loopbacks}`).toBe(true);
    // Drawn values skip the network and broadcast addresses; only a pin may sit there.
    if (!pinnedLoopbacks.has(lb)) expect(v !== pool.base && v !== pool.base + 2 ** (32 - pool.prefixLength) - 1, `loopback ${lb} is a host address`).toBe(true);
  }

  const links = [...a.links.values()];
  const p2p = links.map((l) => l.p2p);
  expect(new Set(p2p).size, '/31s unique').toBe(p2p.length);
  for (const cidr of p2p) {
    const p = parsePrefix(cidr);
    expect(p.prefixLength).toBe(31);
    expect(p.hostBits, `${cidr} aligned`).toBe(false);
    expect(mapConcurrent(p.base, f.p2p), `${cidr} in ${f.p2p}`).toBe(true);
  }

  const spinePorts = new Set(expandPortList(f.spinePorts).ports);
  const perSpine = links.map((l) => `${l.spine}:${l.spinePort}`);
  expect(new Set(perSpine).size, 'spine ports unique per spine').toBe(perSpine.length);
  for (const l of links) expect(spinePorts.has(l.spinePort), `${l.spinePort} in cabling.spine-ports`).toBe(true);

  const servers = switches.flatMap(([n, s]) => (s.servers ? [[n, s.servers] as const] : []));
  for (let i = 0; i < servers.length; i++) {
    const [n, cidr] = servers[i]!;
    const p = parsePrefix(cidr);
    expect(p.hostBits, `${cidr} aligned`).toBe(false);
    expect(mapConcurrent(p.base, f.servers) && mapConcurrent(p.base + 2 ** (32 - p.prefixLength) - 1, f.servers), `${cidr} in ${f.servers}`).toBe(true);
    for (let j = i + 1; j < servers.length; j++) expect(overlap(cidr, servers[j]![1]), `${n} ${cidr} overlaps ${servers[j]![0]} ${servers[j]![1]}`).toBe(false);
  }

  // The file's current switches: pins honoured, server prefix of the rack's length.
  for (const s of f.spines) {
    expect(a.switches.get(s.name)?.removed).toBeUndefined();
    if (s.loopback) expect(a.switches.get(s.name)!.loopback).toBe(s.loopback);
  }
  for (const r of f.racks) {
    for (const l of r.leaves) {
      const got = a.switches.get(l.name)!;
      expect(got.removed).toBeUndefined();
      expect(got.rack).toBe(r.name);
      if (l.asn !== undefined) expect(got.asn).toBe(l.asn);
      if (l.loopback !== undefined) expect(got.loopback).toBe(l.loopback);
      if (r.servers) expect(parsePrefix(got.servers!).prefixLength).toBe(r.servers.prefixLength);
      else expect(got.servers).toBeUndefined();
      for (const s of f.spines) expect(a.links.get(`${l.name} -- ${s.name}`)?.removed).toBeUndefined();
    }
  }

  // CONFIG_DB: the spine takes the even address of each /31, the two ends agree.
  for (const l of links) {
    if (l.removed) continue;
    const base = parsePrefix(l.p2p).base;
    const spine = JSON.parse(o.configs.get(l.spine)!);
    const leaf = JSON.parse(o.configs.get(l.leaf)!);
    expect(spine.INTERFACE[`${l.spinePort}|${intToIp(base)}/31`], `${l.spine} ${l.spinePort} has the even address`).toEqual({});
    expect(leaf.INTERFACE[`${l.leafPort}|${intToIp(base + 1)}/31`], `${l.leaf} ${l.leafPort} has the odd address`).toEqual({});
    expect(spine.BGP_NEIGHBOR[intToIp(base + 1)]).toMatchObject({ name: l.leaf, local_addr: intToIp(base), asn: String(a.switches.get(l.leaf)!.asn) });
    expect(leaf.BGP_NEIGHBOR[intToIp(base)]).toMatchObject({ name: l.spine, local_addr: intToIp(base + 1), asn: String(f.spineAsn) });
  }
}

/** A spine's CONFIG_DB after a rack was added: every old entry byte-identical, nothing removed,
 *  new entries only where a new leaf is described. */
function checkSpineGrew(before: string, after: string, newLeaves: ReadonlySet<string>): void {
  const b = JSON.parse(before) as Record<string, Record<string, unknown>>;
  const a = JSON.parse(after) as Record<string, Record<string, unknown>>;
  const grown = new Set(['PORT', 'INTERFACE', 'BGP_NEIGHBOR', 'DEVICE_NEIGHBOR', 'DEVICE_NEIGHBOR_METADATA']);
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  for (const table of Object.keys(a)) {
    for (const [key, entry] of Object.entries(b[table]!)) {
      expect(JSON.stringify(a[table]![key]), `${table}|${key} unchanged`).toBe(JSON.stringify(entry));
    }
    const added = Object.keys(a[table]!).filter((k) => !(k in b[table]!));
    if (!grown.has(table)) expect(added, `new entries in ${table}`).toEqual([]);
    for (const k of added) {
      const e = a[table]![k] as Record<string, string>;
      const about =
        table === 'PORT' ? e.description!.split(':')[0]! :
        table === 'BGP_NEIGHBOR' || table === 'DEVICE_NEIGHBOR' ? e.name! :
        table === 'DEVICE_NEIGHBOR_METADATA' ? k :
        undefined;
      if (about !== undefined) expect(newLeaves.has(about), `${table}|${k} is about a new leaf (${about})`).toBe(true);
    }
  }
}

// ---------------------------------------------------------------------------------------------

// Modest by default (the file runs in a few seconds); CLOS_PROP_RUNS=1000 for a long hunt.
const SCALE = Number(process.env.CLOS_PROP_RUNS ?? 30) / 30;
const TIMEOUT = 30_000 * Math.max(1, SCALE);
const RUNS = { numRuns: Math.max(1, Math.round(30 * SCALE)) };

describe('allocation properties', () => {
  it('is deterministic, and a lock is a fixed point', () => {
    fc.assert(
      fc.property(fabricArb, (f) => {
        const first = compile(f);
        const again = compile(f);
        expect(again.lock).toBe(first.lock);
        expect(configsOf(again)).toEqual(configsOf(first));
        checkInvariants(f, first);

        const locked = compile(f, first.lock);
        const lockedAgain = compile(f, first.lock);
        expect(locked.lock).toBe(first.lock);
        expect(configsOf(locked)).toEqual(configsOf(first));
        expect(lockedAgain.lock).toBe(locked.lock);
        expect(configsOf(lockedAgain)).toEqual(configsOf(locked));
        expect(locked.compiled.changes).toEqual([]);
      }),
      RUNS,
    );
  }, TIMEOUT);

  it('does not depend on the order of racks, or of leaves in a rack', () => {
    const reordered = fabricArb.chain((f) =>
      fc
        .record({
          racks: fc.shuffledSubarray(f.racks, { minLength: f.racks.length, maxLength: f.racks.length }),
          leafOrder: fc.array(fc.nat(), { minLength: 64, maxLength: 64 }),
        })
        .map(({ racks, leafOrder }) => {
          let k = 0;
          const shuffle = <T>(xs: readonly T[]): T[] => {
            const out = [...xs];
            for (let i = out.length - 1; i > 0; i--) {
              const j = leafOrder[k++ % leafOrder.length]! % (i + 1);
              [out[i], out[j]] = [out[j]!, out[i]!];
            }
            return out;
          };
          return [f, withRacks(f, racks.map((r) => ({ ...r, leaves: shuffle(r.leaves) })))] as const;
        }),
    );
    fc.assert(
      fc.property(reordered, ([f, g]) => {
        const a = compile(f);
        const b = compile(g);
        expect(b.lock).toBe(a.lock);
        expect(configsOf(b)).toEqual(configsOf(a));
        const c = compile(g, a.lock);
        expect(c.lock).toBe(a.lock);
        expect(configsOf(c)).toEqual(configsOf(a));
      }),
      RUNS,
    );
  }, TIMEOUT);

  it('adding a rack changes no existing allocation, and only adds entries for it on the spines', () => {
    const arb = fabricArb.chain((f) =>
      fc.record({
        f: fc.constant(f),
        size: fc.integer({ min: 1, max: MAX_LEAVES }),
        at: fc.integer({ min: 0, max: f.racks.length }),
        servers: fc.option(fc.record({ vlan: fc.integer({ min: 2, max: 4094 }), ports: fc.integer({ min: 1, max: 8 }), prefixLength: fc.integer({ min: 22, max: 30 }) }), { nil: undefined }),
      }),
    );
    fc.assert(
      fc.property(arb, ({ f, size, at, servers }) => {
        const before = compile(f);
        const rack = spareRack(f, 0, size, servers);
        const racks = [...f.racks];
        racks.splice(at, 0, rack);
        const g = withRacks(f, racks);
        const after = compile(g, before.lock);
        checkInvariants(g, after);

        // The lock: the old entries as they were, plus the new rack's switches and links.
        const added = new Set(leafNames(rack));
        expect(new Map([...after.allocation.switches].filter(([n]) => !added.has(n)))).toEqual(before.allocation.switches);
        expect(new Map([...after.allocation.links].filter(([, l]) => !added.has(l.leaf)))).toEqual(before.allocation.links);
        expect([...after.allocation.switches.keys()].filter((n) => added.has(n)).sort()).toEqual([...added].sort());
        expect(linksOf(after.allocation, [...added])).toHaveLength(added.size * f.spines.length);
        expect(after.compiled.changes.every((c) => c.kind === 'add')).toBe(true);

        // CONFIG_DB: old leaves byte-identical; spines only grew.
        for (const [name, db] of before.configs) {
          if (f.spines.some((s) => s.name === name)) checkSpineGrew(db, after.configs.get(name)!, added);
          else expect(after.configs.get(name), `${name} unchanged`).toBe(db);
        }
      }),
      RUNS,
    );
  }, TIMEOUT);

  it('a removed rack stays reserved, comes back with its values, and is released by --prune', () => {
    const arb = fabricArb
      .filter((f) => f.racks.length >= 2)
      .chain((f) => fc.record({ f: fc.constant(f), which: fc.nat(f.racks.length - 1), steal: fc.constantFrom('asn' as const, 'loopback' as const) }));
    fc.assert(
      fc.property(arb, ({ f: f0, which, steal }) => {
        // The removed rack is unpinned, so that after a prune a rack of its size is sure to get
        // exactly its values back (they are then the lowest free).
        const gone0 = f0.racks[which]!;
        const gone: RackSpec = { ...gone0, leaves: gone0.leaves.map((l) => ({ name: l.name })) };
        const f = withRacks(f0, f0.racks.map((r, i) => (i === which ? gone : r)));
        const full = compile(f);
        const goneLeaves = leafNames(gone);
        const goneSet = new Set(goneLeaves);
        const isGone = (n: string) => goneSet.has(n);
        const rest = withRacks(f, f.racks.filter((_, i) => i !== which));

        // Removed: everything kept, the rack's entries marked removed with their values.
        const removed = compile(rest, full.lock);
        checkInvariants(rest, removed);
        for (const [n, s] of full.allocation.switches) {
          const now = removed.allocation.switches.get(n)!;
          if (isGone(n)) expect(now).toEqual({ ...s, removed: true });
          else expect(now).toEqual(s);
        }
        for (const [id, l] of full.allocation.links) {
          const now = removed.allocation.links.get(id)!;
          if (isGone(l.leaf)) expect(now).toEqual({ ...l, removed: true });
          else expect(now).toEqual(l);
        }
        expect(removed.allocation.switches.size).toBe(full.allocation.switches.size);
        expect(removed.allocation.links.size).toBe(full.allocation.links.size);
        for (const [name, db] of removed.configs) {
          // A spine loses exactly what adding the rack back would add.
          if (f.spines.some((s) => s.name === name)) checkSpineGrew(db, full.configs.get(name)!, goneSet);
          else expect(db, `${name} unchanged`).toBe(full.configs.get(name));
        }
        expect(removed.compiled.changes.every((c) => c.kind === 'remove')).toBe(true);
        // The lock with removed entries is stable.
        expect(compile(rest, removed.lock).lock).toBe(removed.lock);

        // A new rack of the same shape does not get the reserved values.
        const fresh = spareRack(f, 0, gone.leaves.length, gone.servers);
        const withFresh = withRacks(rest, [...rest.racks, fresh]);
        const added = compile(withFresh, removed.lock);
        checkInvariants(withFresh, added);
        disjoint(valuesOf(full.allocation, goneLeaves), valuesOf(added.allocation, leafNames(fresh)));
        for (const n of goneLeaves) expect(added.allocation.switches.get(n)).toEqual({ ...full.allocation.switches.get(n)!, removed: true });

        // A pin on a reserved value would move it (the rack could not come back with it): refused
        // like any other move; when allowed, the reservation moves and the lock stays unique.
        const victim = goneLeaves[0]!;
        const reservedValue = steal === 'asn' ? full.allocation.switches.get(victim)!.asn! : full.allocation.switches.get(victim)!.loopback;
        const thief = { ...fresh, leaves: fresh.leaves.map((l, i) => (i === 0 ? { ...l, [steal]: reservedValue } : l)) };
        const withThief = withRacks(rest, [...rest.racks, thief]);
        const stolen = tryCompile(withThief, removed.lock);
        expect(stolen.ok ? [] : stolen.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([expect.stringMatching(new RegExp(`^RENUMBER .*switch ${escapeRe(victim)} ${steal} `))]);
        const taken = compile(withThief, removed.lock, { allowRenumber: true });
        checkInvariants(withThief, taken);
        const moved = taken.allocation.switches.get(victim)!;
        expect(moved.removed).toBe(true);
        expect(steal === 'asn' ? moved.asn : moved.loopback).not.toBe(reservedValue);
        expect(compile(withThief, taken.lock).lock).toBe(taken.lock);

        // Re-added before a prune: its old values, byte-identical output.
        const back = compile(f, removed.lock);
        expect(back.lock).toBe(full.lock);
        expect(configsOf(back)).toEqual(configsOf(full));
        const bothBack = compile(withRacks(f, [...f.racks, fresh]), added.lock);
        for (const n of goneLeaves) expect(bothBack.allocation.switches.get(n)).toEqual(full.allocation.switches.get(n));
        for (const [id, l] of linksOf(full.allocation, goneLeaves)) expect(bothBack.allocation.links.get(id)).toEqual(l);

        // --prune: the rack's entries leave the lock, everything else stays.
        const pruned = compile(rest, removed.lock, { prune: true });
        expect(pruned.allocation.switches).toEqual(new Map([...full.allocation.switches].filter(([n]) => !isGone(n))));
        expect(pruned.allocation.links).toEqual(new Map([...full.allocation.links].filter(([, l]) => !isGone(l.leaf))));
        expect(pruned.lock).not.toMatch(/removed: true/);
        for (const [name, db] of pruned.configs) expect(db).toBe(removed.configs.get(name));
        // ...and its values are free again: a rack of the same shape takes exactly them.
        const reused = compile(withFresh, pruned.lock);
        checkInvariants(withFresh, reused);
        const was = valuesOf(full.allocation, goneLeaves);
        const now = valuesOf(reused.allocation, leafNames(fresh));
        for (const k of Object.keys(was) as (keyof Values)[]) expect(sorted(now[k]), k).toEqual(sorted(was[k]));
      }),
      { numRuns: Math.max(1, Math.round(25 * SCALE)) },
    );
  }, TIMEOUT);

  it('a pin that would move an existing value is refused with RENUMBER unless allowed', () => {
    const arb = fabricArb
      .filter((f) => f.racks.flatMap((r) => r.leaves).length >= 2)
      .chain((f) =>
        fc.record({
          f: fc.constant(f),
          kind: fc.constantFrom('asn', 'loopback'),
          target: fc.nat(),
          victim: fc.nat(),
          mode: fc.constantFrom('take-another', 'move-self', 'same-value', 'new-rack-takes'),
        }),
      );
    fc.assert(
      fc.property(arb, ({ f, kind, target, victim, mode }) => {
        const before = compile(f);
        const leaves = f.racks.flatMap((r) => r.leaves);
        const pinnedElsewhere = (v: string | number) =>
          kind === 'asn' ? leaves.some((l) => l.asn === v) : [...f.spines, ...leaves].some((s) => s.loopback === v);
        const valueOf = (s: SwitchAllocation): number | string => (kind === 'asn' ? s.asn! : s.loopback);

        const pinLeaf = (g: FabricSpec, name: string, value: number | string): FabricSpec =>
          withRacks(g, g.racks.map((r) => ({ ...r, leaves: r.leaves.map((l) => (l.name === name ? { ...l, [kind]: value } : l)) })));

        const candidates = leaves.filter((l) => l[kind] === undefined);
        let g: FabricSpec;
        let expectMove: string | undefined; // the switch that must move (refused without the flag)
        let pinned: { name: string; value: number | string };
        if (mode === 'new-rack-takes' || mode === 'take-another') {
          // Someone takes the value of an unpinned existing leaf.
          if (candidates.length === 0) return;
          const v = candidates[victim % candidates.length]!;
          const value = valueOf(before.allocation.switches.get(v.name)!);
          if (mode === 'take-another') {
            const others = leaves.filter((l) => l.name !== v.name);
            const t = others[target % others.length]!;
            g = pinLeaf(f, t.name, value);
            pinned = { name: t.name, value };
          } else {
            const rack = spareRack(f, 0, 1);
            rack.leaves[0] = { ...rack.leaves[0]!, [kind]: value };
            g = withRacks(f, [...f.racks, rack]);
            pinned = { name: rack.leaves[0]!.name, value };
          }
          expectMove = v.name;
        } else {
          const t = leaves[target % leaves.length]!;
          const current = valueOf(before.allocation.switches.get(t.name)!);
          let value: number | string = current;
          if (mode === 'move-self') {
            // The lowest value nobody holds or pins: pinning it moves t itself.
            const held = new Set([...before.allocation.switches.values()].map(valueOf));
            if (kind === 'asn') {
              value = f.leafAsns.first;
              while (held.has(value) || pinnedElsewhere(value)) value++;
            } else {
              let k = parsePrefix(f.loopbacks).base + 1;
              while (held.has(intToIp(k)) || pinnedElsewhere(intToIp(k))) k++;
              value = intToIp(k);
            }
            expectMove = t.name;
          }
          g = pinLeaf(f, t.name, value);
          pinned = { name: t.name, value };
        }

        const refused = tryCompile(g, before.lock);
        if (expectMove === undefined) {
          // Pinning a value a switch already holds changes nothing.
          if (!refused.ok) throw new Error(formatDiagnostics(refused.diagnostics));
          expect(refused.out.lock).toBe(before.lock);
          expect(configsOf(refused.out)).toEqual(configsOf(before));
          return;
        }
        expect(refused.ok).toBe(false);
        if (refused.ok) return;
        expect(refused.diagnostics.map((d) => d.code)).toEqual(['RENUMBER']);
        expect(refused.diagnostics[0]!.message).toContain(`switch ${expectMove} ${kind}`);

        const allowed = compile(g, before.lock, { allowRenumber: true });
        checkInvariants(g, allowed);
        expect(valueOf(allowed.allocation.switches.get(pinned.name)!)).toBe(pinned.value);
        expect(allowed.compiled.changes.some((c) => c.kind === 'move' && c.object === `switch ${expectMove}` && c.field === kind)).toBe(true);
        // Only what had to move moved.
        for (const [n, s] of before.allocation.switches) {
          if (n === expectMove || n === pinned.name) continue;
          expect(allowed.allocation.switches.get(n), n).toEqual(s);
        }
        // And the new lock is accepted as it is.
        expect(compile(g, allowed.lock).lock).toBe(allowed.lock);
      }),
      RUNS,
    );
  }, TIMEOUT);
});
