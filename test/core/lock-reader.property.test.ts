// parseLock reads a lock in serializeLock's exact form without the YAML parser (large fabrics'
// locks take seconds through it) and hands anything else to the YAML parser and the schema.
// Whatever the text, the two must give the same result: same lock (same order) or same errors.
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseLock, parseLockWithYaml, serializeLock, type ParsedLock } from '../../src/core/allocate/lock.ts';
import type { Allocation, LinkAllocation, SwitchAllocation } from '../../src/core/model.ts';

// Names a lock may hold once edited by hand: plain, quoted, numbers, YAML words, odd characters.
const name = fc.oneof(
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9_./-]{0,6}$/),
  fc.stringMatching(/^[0-9][A-Za-z0-9_.-]{0,4}$/),
  fc.constantFrom('true', 'False', 'null', 'y', 'n', 'on', 'off', 'yes', '~', '123', '0x1F', '1e5', '.inf', '__proto__', 'constructor', 'a b', 'a:b', 'a#b', 'é', 'x"y', 'x\\y', '-a', '[a]', '{a}'),
);
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const cidr = fc.tuple(ipv4, fc.integer({ min: 0, max: 32 })).map(([ip, len]) => `${ip}/${len}`);
const port = fc.nat(600).map((n) => `Ethernet${n}`);

const switchAllocation: fc.Arbitrary<SwitchAllocation> = fc
  .record({
    role: fc.constantFrom('spine' as const, 'leaf' as const),
    rack: fc.option(name, { nil: undefined }),
    asn: fc.option(fc.oneof(fc.nat(70000), fc.constant(4294967294)), { nil: undefined }),
    loopback: ipv4,
    servers: fc.option(cidr, { nil: undefined }),
    removed: fc.option(fc.constant(true as const), { nil: undefined }),
  })
  .map((s) => Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) as unknown as SwitchAllocation);

const allocation: fc.Arbitrary<Allocation> = fc
  .record({
    fabric: fc.oneof(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,6}$/), name),
    switches: fc.uniqueArray(fc.tuple(name, switchAllocation), { selector: ([n]) => n, maxLength: 6 }),
    links: fc.uniqueArray(
      fc.record({ leaf: name, spine: name, leafPort: port, spinePort: port, p2p: cidr, removed: fc.option(fc.constant(true as const), { nil: undefined }) }),
      { selector: (l) => `${l.leaf} -- ${l.spine}`, maxLength: 8 },
    ),
  })
  .map((a) => ({
    fabric: a.fabric,
    switches: new Map(a.switches),
    links: new Map(a.links.map((l) => [`${l.leaf} -- ${l.spine}`, strip(l) as LinkAllocation] as const)),
  }));

/** The same names and shapes made consistent, as the allocator writes them (checkLock accepts
 *  them): leaves with a rack and a unique ASN, spines without, unique loopbacks and server
 *  prefixes, links between a leaf and a spine of the lock with unique /31s and ports. */
const consistent: fc.Arbitrary<Allocation> = allocation.map((a) => {
  const switches = new Map<string, SwitchAllocation>();
  let i = 0;
  for (const [n, s] of a.switches) {
    if (n === '__proto__') continue; // not a switch name a fabric file allows
    i++;
    const base = { loopback: `10.0.${i >> 8}.${i & 255}`, ...(s.removed ? { removed: true as const } : {}) };
    switches.set(n, s.role === 'leaf'
      ? { role: 'leaf', rack: s.rack ?? 'r1', asn: 65000 + i, ...base, ...(s.servers ? { servers: `172.16.${i}.0/24` } : {}) }
      : { role: 'spine', ...base });
  }
  // A link is named "leaf -- spine": its ends are names without spaces (fabric names are).
  const ends = (role: string) => [...switches].filter(([n, s]) => s.role === role && /^\S+$/.test(n)).map(([n]) => n);
  const leaves = ends('leaf');
  const spines = ends('spine');
  const links = new Map<string, LinkAllocation>();
  let k = 0;
  for (const l of a.links.values()) {
    if (leaves.length === 0 || spines.length === 0) break;
    const leaf = leaves[k % leaves.length]!;
    const spine = spines[Math.floor(k / leaves.length) % spines.length]!;
    const id = `${leaf} -- ${spine}`;
    if (!links.has(id)) links.set(id, { leaf, spine, leafPort: `Ethernet${links.size}`, spinePort: `Ethernet${links.size}`, p2p: `10.1.0.${2 * links.size}/31`, ...(l.removed ? { removed: true as const } : {}) });
    k++;
  }
  return { fabric: a.fabric, switches, links };
});
const locks = fc.oneof(consistent, allocation);

