import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

const root = new URL('../..', import.meta.url).pathname;
let dir: string;
let fabric: string;
let lock: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clos-cli-'));
  fabric = join(dir, 'dc1.fabric.yaml');
  lock = join(dir, 'dc1.lock.yaml');
  cpSync(join(root, 'topologies/dc1.fabric.yaml'), fabric);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const addRack = (text: string) =>
  text.replace('    leaves: [leaf3, leaf4]\n', '    leaves: [leaf3, leaf4]\n  - name: r3\n    leaves: [leaf5, leaf6]\n');

describe('clos validate / render / plan --offline', () => {
  it('validate reports a valid fabric, exits 0 and never writes the lock', async () => {
    const r = await runCli('validate', fabric);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('valid: fabric dc1, 2 spines, 4 leaves, 8 links');
    expect(existsSync(lock)).toBe(false);
  });

  it('render writes one config_db.json per switch and the lock; plan --offline is then clean', async () => {
    expect((await runCli('plan', fabric, '--offline')).code).toBe(10);
    expect(existsSync(lock)).toBe(false);
    const out = join(dir, 'out');
    const r = await runCli('render', fabric, '-o', out);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['leaf1', 'leaf2', 'leaf3', 'leaf4', 'spine1', 'spine2'].map((n) => `${n}.config_db.json`));
    const leaf1 = JSON.parse(readFileSync(join(out, 'leaf1.config_db.json'), 'utf8'));
    expect(leaf1.DEVICE_METADATA.localhost).toMatchObject({ hostname: 'leaf1', bgp_asn: '65101', type: 'ToRRouter' });
    expect(readFileSync(lock, 'utf8')).toBe(readFileSync(join(root, 'topologies/dc1.lock.yaml'), 'utf8'));
    const plan = await runCli('plan', fabric, '--offline');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('no changes');
  });

  it('render --format redis writes SONiC Redis form', async () => {
    const out = join(dir, 'redis');
    expect((await runCli('render', fabric, '-o', out, '--format', 'redis')).code).toBe(0);
    const spine1 = JSON.parse(readFileSync(join(out, 'spine1.redis.json'), 'utf8'));
    expect(spine1['LOOPBACK_INTERFACE|Loopback0']).toEqual({ NULL: 'NULL' });
    expect(spine1['BGP_NEIGHBOR|10.1.0.1']).toMatchObject({ asn: '65101', local_addr: '10.1.0.0', admin_status: 'up' });
  });

  it('an invalid file exits 2 with every diagnostic and writes nothing', async () => {
    writeFileSync(fabric, readFileSync(fabric, 'utf8').replace('p2p: 10.1.0.0/20', 'p2p: 10.0.0.0/20').replace('mtu: 9100', 'mtu: 9100\n  colour: blue'));
    const out = join(dir, 'out');
    const r = await runCli('render', fabric, '-o', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/dc1\.fabric\.yaml:\d+:\d+: error UNKNOWN_KEY: unknown key "colour"/);
    expect(r.stderr).toMatch(/error POOL_OVERLAP: pool underlay\.p2p 10\.0\.0\.0\/20 overlaps underlay\.loopbacks 10\.0\.0\.0\/24/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(lock)).toBe(false);
  });

  it('adding a rack: plan --offline lists only the new allocations', async () => {
    await runCli('render', fabric, '-o', join(dir, 'out'));
    const before = readFileSync(lock, 'utf8');
    writeFileSync(fabric, addRack(readFileSync(fabric, 'utf8')));
    const r = await runCli('plan', fabric, '--offline', '--json');
    expect(r.code).toBe(10);
    const changes = JSON.parse(r.stdout).allocationChanges as { kind: string; object: string }[];
    expect(changes.every((c) => c.kind === 'add')).toBe(true);
    expect(new Set(changes.map((c) => c.object))).toEqual(
      new Set(['switch leaf5', 'switch leaf6', 'link leaf5 -- spine1', 'link leaf5 -- spine2', 'link leaf6 -- spine1', 'link leaf6 -- spine2']),
    );
    expect(readFileSync(lock, 'utf8')).toBe(before); // plan never writes the lock
  });

  it('a pin that would move an existing value is refused unless --allow-renumber', async () => {
    await runCli('render', fabric, '-o', join(dir, 'out'));
    const before = readFileSync(lock, 'utf8');
    writeFileSync(fabric, readFileSync(fabric, 'utf8').replace('leaves: [leaf3, leaf4]', 'leaves: [leaf3, {name: leaf4, asn: 65200}]'));
    const refused = await runCli('render', fabric, '-o', join(dir, 'out'));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('error RENUMBER: this change would move 1 existing allocation(s): switch leaf4 asn 65104 → 65200 (pinned in the fabric file)');
    expect(readFileSync(lock, 'utf8')).toBe(before);
    const allowed = await runCli('render', fabric, '-o', join(dir, 'out'), '--allow-renumber');
    expect(allowed.code).toBe(0);
    expect(readFileSync(lock, 'utf8')).toContain('leaf4: {role: leaf, rack: r2, asn: 65200,');
  });

  it('a removed rack stays reserved until --prune, and gets its values back when re-added', async () => {
    await runCli('render', fabric, '-o', join(dir, 'out'));
    const original = readFileSync(fabric, 'utf8');
    const leaf3 = /leaf3: .*/.exec(readFileSync(lock, 'utf8'))![0];
    writeFileSync(fabric, original.replace('  - name: r2\n    leaves: [leaf3, leaf4]\n', ''));
    expect((await runCli('render', fabric, '-o', join(dir, 'out2'))).code).toBe(0);
    expect(readFileSync(lock, 'utf8')).toContain(`${leaf3.slice(0, -1)}, removed: true}`);
    writeFileSync(fabric, original);
    expect((await runCli('render', fabric, '-o', join(dir, 'out3'))).code).toBe(0);
    expect(readFileSync(lock, 'utf8')).toContain(leaf3);
    writeFileSync(fabric, original.replace('  - name: r2\n    leaves: [leaf3, leaf4]\n', ''));
    expect((await runCli('render', fabric, '-o', join(dir, 'out4'), '--prune')).code).toBe(0);
    expect(readFileSync(lock, 'utf8')).not.toContain('leaf3');
  });

  it('a lock of another fabric is refused with LOCK_INVALID', async () => {
    writeFileSync(lock, 'version: 1\nfabric: other\nswitches: {}\nlinks: {}\n');
    const r = await runCli('validate', fabric);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('dc1.lock.yaml:1:1: error LOCK_INVALID: the lock file belongs to fabric other, not dc1');
  });

  it('npx clos --help works through the package bin', () => {
    const help = execFileSync(join(root, 'bin/clos.js'), ['--help'], { encoding: 'utf8' });
    expect(help).toContain('Usage: clos');
    expect(help).toContain('validate');
  });
});
