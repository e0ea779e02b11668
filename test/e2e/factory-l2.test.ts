// dc1 on the emulated fabric from SONiC's l2 factory state (every port in Vlan1000), then from a
// brownfield config (`lab up --factory DIR`: the same l2 files, leaf1's uplink Ethernet120 in a
// PortChannel), through the CLI; fabric t-facl2 on 127.0.1.80/28:
// - l2: plan shows the adoption (the uplinks' Vlan1000 membership), apply saves, verify
//   converges, plan 0, drift 0; `config reload -y` and `reboot` on every switch: converged
//   again with no clos write, plan still 0;
// - brownfield: plan refuses (exit 14) naming leaf1, the PortChannel member and why; apply
//   refuses leaf1 (exit 1) and leaves its CONFIG_DB exactly as it was.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labExec } from '../../src/lab/exec.ts';
import { parseFactory } from '../../src/lab/factory.ts';
import { labUp } from '../../src/lab/lab.ts';
import { dc1Text } from '../bringup/fabric.ts';
import { runCli } from '../support/cli.ts';
import { downLab, dumpConfigDb, failingChecks, labSwitch, stopwatch, type ApplyJson } from './helpers.ts';

const FABRIC = 't-facl2';
const ADDRESSES = '127.0.1.80/28';
const ALL = ['spine1', 'spine2', 'leaf1', 'leaf2', 'leaf3', 'leaf4'];
const dir = mkdtempSync(join(tmpdir(), 'clos-e2e-facl2-'));
const file = join(dir, `${FABRIC}.fabric.yaml`);
const timings: string[] = [];
/** Each switch's l2 factory config as `lab up` wrote it (its startup config before apply). */
const factory = new Map<string, Record<string, Record<string, unknown>>>();

const startupOf = async (sw: string) => JSON.parse((await labExec(FABRIC, sw, ['cat', '/etc/sonic/config_db.json'], { stdio: 'pipe' })).stdout) as Record<string, Record<string, unknown>>;

beforeAll(async () => {
  await downLab(FABRIC);
  writeFileSync(file, dc1Text(0).replace(/^fabric: dc1$/m, `fabric: ${FABRIC}`));
  const t = stopwatch();
  await labUp(file, { addresses: ADDRESSES, bgpmonIntervalMs: 500, factory: parseFactory('l2') });
  timings.push(`lab up --factory l2: ${t()}`);
  for (const s of ALL) factory.set(s, await startupOf(s));
}, 120_000);

afterAll(async (suite) => {
  await downLab(FABRIC, undefined, suite);
  rmSync(dir, { recursive: true, force: true });
  console.log(`e2e ${FABRIC}:\n  ${timings.join('\n  ')}`);
}, 120_000);

async function verifyConverged(label: string): Promise<void> {
  const r = await runCli('verify', file, '--timeout', '90s', '--format', 'json');
  const report = JSON.parse(r.stdout) as { summary: { timeToConvergeMs: number | null }; switches: Parameters<typeof failingChecks>[0]['switches'] };
  expect(failingChecks(report)).toEqual([]);
  expect(r.code).toBe(0);
  timings.push(`${label}: converged after ${report.summary.timeToConvergeMs} ms`);
}

describe('dc1 from SONiC l2 factory state', () => {
  it('plan shows the uplinks leaving Vlan1000; apply saves; verify converges; plan 0; drift 0', async () => {
    const p = await runCli('plan', file, '--json');
    expect(p.code).toBe(10);
    const plan = JSON.parse(p.stdout) as { switches: { switch: string; adoption: { keys: string[] }[] }[] };
    const leaf1 = plan.switches.find((s) => s.switch === 'leaf1')!.adoption.flatMap((g) => g.keys);
    expect(leaf1).toEqual(expect.arrayContaining(['VLAN_MEMBER|Vlan1000|Ethernet120', 'VLAN_MEMBER|Vlan1000|Ethernet124']));
    const t = stopwatch();
    const r = await runCli('apply', file, '--yes', '--json');
    expect(r.code, r.stdout).toBe(0);
    expect((JSON.parse(r.stdout) as ApplyJson).outcomes.map((o) => [o.switch, o.status, o.saved])).toEqual(ALL.map((s) => [s, 'applied', 'saved']));
    await verifyConverged(`apply from l2 (${t()})`);
    expect((await runCli('plan', file)).code).toBe(0);
    const d = await runCli('drift', file, '--format', 'json');
    expect(JSON.parse(d.stdout).findings).toEqual([]);
    expect(d.code).toBe(0);
  }, 240_000);

  it('config reload -y, then reboot, on every switch: converged again each time, plan still 0', async () => {
    for (const cmd of [['config', 'reload', '-y'], ['reboot']]) {
      await Promise.all(ALL.map(async (s) => expect((await runCli('lab', 'exec', file, s, '--', ...cmd)).code, `${s} ${cmd.join(' ')}`).toBe(0)));
      await verifyConverged(`after ${cmd.join(' ')}`);
      expect((await runCli('plan', file)).code).toBe(0);
    }
  }, 240_000);
});

describe('a brownfield switch: a PortChannel on an uplink', () => {
  it('plan and apply refuse leaf1 before any write; its CONFIG_DB stays exactly as it was', async () => {
    const files = join(dir, 'brownfield');
    mkdirSync(files);
    for (const [s, doc] of factory) {
      const out = structuredClone(doc);
      if (s === 'leaf1') {
        delete (out.VLAN_MEMBER as Record<string, unknown>)['Vlan1000|Ethernet120'];
        out.PORTCHANNEL = { PortChannel01: { admin_status: 'up', min_links: '1', mtu: '9100' } };
        out.PORTCHANNEL_MEMBER = { 'PortChannel01|Ethernet120': {} };
      }
      writeFileSync(join(files, `${s}.config_db.json`), JSON.stringify(out, null, 4));
    }
    await downLab(FABRIC);
    rmSync(join(dir, '.clos'), { recursive: true, force: true });
    await labUp(file, { addresses: ADDRESSES, bgpmonIntervalMs: 500, factory: parseFactory(files) });
    const before = await dumpConfigDb(labSwitch(FABRIC, 'leaf1'));
    expect(before['PORTCHANNEL_MEMBER|PortChannel01|Ethernet120']).toBeDefined();

    const p = await runCli('plan', file, '--json');
    expect(p.code).toBe(14);
    const refusals = (JSON.parse(p.stdout) as { switches: { switch: string; refusals: { key: string; reason: string }[] }[] }).switches.filter((s) => s.refusals.length > 0);
    expect(refusals.map((s) => s.switch)).toEqual(['leaf1']);
    expect(refusals[0]!.refusals.map((r) => r.key)).toContain('PORTCHANNEL_MEMBER|PortChannel01|Ethernet120');
    expect(refusals[0]!.refusals[0]!.reason).toMatch(/PortChannel/i);

    const a = await runCli('apply', file, '--yes', '--json');
    expect(a.code).toBe(1);
    const leaf1 = (JSON.parse(a.stdout) as ApplyJson).outcomes.find((o) => o.switch === 'leaf1')!;
    expect(leaf1).toMatchObject({ status: 'failed', error: { code: 'REFUSED' } });
    expect(await dumpConfigDb(labSwitch(FABRIC, 'leaf1'))).toEqual(before);
    // Nothing saved either: the startup config still has the PortChannel and no clos neighbour.
    const startup = await startupOf('leaf1');
    expect(startup.PORTCHANNEL_MEMBER).toEqual({ 'PortChannel01|Ethernet120': {} });
    expect(startup.BGP_NEIGHBOR).toBeUndefined();
  }, 240_000);
});
