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
      fc.property(allocation, (a) => {
        const text = serializeLock(a);
        expect(view(parseLock(text, a.fabric))).toEqual(view(parseLockWithYaml(text, a.fabric)));
      }),
      runs(100),
    );
  }, TIMEOUT);

  it('gives the same lock or the same errors as the YAML reader for an edited lock', () => {
    fc.assert(
      fc.property(allocation, fc.array(edit, { minLength: 1, maxLength: 3 }), (a, edits) => {
        const text = apply(serializeLock(a), edits);
        expect(view(parseLock(text, a.fabric))).toEqual(view(parseLockWithYaml(text, a.fabric)));
      }),
      runs(400),
    );
  }, TIMEOUT);
});
