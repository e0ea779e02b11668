// Whether dist/ can run: it exists and, in a clone (src/ beside it), no source changed after the
// build (a directory's mtime moves when an entry is added, removed or renamed). Shared by
// bin/clos.js (which refuses a stale dist/) and the tests' global setup (which rebuilds it).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Why dist/ must be rebuilt first, or undefined when it is current. */
export function distProblem(root = ROOT) {
  const stamp = join(root, 'dist', 'BUILD');
  if (!existsSync(stamp)) return 'dist/ is missing';
  const src = join(root, 'src');
  if (!existsSync(src)) return undefined; // an installed package: dist/ is all there is
  const builtAt = statSync(stamp).mtimeMs;
  if (statSync(src).mtimeMs > builtAt) return 'dist/ is older than src/';
  for (const e of readdirSync(src, { recursive: true, withFileTypes: true })) {
    const path = join(e.parentPath, e.name);
    if (statSync(path).mtimeMs > builtAt) return `dist/ is older than ${relative(root, path)}`;
  }
  return undefined;
}
