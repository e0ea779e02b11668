// The golden artefacts, computed: per example fabric its lock and each switch's CONFIG_DB (both
// forms); per bad fabric file its exact diagnostics. `npm run golden` writes them, the golden
// tests compare against what is committed.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { serializeLock } from '../../src/core/allocate/lock.ts';
import { compileFabric, formatDiagnostics } from '../../src/core/compile.ts';
import { toRedisForm } from '../../src/core/render/render.ts';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const EXAMPLES = readdirSync(join(ROOT, 'topologies'))
  .filter((f) => f.endsWith('.fabric.yaml'))
  .sort();
export const ERROR_CASES = readdirSync(join(ROOT, 'test/errors'))
  .filter((f) => f.endsWith('.fabric.yaml'))
  .sort();

const json = (v: unknown) => `${JSON.stringify(v, null, 4)}\n`;

/** Relative path → expected content for one example fabric, compiled without a lock: the
 *  committed lock must be exactly what a fresh allocation gives. */
export function exampleGoldens(fabricFile: string): Map<string, string> {
  const rel = join('topologies', fabricFile);
  const r = compileFabric({ text: readFileSync(join(ROOT, rel), 'utf8'), file: rel });
  if (!r.ok) throw new Error(formatDiagnostics(r.diagnostics));
  const name = r.fabric.name;
  const files = new Map<string, string>();
  files.set(join('topologies', `${basename(fabricFile, '.fabric.yaml')}.lock.yaml`), serializeLock(r.allocation));
  for (const [sw, db] of r.configs) {
    files.set(join('test/golden', name, `${sw}.config_db.json`), json(db));
    files.set(join('test/golden', name, `${sw}.redis.json`), json(toRedisForm(db)));
  }
  return files;
}

/** The exact diagnostics of one bad fabric file, as `clos validate` prints them. */
export function errorGolden(fabricFile: string): [string, string] {
  const rel = join('test/errors', fabricFile);
  const r = compileFabric({ text: readFileSync(join(ROOT, rel), 'utf8'), file: rel });
  const text = r.ok ? '(valid)\n' : `${formatDiagnostics(r.diagnostics)}\n`;
  return [join('test/errors', fabricFile.replace(/\.fabric\.yaml$/, '.expected.txt')), text];
}
