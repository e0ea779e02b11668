// `clos verify` as a command: flags, inventory errors (exit 1), unreachable switches (exit 11
// with the report), report files; and the duration parser behind --timeout.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/core/values.ts';
import { verifyReportSchema } from '../../src/results/verify-schema.ts';
import { runCli } from '../support/cli.ts';

const root = new URL('../..', import.meta.url).pathname;
const SWITCHES = ['spine1', 'spine2', 'leaf1', 'leaf2', 'leaf3', 'leaf4'];
let dir: string;
let fabric: string;
let inventory: string;

function writeInventory(names: readonly string[], fabricName = 'dc1'): void {
  const lines = ['version: 1', `fabric: ${fabricName}`, 'switches:'];
  for (const n of names) lines.push(`  ${n}:`, '    transport: redis', '    redis:', '      host: 127.0.0.1', `      socket: ${join(dir, `${n}.sock`)}`);
  writeFileSync(inventory, `${lines.join('\n')}\n`);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clos-verify-cli-'));
  fabric = join(dir, 'dc1.fabric.yaml');
  inventory = join(dir, 'inventory.yaml');
  cpSync(join(root, 'topologies/dc1.fabric.yaml'), fabric);
  cpSync(join(root, 'topologies/dc1.lock.yaml'), join(dir, 'dc1.lock.yaml'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('clos verify', () => {
  it('exits 1 (operational error) with every unreachable switch named with its endpoint and cause', async () => {
    writeInventory(SWITCHES);
    const r = await runCli('verify', fabric, '--inventory', inventory, '--timeout', '300ms');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Switches that could not be read');
    expect(r.stdout).toContain(`leaf1 (redis unix:${join(dir, 'leaf1.sock')}): cannot connect`);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/^NOT converged: \d+ checks failing \(budget 0\.30 s\)$/);
  });

  it('writes a JSON or JUnit report with -o and prints the verdict', async () => {
    writeInventory(SWITCHES);
    const json = join(dir, 'out', 'verify.json');
    const r = await runCli('verify', fabric, '--inventory', inventory, '--timeout', '0.2', '--format', 'json', '-o', json, '--concurrency', '2');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^NOT converged: .* \(json report: .*verify\.json\)\n$/);
    const report = verifyReportSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
    expect(report.switches.map((s) => s.name)).toEqual(SWITCHES);
    expect(report.switches.every((s) => s.error !== null && s.passed === 0)).toBe(true);

    const junit = join(dir, 'verify.xml');
    expect((await runCli('verify', fabric, '--inventory', inventory, '--timeout', '200ms', '--format', 'junit', '-o', junit)).code).toBe(1);
    expect(readFileSync(junit, 'utf8')).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites /);
  });

  it('exits 1 on a bad inventory, and on bad flags', async () => {
    writeInventory(SWITCHES.slice(1));
    let r = await runCli('verify', fabric, '--inventory', inventory, '--timeout', '1s');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no entry for spine1 of fabric dc1');

    writeInventory(SWITCHES, 'other');
    r = await runCli('verify', fabric, '--inventory', inventory);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('inventory is for fabric other, not dc1');

    r = await runCli('verify', fabric, '--inventory', join(dir, 'missing.yaml'));
    expect(r.code).toBe(1);

    for (const flags of [['--format', 'html'], ['--timeout', 'soon'], ['--concurrency', '0'], ['--transport', 'ssh']]) {
      r = await runCli('verify', fabric, '--inventory', inventory, ...flags);
      expect(r.code, flags.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/^clos verify: /);
    }
  });

  it('exits 2 on an invalid fabric file', async () => {
    writeFileSync(fabric, 'name: [\n');
    expect((await runCli('verify', fabric, '--inventory', inventory)).code).toBe(2);
  });
});

describe('parseDuration', () => {
  it.each([
    ['60s', 60_000],
    ['2m', 120_000],
    ['500ms', 500],
    ['1h', 3_600_000],
    ['60', 60_000],
    ['1.5', 1_500],
    ['0', 0],
    [' 90s ', 90_000],
  ])('%s → %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 's', '-1s', '1d', '1 m s', 'sixty'])('rejects %j, naming the flag', (text) => {
    expect(() => parseDuration(text, '--timeout')).toThrow(/^--timeout ".*" is not a duration/);
  });
});
