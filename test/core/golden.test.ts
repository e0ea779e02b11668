import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CASES, EXAMPLES, ROOT, errorGolden, exampleGoldens } from '../support/goldens.ts';

const HINT = 'run `npm run golden` and review the diff if the change is intended';

describe('example fabrics match their goldens (lock and per-switch CONFIG_DB)', () => {
  it('has the examples the project promises', () => {
    expect(EXAMPLES).toContain('dc1.fabric.yaml');
    expect(EXAMPLES).toContain('pod4x32.fabric.yaml');
  });
  for (const f of EXAMPLES) {
    it(f, () => {
      const expected = exampleGoldens(f);
      for (const [rel, text] of expected) {
        const path = join(ROOT, rel);
        expect(existsSync(path), `${rel} is missing; ${HINT}`).toBe(true);
        expect(readFileSync(path, 'utf8'), `${rel} differs; ${HINT}`).toBe(text);
      }
      // No stale golden left over for a switch that no longer exists.
      const dir = [...expected.keys()].find((k) => k.startsWith('test/golden/'))!.split('/').slice(0, 3).join('/');
      const onDisk = readdirSync(join(ROOT, dir)).map((n) => join(dir, n));
      expect(onDisk.filter((p) => !expected.has(p))).toEqual([]);
    });
  }
});

describe('bad fabric files give exactly their golden diagnostics', () => {
  it('has at least 15 error cases', () => {
    expect(ERROR_CASES.length).toBeGreaterThanOrEqual(15);
  });
  for (const f of ERROR_CASES) {
    it(f, () => {
      const [rel, text] = errorGolden(f);
      expect(text, `${f} is valid, but error cases must fail`).not.toBe('(valid)\n');
      expect(existsSync(join(ROOT, rel)), `${rel} is missing; ${HINT}`).toBe(true);
      expect(text).toBe(readFileSync(join(ROOT, rel), 'utf8'));
    });
  }
});
