// Vitest global setup: tests that start `bin/clos.js` as a process run dist/, so build it when
// it is missing or older than src/ (the same check bin/clos.js makes) — the tests in-process
// run src/ through tsx; both then run the same code.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { distProblem } from '../../bin/freshness.js';

export default function buildDist(): void {
  if (!distProblem()) return;
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status}): ${r.stderr}`);
}
