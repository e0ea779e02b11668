// `clos bringup` on an emulated legacy-vs fabric (docker-sonic-vs release images: no bgpcfgd,
// bgpmon or lldpd): BGP is configured through vtysh, cabling is checked by carrier only, gates
// read sessions from FRR. Fabric t-bringup-l on 127.0.1.240/28: dc1 with rack r1 only, brought
// up whole, then rack r2 added with no existing connection dropped. Always torn down.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDown } from '../../src/lab/down.ts';
import { labExec } from '../../src/lab/exec.ts';
import { labUp } from '../../src/lab/lab.ts';
import { runCli } from '../support/cli.ts';

const FABRIC = 't-bringup-l';
const ADDRESSES = '127.0.1.240/28';
const dir = mkdtempSync(join(tmpdir(), 'clos-e2e-bringup-l-'));
const file = join(dir, `${FABRIC}.fabric.yaml`);
const DC1 = readFileSync(new URL('../../topologies/dc1.fabric.yaml', import.meta.url), 'utf8').replace(/^fabric: dc1$/m, `fabric: ${FABRIC}`);
const R2 = '  - name: r2\n    leaves: [leaf3, leaf4]\n';
const up = () => labUp(file, { addresses: ADDRESSES, flavour: 'legacy-vs', bgpmonIntervalMs: 500 });

async function frr(sw: string): Promise<Record<string, { state: string; connectionsDropped?: number }>> {
  const r = await labExec(FABRIC, sw, ['vtysh', '-c', 'show bgp summary json'], { stdio: 'pipe' });
  return (JSON.parse(r.stdout || '{}') as { ipv4Unicast?: { peers?: Record<string, { state: string; connectionsDropped?: number }> } }).ipv4Unicast?.peers ?? {};
}

beforeAll(async () => {
  await labDown(FABRIC);
  if (!DC1.includes(R2)) throw new Error('topologies/dc1.fabric.yaml no longer has rack r2 as this test expects');
  writeFileSync(file, DC1.replace(R2, ''));
  await up();
}, 120_000);

afterAll(async () => {
  await labDown(FABRIC);
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe('clos bringup on legacy-vs switches', () => {
  it('brings the whole fabric up through vtysh, then adds a rack without dropping a connection', async () => {
    const whole = await runCli('bringup', file, '--timeout', '60s');
    expect(whole.code, `${whole.stdout}\n${whole.stderr}`).toBe(0);
    for (const sw of ['spine1', 'spine2']) expect(Object.values(await frr(sw)).map((p) => p.state)).toEqual(['Established', 'Established']);

    writeFileSync(file, DC1);
    await up();
    const before = { spine1: await frr('spine1'), spine2: await frr('spine2') };
    const dry = await runCli('bringup', file, '--racks', 'r2', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('(carrier only: no LLDP on legacy-vs)');
    expect(dry.stdout).toContain('then: BGP through vtysh (no bgpcfgd)');
    const rack = await runCli('bringup', file, '--racks', 'r2', '--timeout', '60s');
    expect(rack.code, `${rack.stdout}\n${rack.stderr}`).toBe(0);
    expect(rack.stdout).toMatch(/spine spine2\s+passed/);
    for (const sw of ['spine1', 'spine2'] as const) {
      const now = await frr(sw);
      expect(Object.values(now).map((p) => p.state)).toEqual(['Established', 'Established', 'Established', 'Established']);
      for (const [ip, p] of Object.entries(before[sw])) expect(`${sw} ${ip} ${now[ip]?.connectionsDropped}`).toBe(`${sw} ${ip} ${p.connectionsDropped}`);
    }
    for (const sw of ['leaf3', 'leaf4']) expect(Object.values(await frr(sw)).map((p) => p.state)).toEqual(['Established', 'Established']);
  }, 240_000);
});
