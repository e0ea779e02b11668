// `clos bringup` flags and errors (the runs themselves: test/bringup/service.test.ts on
// in-memory switches, test/e2e/bringup.test.ts on the emulated fabric).
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

function fixture() {
  const dir = mkdtempSync(join(tmpdir(), 'clos-bringup-cli-'));
  const file = join(dir, 'dc1.fabric.yaml');
  cpSync(new URL('../../topologies/dc1.fabric.yaml', import.meta.url).pathname, file);
  const inventory = join(dir, 'inventory.yaml');
  // Nothing listens on port 1: every switch is unreachable, fast.
  const sw = (n: string) => `  ${n}: {transport: redis, redis: {host: 127.0.0.1, port: 1}}`;
  writeFileSync(inventory, ['version: 1', 'fabric: dc1', 'switches:', ...['spine1', 'spine2', 'leaf1', 'leaf2', 'leaf3', 'leaf4'].map(sw), ''].join('\n'));
  return { dir, file, inventory };
}

describe('clos bringup', () => {
  it('is listed with its flags', async () => {
    const r = await runCli('bringup', '--help');
    expect(r.code).toBe(0);
    for (const f of ['--racks', '--dry-run', '--resume', '--timeout', '--inventory', '--concurrency']) expect(r.stdout).toContain(f);
  });

  it('an unknown rack is an error naming the racks there are (exit 1)', async () => {
    const { file, inventory } = fixture();
    const r = await runCli('bringup', file, '--racks', 'r9', '--inventory', inventory);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('UNKNOWN_RACK: --racks: no rack r9 in fabric dc1 (racks: r1, r2)');
  });

  it('a bad --timeout says what it wants', async () => {
    const { file, inventory } = fixture();
    const r = await runCli('bringup', file, '--timeout', 'soon', '--inventory', inventory);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--timeout "soon" is not a duration');
  });

  it('--resume with nothing to resume (exit 1)', async () => {
    const { file, inventory } = fixture();
    const r = await runCli('bringup', file, '--resume', '--inventory', inventory);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('NOTHING_TO_RESUME');
  });

  it('--dry-run prints every stage; unreachable switches are named with their endpoint (exit 1)', async () => {
    const { file, inventory } = fixture();
    const r = await runCli('bringup', file, '--dry-run', '--inventory', inventory, '--racks', 'r2');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('bring-up plan: racks r2, 5 stage(s)');
    expect(r.stdout).toMatch(/stage 4: spine spine1 \(one spine at a time/);
    expect(r.stdout).toMatch(/leaf3: cannot plan: leaf3 \(redis 127\.0\.0\.1:1\): cannot connect/);
  });

  it('a run against unreachable switches fails before writing anything (exit 1) and is recorded', async () => {
    const { file, inventory } = fixture();
    const r = await runCli('bringup', file, '--inventory', inventory, '--racks', 'r2');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/bring-up \S+: FAILED — stage links: spine1 failed \(UNREACHABLE/);
    expect(r.stderr).toMatch(/stage links: spine1 failed: UNREACHABLE/);
  });
});
