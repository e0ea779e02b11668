// The package as users get it: `npm pack`, `npm install -g` of the tarball (into a prefix of the
// test's own; the packages come from the npm cache, which `npm ci` filled — only their metadata
// may be asked of the registry), then the installed `clos` run in an empty directory: no src/,
// no tsx, no repository around it.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('npm pack → npm install -g → clos', () => {
  let dir: string;
  let prefix: string;
  let work: string;
  let files: string[];
  const clos = (...args: string[]) => spawnSync(join(prefix, 'bin', 'clos'), args, { cwd: work, encoding: 'utf8' });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'clos-pack-'));
    prefix = join(dir, 'prefix');
    work = join(dir, 'empty');
    mkdirSync(work);
    // dist/ is current (the global setup built it): pack it as it is rather than build again.
    const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' })) as { filename: string; files: { path: string }[] }[];
    files = packed[0]!.files.map((f) => f.path);
    execFileSync('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(dir, packed[0]!.filename)], { cwd: work, encoding: 'utf8', stdio: 'pipe' });
  }, 240_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ships the compiled code, the protos and the bin, not the TypeScript sources', () => {
    expect(files).toContain('bin/clos.js');
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('dist/lab/agent/main.js');
    expect(files).toContain('dist/lab/sonic/database_config.json');
    expect(files).toContain('proto/gnmi.proto');
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
  });

  it('runs in an empty directory: --version, and validate of a fabric copied there', () => {
    const v = clos('--version');
    expect(v.stderr).toBe('');
    expect(v.stdout.trim()).toBe('0.1.0');
    expect(v.status).toBe(0);
    copyFileSync(join(ROOT, 'topologies/dc1.fabric.yaml'), join(work, 'dc1.fabric.yaml'));
    const r = clos('validate', 'dc1.fabric.yaml');
    expect(r.stdout).toBe('dc1.fabric.yaml: valid: fabric dc1, 2 spines, 4 leaves, 8 links; 28 allocation change(s) pending\n');
    expect(r.status).toBe(0);
    expect(existsSync(join(work, 'dc1.lock.yaml'))).toBe(false);
  });

  it('an invalid fabric exits 2 with its diagnostic', () => {
    writeFileSync(join(work, 'bad.fabric.yaml'), readFileSync(join(ROOT, 'topologies/dc1.fabric.yaml'), 'utf8').replace(/^fabric: dc1$/m, 'fabric: 1nvalid name'));
    const r = clos('validate', 'bad.fabric.yaml');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^bad\.fabric\.yaml:\d+:\d+: error BAD_VALUE: fabric "1nvalid name" is not valid/m);
  });

  it('finds its protos from the installed dist/', () => {
    const installed = join(prefix, 'lib', 'node_modules', 'clos', 'dist', 'gnmi', 'proto.js');
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(installed)}); console.log(m.messageType('gnmi.SubscribeRequest').fullName)`], { cwd: work, encoding: 'utf8' });
    expect(out.trim()).toBe('.gnmi.SubscribeRequest');
  });
});
