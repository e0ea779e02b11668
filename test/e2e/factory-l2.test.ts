// dc1 on the emulated fabric from SONiC's l2 factory state (every port in Vlan1000), then from a
// brownfield config (`lab up --factory DIR`: the same l2 files, leaf1's uplink Ethernet120 in a
// PortChannel), through the CLI; fabric t-facl2 on 127.0.1.80/28:
// - l2: plan shows the adoption (the uplinks' Vlan1000 membership), apply saves, verify
//   converges, plan 0, drift 0; `config reload -y` and `reboot` on every switch: converged
//   again with no clos write, plan still 0 (a rack arriving in l2 state through `bringup
//   --racks`: factory-t1.test.ts, on a fabric that is no loop of bridges);
// - brownfield: plan refuses (exit 14) naming leaf1, the PortChannel member and why; apply
//   refuses leaf1 (exit 1) and leaves its CONFIG_DB exactly as it was.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { downLab, dumpConfigDb, e2eLab, labSwitch, stopwatch, upLab, type ApplyJson } from './helpers.ts';

const FABRIC = 't-facl2';
const ADDRESSES = '127.0.1.80/28';
const ALL = ['spine1', 'spine2', 'leaf1', 'leaf2', 'leaf3', 'leaf4'];
const lab = e2eLab(FABRIC, ADDRESSES, { factory: 'l2' });
/** Each switch's l2 factory config as `lab up` wrote it (its startup config before apply). */
const factory = new Map<string, Record<string, Record<string, unknown>>>();

beforeAll(async () => {
  for (const s of ALL) factory.set(s, await lab.startup(s));
});

describe('dc1 from SONiC l2 factory state', () => {
  it('plan shows the uplinks leaving Vlan1000; apply saves; verify converges; plan 0; drift 0', async () => {
    const p = await runCli('plan', lab.file, '--json');
    expect(p.code).toBe(10);
    const plan = JSON.parse(p.stdout) as { switches: { switch: string; adoption: { keys: string[] }[] }[] };
    const leaf1 = plan.switches.find((s) => s.switch === 'leaf1')!.adoption.flatMap((g) => g.keys);
    expect(leaf1).toEqual(expect.arrayContaining(['VLAN_MEMBER|Vlan1000|Ethernet120', 'VLAN_MEMBER|Vlan1000|Ethernet124']));
    const t = stopwatch();
    const r = await runCli('apply', lab.file, '--yes', '--json');
    expect(r.code, r.stdout).toBe(0);
    expect((JSON.parse(r.stdout) as ApplyJson).outcomes.map((o) => [o.switch, o.status, o.saved])).toEqual(ALL.map((s) => [s, 'applied', 'saved']));
    await lab.verifyConverges([], `apply from l2 (${t()})`, '90s');
    await lab.expectSettled();
  }, 240_000);

  it('config reload -y, then reboot, on every switch: converged again each time, plan still 0', async () => {
    for (const cmd of [['config', 'reload', '-y'], ['reboot']]) {
      await lab.execAll(ALL, ...cmd);
      await lab.verifyConverges([], `after ${cmd.join(' ')}`, '90s');
      expect((await runCli('plan', lab.file)).code).toBe(0);
    }
  }, 240_000);
});

describe('a brownfield switch: a PortChannel on an uplink', () => {
  it('plan and apply refuse leaf1 before any write; its CONFIG_DB stays exactly as it was', async () => {
    const files = join(lab.dir, 'brownfield');
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
    rmSync(join(lab.dir, '.clos'), { recursive: true, force: true });
    await upLab(lab.file, ADDRESSES, files);
    const before = await dumpConfigDb(labSwitch(FABRIC, 'leaf1'));
    expect(before['PORTCHANNEL_MEMBER|PortChannel01|Ethernet120']).toBeDefined();

    const p = await runCli('plan', lab.file, '--json');
    expect(p.code).toBe(14);
    const refusals = (JSON.parse(p.stdout) as { switches: { switch: string; refusals: { key: string; reason: string }[] }[] }).switches.filter((s) => s.refusals.length > 0);
    expect(refusals.map((s) => s.switch)).toEqual(['leaf1']);
    expect(refusals[0]!.refusals.map((r) => r.key)).toContain('PORTCHANNEL_MEMBER|PortChannel01|Ethernet120');
    expect(refusals[0]!.refusals[0]!.reason).toMatch(/PortChannel/i);

    const a = await runCli('apply', lab.file, '--yes', '--json');
    expect(a.code).toBe(1);
    const leaf1 = (JSON.parse(a.stdout) as ApplyJson).outcomes.find((o) => o.switch === 'leaf1')!;
    expect(leaf1).toMatchObject({ status: 'failed', error: { code: 'REFUSED' } });
    expect(await dumpConfigDb(labSwitch(FABRIC, 'leaf1'))).toEqual(before);
    // Nothing saved either: the startup config still has the PortChannel and no clos neighbour.
    const startup = await lab.startup('leaf1');
    expect(startup.PORTCHANNEL_MEMBER).toEqual({ 'PortChannel01|Ethernet120': {} });
    expect(startup.BGP_NEIGHBOR).toBeUndefined();
  }, 240_000);
});
