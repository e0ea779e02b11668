// Reading the fabric file (issue 13, item 7): a missing, unreadable or oversized file is refused
// with its own code in the `file:line:col` form and exit 2, before anything is parsed; the read
// is bounded, so a huge file is never held in memory.
import { mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFabric } from '../../src/core/compile.ts';
import { LIMITS } from '../../src/core/fabric/schema.ts';
import { FabricInvalidError, loadFabric } from '../../src/io/fabric.ts';
import { runCli } from '../support/cli.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'clos-fabric-file-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function refusal(file: string): Promise<FabricInvalidError> {
  const e = await loadFabric(file, { writeLock: false }).catch((err: unknown) => err);
  expect(e).toBeInstanceOf(FabricInvalidError);
  return e as FabricInvalidError;
}

describe('the fabric file is read safely', () => {
  it('a missing file is FILE_NOT_FOUND (not YAML_SYNTAX), exit 2', async () => {
    const file = join(dir, 'missing.fabric.yaml');
    const r = await runCli('validate', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:1:1: error FILE_NOT_FOUND: the fabric file does not exist`);
  });

  it('a directory is FILE_UNREADABLE', async () => {
    const sub = join(dir, 'a-directory.fabric.yaml');
    mkdirSync(sub);
    const e = await refusal(sub);
    expect(e.diagnostics.map((d) => [d.code, d.file, d.line, d.col])).toEqual([['FILE_UNREADABLE', sub, 1, 1]]);
    expect(e.message).toContain('it is a directory');
  });

  it('an unreadable lock is FILE_UNREADABLE at the lock, not a crash', async () => {
    const file = join(dir, 'dc1.fabric.yaml');
    writeFileSync(file, readFileSync(join(ROOT, 'topologies/dc1.fabric.yaml')));
    mkdirSync(join(dir, 'dc1.lock.yaml'));
    const e = await refusal(file);
    expect(e.diagnostics.map((d) => [d.code, d.file])).toEqual([['FILE_UNREADABLE', join(dir, 'dc1.lock.yaml')]]);
  });

  it('a 50 MB description is refused by the size limit, FILE_TOO_LARGE, exit 2', async () => {
    const file = join(dir, 'big.fabric.yaml');
    writeFileSync(file, `fabric: big\ndescription: ${'x'.repeat(50 * 1024 * 1024)}\n`);
    const r = await runCli('validate', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:1:1: error FILE_TOO_LARGE: the fabric file is larger than the limit of ${LIMITS.fileBytes} bytes`);
  });

  it('the read stops at the limit: an endless device is refused, not read to the end', async () => {
    const e = await refusal('/dev/zero');
    expect(e.diagnostics.map((d) => d.code)).toEqual(['FILE_TOO_LARGE']);
  });

  it('a file just under the limit is read and parsed', async () => {
    const file = join(dir, 'padded.fabric.yaml');
    const text = readFileSync(join(ROOT, 'topologies/dc1.fabric.yaml'), 'utf8');
    writeFileSync(file, `${text}${'#'.repeat(LIMITS.fileBytes - Buffer.byteLength(text) - 1)}\n`);
    const loaded = await loadFabric(file, { writeLock: false, render: false });
    expect(loaded.fabric.name).toBe('dc1');
  });

  it('a YAML alias bomb exits 2 with file:line:col (YAML_RESOURCE), not 1', async () => {
    const r = await runCli('validate', join(ROOT, 'test/errors/27-yaml-alias-bomb.fabric.yaml'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/27-yaml-alias-bomb\.fabric\.yaml:14:19: error YAML_RESOURCE: aliases expand to more than 100000 nodes/);
  });

  it('YAML nested deeper than the parser can go is YAML_RESOURCE at its position', () => {
    const r = compileFabric({ text: `fabric: x\ndescription: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`, file: 'deep.fabric.yaml' });
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => [d.code, d.line])).toEqual([['YAML_RESOURCE', 2]]);
  });

  it('aliases used the ordinary way are accepted (more than the yaml library\'s own count of 100)', async () => {
    const file = join(dir, 'aliases.fabric.yaml');
    const racks = Array.from({ length: 150 }, (_, i) => `  - {name: r${i + 1}, leaves: [leaf${i + 1}], servers: ${i === 0 ? '&srv ' : '*'}${i === 0 ? '{vlan: 1000, ports: Ethernet0-Ethernet7, prefix-length: 26}' : 'srv'}}`);
    writeFileSync(file, [
      'fabric: aliases',
      'underlay: {asn: {spine: 65100, leaves: 65101-65534}, loopbacks: 10.0.0.0/23, p2p: 10.1.0.0/22, servers: 172.16.0.0/12}',
      'defaults: {hwsku: Big-256}',
      'platforms: {Big-256: {ports: Ethernet0-Ethernet255, speed: 100000}}',
      'spines: [spine1, spine2]',
      'racks:',
      ...racks,
      'cabling: {leaf-uplinks: [Ethernet254, Ethernet255], spine-ports: Ethernet0-Ethernet199}',
      '',
    ].join('\n'));
    const loaded = await loadFabric(file, { writeLock: false, render: false });
    expect(loaded.fabric.racks.filter((r) => r.servers?.vlan === 1000)).toHaveLength(150);
  });
});
