// bin/clos.js in a copy of the repository's layout (its own temp directory, a stand-in
// dist/cli/main.js): runs dist/ when it is current; refuses, naming the fix, when dist/ is
// missing or older than a source; an installed package (no src/) just runs.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;
let dir: string;

const run = () => spawnSync(process.execPath, [join(dir, 'bin/clos.js'), '--version'], { cwd: dir, encoding: 'utf8' });
const age = (path: string, secondsAgo: number) => {
  const t = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(path, t, t);
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clos-bin-'));
  mkdirSync(join(dir, 'bin'));
  for (const f of ['clos.js', 'freshness.js']) copyFileSync(join(ROOT, 'bin', f), join(dir, 'bin', f));
  mkdirSync(join(dir, 'src/cli'), { recursive: true });
  writeFileSync(join(dir, 'src/cli/main.ts'), '// source\n');
  mkdirSync(join(dir, 'dist/cli'), { recursive: true });
  writeFileSync(join(dir, 'dist/cli/main.js'), "export async function main(argv) { process.stdout.write(`dist main ${argv.slice(2).join(' ')}\\n`); return 3; }\n");
  writeFileSync(join(dir, 'dist/BUILD'), 'built\n');
  // Built 30 s ago from sources of 60 s ago (file times are coarser than a test's steps).
  for (const p of ['src/cli/main.ts', 'src/cli', 'src']) age(join(dir, p), 60);
  age(join(dir, 'dist/BUILD'), 30);
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('bin/clos.js', () => {
  it('runs dist/cli/main.js with the arguments, exiting with its code, when dist/ is current', () => {
    const r = run();
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('dist main --version\n');
    expect(r.status).toBe(3);
  });

  it('refuses a dist/ older than an edited source, naming it', () => {
    writeFileSync(join(dir, 'src/cli/main.ts'), '// edited\n');
    age(join(dir, 'src/cli'), 60);
    age(join(dir, 'src'), 60);
    const r = run();
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('clos: dist/ is older than src/cli/main.ts: run `npm run build` (npm ci runs it through prepare)\n');
    expect(r.status).toBe(1);
  });

  it('refuses a dist/ older than a source added (or removed) since', () => {
    writeFileSync(join(dir, 'src/cli/new.ts'), '// new\n');
    age(join(dir, 'src/cli/new.ts'), 60);
    const r = run();
    expect(r.stderr).toBe('clos: dist/ is older than src/cli: run `npm run build` (npm ci runs it through prepare)\n');
    expect(r.status).toBe(1);
  });

  it('refuses a missing dist/', () => {
    rmSync(join(dir, 'dist'), { recursive: true });
    const r = run();
    expect(r.stderr).toBe('clos: dist/ is missing: run `npm run build` (npm ci runs it through prepare)\n');
    expect(r.status).toBe(1);
  });

  it('an installed package (no src/) runs its dist/ whatever the times', () => {
    rmSync(join(dir, 'src'), { recursive: true });
    age(join(dir, 'dist/BUILD'), 3600);
    expect(run().stdout).toBe('dist main --version\n');
  });
});
