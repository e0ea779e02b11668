// `clos docs`: writes the fixed set of files into DIR (default docs-<fabric>), reads the lock and
// never writes it, exits 2 on an invalid file (writing nothing) and 1 on an unknown rack, and a
// later run removes the rack sheets and NetBox files it no longer writes.
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

const root = new URL('../..', import.meta.url).pathname;
let dir: string;
let fabric: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clos-docs-'));
  fabric = join(dir, 'dc1.fabric.yaml');
  cpSync(join(root, 'topologies/dc1.fabric.yaml'), fabric);
  cpSync(join(root, 'topologies/dc1.lock.yaml'), join(dir, 'dc1.lock.yaml'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const addRack = (text: string) => text.replace('    leaves: [leaf3, leaf4]\n', '    leaves: [leaf3, leaf4]\n  - name: r3\n    leaves: [leaf5, leaf6]\n');
const list = (d: string): string[] => readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(d.length + 1)).sort();

describe('clos docs', () => {
  it('writes the fabric documents, the same as the goldens, and leaves the lock alone', async () => {
    const lock = readFileSync(join(dir, 'dc1.lock.yaml'), 'utf8');
    const out = join(dir, 'docs');
    const r = await runCli('docs', fabric, '-o', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`wrote 21 files to ${out}\n`);
    expect(r.stderr).toBe('');
    const golden = join(root, 'test/golden-docs/dc1');
    expect(list(out)).toEqual(list(golden));
    for (const f of list(out)) expect(readFileSync(join(out, f), 'utf8'), f).toBe(readFileSync(join(golden, f), 'utf8'));
    expect(readFileSync(join(dir, 'dc1.lock.yaml'), 'utf8')).toBe(lock);
  });

  it('defaults to docs-<fabric> in the working directory', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect((await runCli('docs', 'dc1.fabric.yaml')).code).toBe(0);
    } finally {
      process.chdir(cwd);
    }
    expect(existsSync(join(dir, 'docs-dc1/index.md'))).toBe(true);
  });

  it('--racks: the work order for a new rack, a warning that it is not locked yet, the lock untouched', async () => {
    writeFileSync(fabric, addRack(readFileSync(fabric, 'utf8')));
    const lock = readFileSync(join(dir, 'dc1.lock.yaml'), 'utf8');
    const out = join(dir, 'r3');
    const r = await runCli('docs', fabric, '-o', out, '--racks', 'r3');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wrote \d+ files to .*\/r3 \(racks r3\)\n$/);
    expect(r.stderr).toMatch(/allocation change\(s\) are not in the lock yet/);
    expect(list(out).filter((f) => f.startsWith('racks/'))).toEqual(['racks/r3.md']);
    expect(readFileSync(join(out, 'cabling.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0])).toEqual(['leaf5', 'leaf5', 'leaf6', 'leaf6']);
    expect(readFileSync(join(dir, 'dc1.lock.yaml'), 'utf8')).toBe(lock);
  });

  it('a later run removes the rack sheets and NetBox files it no longer writes, nothing else', async () => {
    const out = join(dir, 'docs');
    expect((await runCli('docs', fabric, '-o', out)).code).toBe(0);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    expect((await runCli('docs', fabric, '-o', out, '--racks', 'r2')).code).toBe(0);
    expect(list(out).filter((f) => f.startsWith('racks/'))).toEqual(['racks/r2.md']);
    expect(existsSync(join(out, 'netbox/01-sites.csv'))).toBe(false);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('an unknown rack exits 1 naming it and the racks there are; nothing is written', async () => {
    const out = join(dir, 'docs');
    const r = await runCli('docs', fabric, '-o', out, '--racks', 'r2,r9');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('clos docs: --racks: no rack r9 in fabric dc1 (racks: r1, r2)\n');
    expect(existsSync(out)).toBe(false);
  });

  it('an invalid fabric file exits 2 with its diagnostics and writes nothing', async () => {
    writeFileSync(fabric, readFileSync(fabric, 'utf8').replace('mtu: 9100', 'mtu: 9100\n  colour: blue'));
    const out = join(dir, 'docs');
    const r = await runCli('docs', fabric, '-o', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/dc1\.fabric\.yaml:\d+:\d+: error UNKNOWN_KEY: unknown key "colour"/);
    expect(existsSync(out)).toBe(false);
  });
});