function strip<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

type Edit = { line: number; op: 'delete-char' | 'insert-char' | 'delete-line' | 'duplicate-line' | 'swap-lines'; at: number; char: string };
const edit: fc.Arbitrary<Edit> = fc.record({
  line: fc.nat(),
  op: fc.constantFrom('delete-char', 'insert-char', 'delete-line', 'duplicate-line', 'swap-lines'),
  at: fc.nat(),
  char: fc.constantFrom(' ', '"', "'", ':', ',', '{', '}', '#', '-', '\\', '0', '9', 'a', 'Z', '\t', '&', '*', '!', '|', '>', '%', '@', '`', '?', '.', '/', '\n', '~'),
});

function apply(text: string, edits: readonly Edit[]): string {
  const lines = text.split('\n');
  for (const e of edits) {
    const i = e.line % lines.length;
    const l = lines[i]!;
    const at = l.length === 0 ? 0 : e.at % (l.length + 1);
    if (e.op === 'delete-char') lines[i] = l.slice(0, at) + l.slice(at + 1);
    else if (e.op === 'insert-char') lines[i] = l.slice(0, at) + e.char + l.slice(at);
    else if (e.op === 'delete-line') lines.splice(i, 1);
    else if (e.op === 'duplicate-line') lines.splice(i, 0, l);
    else {
      const j = e.at % lines.length;
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
    }
    if (lines.length === 0) lines.push('');
  }
  return lines.join('\n');
}

function view(p: ParsedLock) {
  return p.lock ? { fabric: p.lock.fabric, switches: [...p.lock.switches], links: [...p.lock.links] } : { diagnostics: p.diagnostics };
}

// CLOS_PROP_RUNS=1000 (the default is 30) scales the runs up for a long hunt.
const SCALE = Number(process.env.CLOS_PROP_RUNS ?? 30) / 30;
const TIMEOUT = 30_000 * Math.max(1, SCALE);
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)) });

describe('lock reader', () => {
  // The YAML parser reports odd anchors and tags of edited files as process warnings: noise here.
  beforeEach(() => void vi.spyOn(process, 'emitWarning').mockImplementation(() => {}));
  afterEach(() => vi.restoreAllMocks());

  it('reads what serializeLock writes, as the YAML reader does', () => {
    fc.assert(
      fc.property(locks, (a) => {
        const text = serializeLock(a);
        expect(view(parseLock(text, a.fabric))).toEqual(view(parseLockWithYaml(text, a.fabric)));
      }),
      runs(100),
    );
  }, TIMEOUT);

  it('reads a lock the allocator could write back to the same allocation, through both readers', () => {
    fc.assert(
      fc.property(consistent, (a) => {
        const text = serializeLock(a);
        for (const read of [parseLock, parseLockWithYaml]) {
          const r = read(text, a.fabric);
          expect(r.diagnostics).toEqual([]);
          expect(new Map(r.lock!.switches)).toEqual(new Map(a.switches));
          expect(new Map(r.lock!.links)).toEqual(new Map(a.links));
        }
      }),
      runs(100),
    );
  }, TIMEOUT);

  it('gives the same lock or the same errors as the YAML reader for an edited lock', () => {
    fc.assert(
      fc.property(locks, fc.array(edit, { minLength: 1, maxLength: 3 }), (a, edits) => {
        const text = apply(serializeLock(a), edits);
        expect(view(parseLock(text, a.fabric))).toEqual(view(parseLockWithYaml(text, a.fabric)));
      }),
      runs(400),
    );
  }, TIMEOUT);
});
