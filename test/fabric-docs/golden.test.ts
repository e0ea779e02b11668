// The documents of each example fabric match their goldens, file by file, with nothing left over.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOCS_GOLDEN_DIR, compileExample, docsGoldens } from '../support/docs-goldens.ts';
import { EXAMPLES, ROOT } from '../support/goldens.ts';
import { fabricDocs } from '../../src/fabric-docs/generate.ts';

const HINT = 'run `npm run golden` and review the diff if the change is intended';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

describe('clos docs of the example fabrics match their goldens', () => {
  it('covers dc1 and pod4x32', () => {
    expect(EXAMPLES).toEqual(expect.arrayContaining(['dc1.fabric.yaml', 'pod4x32.fabric.yaml']));
  });
  for (const f of EXAMPLES) {
    it(f, () => {
      const expected = docsGoldens(f);
      for (const [rel, text] of expected) {
        expect(existsSync(join(ROOT, rel)), `${rel} is missing; ${HINT}`).toBe(true);
        expect(readFileSync(join(ROOT, rel), 'utf8'), `${rel} differs; ${HINT}`).toBe(text);
      }
      const dir = join(ROOT, DOCS_GOLDEN_DIR, compileExample(f).fabric.name);
      expect(filesUnder(dir).map((p) => relative(ROOT, p)).filter((p) => !expected.has(p))).toEqual([]);
    });
  }

  it('is deterministic: generating twice gives the same bytes', () => {
    const c = compileExample('pod4x32.fabric.yaml');
    expect([...fabricDocs(c)]).toEqual([...fabricDocs(c)]);
  });
});
