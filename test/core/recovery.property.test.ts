// Error recovery after schema errors (issue 13, item 9): whatever single value of a valid fabric
// is broken, compiling never throws, the problem is reported at a line of the file, and no
// diagnostic speaks of a stand-in that recovery put in place of a cut part.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { compileFabric } from '../../src/core/compile.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const DC1 = {
  ...(parse(readFileSync(`${ROOT}/topologies/dc1.fabric.yaml`, 'utf8')) as Record<string, unknown>),
  // Adoption entries depend on the ports the fabric uses: breaking the cabling must not make them wrong.
  adoption: { keep: ['VLAN|Vlan9', 'BGP_NEIGHBOR|192.0.2.9'] },
};
const runs = { numRuns: Math.max(1, Math.round(Number(process.env.CLOS_PROP_RUNS ?? 30) * 3)) };

/** Every path to a value of the document. */
function paths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== 'object') return [at];
  const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v);
  return [at, ...entries.flatMap(([k, x]) => paths(x, [...at, k]))];
}
const ALL = paths(DC1).filter((p) => p.length > 0);

const junk = fc.oneof(
  fc.constant(null), fc.integer(), fc.constant('Bad_Name'), fc.constant('-x'), fc.constant('10.0.0.0/33'), fc.constant([]), fc.constant({}),
  fc.constant(['a', 1]), fc.constant({ spinez: 1 }), fc.string({ maxLength: 5 }),
);
type Edit = { path: (string | number)[]; op: 'set' | 'delete' | 'rename'; value: unknown };
const edit: fc.Arbitrary<Edit> = fc.record({ path: fc.constantFrom(...ALL), op: fc.constantFrom('set' as const, 'delete' as const, 'rename' as const), value: junk });

function applyEdits(edits: readonly Edit[]): string {
  const doc = structuredClone(DC1);
  for (const e of edits) {
    let holder: Record<string | number, unknown> = doc;
    for (const step of e.path.slice(0, -1)) {
      const next = holder?.[step];
      if (next === null || typeof next !== 'object') return stringify(doc);
      holder = next as Record<string | number, unknown>;
    }
    const last = e.path[e.path.length - 1]!;
    if (e.op === 'set') holder[last] = e.value;
    else if (e.op === 'delete' && !Array.isArray(holder)) delete holder[last];
    else if (e.op === 'rename' && !Array.isArray(holder) && last in holder) {
      holder[`${String(last)}z`] = holder[last];
      delete holder[last];
    }
  }
  return stringify(doc);
}

describe('error recovery', () => {
  it('starts from a valid fabric', () => {
    expect(compileFabric({ text: stringify(DC1), file: 'f.fabric.yaml' }).diagnostics).toEqual([]);
  });

  it('never throws, places every problem on a line, and never reports a stand-in', () => {
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
        const text = applyEdits(edits);
        const r = compileFabric({ text, file: 'f.fabric.yaml' });
        if (r.ok) return;
        const lines = text.split('\n').length;
        for (const d of r.diagnostics) {
          expect(d.line).toBeGreaterThanOrEqual(1);
          expect(d.line).toBeLessThanOrEqual(lines);
          expect(d.message).not.toMatch(/0\.0\.0\.0\/32|\b1-1\b|x:Ethernet0|\b(switch|leaf|spine|rack) x\b|names switch x\b/);
        }
      }),
      runs,
    );
  });
});
