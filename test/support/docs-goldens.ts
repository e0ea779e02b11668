// The golden documents of each example fabric (`clos docs` of it with its committed lock), kept in
// test/golden-docs/<fabric>/. `npm run golden` writes them, test/fabric-docs/golden.test.ts
// compares.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { compileFabric, formatDiagnostics, type Compiled } from '../../src/core/compile.ts';
import { fabricDocs } from '../../src/fabric-docs/generate.ts';
import { ROOT } from './goldens.ts';

export const DOCS_GOLDEN_DIR = 'test/golden-docs';

/** An example fabric compiled as `clos docs` compiles it: with its lock. */
export function compileExample(fabricFile: string): Compiled {
  const rel = join('topologies', fabricFile);
  const lock = join('topologies', `${basename(fabricFile, '.fabric.yaml')}.lock.yaml`);
  const r = compileFabric({ text: readFileSync(join(ROOT, rel), 'utf8'), file: rel, lockText: readFileSync(join(ROOT, lock), 'utf8'), lockFile: lock });
  if (!r.ok) throw new Error(formatDiagnostics(r.diagnostics));
  return r;
}

/** Relative path (from the repository root) → expected content. */
export function docsGoldens(fabricFile: string): Map<string, string> {
  const c = compileExample(fabricFile);
  return new Map([...fabricDocs(c)].map(([rel, text]) => [join(DOCS_GOLDEN_DIR, c.fabric.name, rel), text]));
}
