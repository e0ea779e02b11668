// dc1 on the emulated fabric from SONiC's t1 factory state (`lab up --factory t1`), through the
// CLI as an operator runs it, fabric t-fact1 on 127.0.1.64/28:
// - plan shows the adoption (factory Loopback0, port addresses, neighbours), apply takes every
//   switch over and saves it, verify converges, plan 0, drift 0 (so the startup config holds
//   what runs); the time from factory t1 to converged is printed (README);
// - `config reload -y`, then `reboot`, on every switch through `clos lab exec`: converged again
//   with no clos write in between, and plan still 0;
// - rack r3 arriving in t1 state, taken over by `clos bringup --racks r3` while every existing
//   session is watched (keyspace events of STATE_DB NEIGH_STATE_TABLE, FRR's dropped counters):
//   none leaves Established;
// - then rack r4 arriving in SONiC's l2 state (every port, the uplinks too, in Vlan1000), the
//   same way; the fabric converges, plan 0, drift 0, and what the bring-up wrote is saved:
//   `config reload -y` on every switch converges again with no clos write. (Here rather than in
//   factory-l2.test.ts: a fabric whose every switch bridges all its ports is a loop, and the
//   lab's bridges, like SONiC's without STP, storm until apply takes them apart; a rack of l2
//   leaves on routed spines is no loop.)
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { bringupRackWatched, dumpConfigDb, e2eLab, labSwitch, stopwatch, upLab, withRack, withRack3, type ApplyJson } from './helpers.ts';

const FABRIC = 't-fact1';
const OLD = ['spine1', 'spine2', 'leaf1', 'leaf2', 'leaf3', 'leaf4'];
const RACK3 = ['leaf5', 'leaf6'];
const RACK4 = ['leaf7', 'leaf8'];
const lab = e2eLab(FABRIC, '127.0.1.64/28', { factory: 't1' });

describe('dc1 from SONiC t1 factory state', () => {
  it('plan shows the adoption of every switch: factory Loopback0, port addresses and neighbours removed', async () => {
    const r = await runCli('plan', lab.file, '--json');
    expect(r.code).toBe(10);
    const plan = JSON.parse(r.stdout) as { switches: { switch: string; adoption: { text: string; keys: string[] }[]; changes: { op: string; key: string }[] }[] };
    for (const p of plan.switches) {
      const removed = p.adoption.flatMap((g) => g.keys);
      expect(removed, p.switch).toContain('LOOPBACK_INTERFACE|Loopback0|10.1.0.1/32');
      expect(removed.filter((k) => k.startsWith('BGP_NEIGHBOR|')).length, p.switch).toBeGreaterThan(0);
      expect(removed.filter((k) => /^INTERFACE\|Ethernet\d+\|10\.0\./.test(k)).length, p.switch).toBeGreaterThan(0);
      for (const k of removed) expect(p.changes.find((c) => c.key === k)?.op, k).toBe('delete');
    }
    expect((await runCli('plan', lab.file)).stdout).toContain('adoption: factory/foreign config removed');
  });

  it('apply takes every switch over and saves it; verify converges; plan 0; drift 0', async () => {
    const r = await runCli('apply', lab.file, '--yes', '--json');
    expect(r.code, r.stdout).toBe(0);
    const { outcomes } = JSON.parse(r.stdout) as ApplyJson;
    expect(outcomes.map((o) => [o.switch, o.status, o.saved])).toEqual(OLD.map((s) => [s, 'applied', 'saved']));
    await lab.verifyConverges([], 'apply from t1', '90s');
    lab.timings.push(`factory t1 to converged (lab up --factory t1 → apply → verify): ${lab.sinceUp()}`);
    await lab.expectSettled();
    // The startup config is clos's: its loopback, no factory one.
    const startup = await lab.startup('leaf1');
    expect(Object.keys(startup.LOOPBACK_INTERFACE ?? {})).not.toContain('Loopback0|10.1.0.1/32');
    const running = Object.keys(await dumpConfigDb(labSwitch(FABRIC, 'leaf1'))).filter((k) => k.startsWith('BGP_NEIGHBOR|'));
    expect(Object.keys(startup.BGP_NEIGHBOR ?? {}).map((k) => `BGP_NEIGHBOR|${k}`).sort()).toEqual(running.sort());
    expect(running).toHaveLength(2);
  }, 240_000);

  it('config reload -y on every switch: converged again with no clos write, plan still 0', async () => {
    const t = stopwatch();
    await lab.execAll(OLD, 'config', 'reload', '-y');
    lab.timings.push(`config reload -y on 6 switches: ${t()}`);
    await lab.verifyConverges([], 'after config reload', '90s');
    expect((await runCli('plan', lab.file)).code).toBe(0);
  }, 240_000);

  it('reboot on every switch: converged again with no clos write, plan still 0', async () => {
    const t = stopwatch();
    await lab.execAll(OLD, 'reboot');
    lab.timings.push(`reboot of 6 switches: ${t()}`);
    await lab.verifyConverges([], 'after reboot', '90s');
    expect((await runCli('plan', lab.file)).code).toBe(0);
  }, 240_000);

  it('rack r3 arriving in t1 state: bringup --racks r3 takes it over, no existing session leaves Established', async () => {
    writeFileSync(lab.file, withRack3(readFileSync(lab.file, 'utf8')));
    expect([...(await lab.up()).added].sort()).toEqual(RACK3);
    const t = stopwatch();
    await bringupRackWatched(FABRIC, lab.file, 'r3', OLD, RACK3);
    lab.timings.push(`bringup --racks r3 from t1: ${t()}`);
    await lab.verifyConverges([], 'after bringup --racks r3', '90s');
    await lab.expectSettled();
  }, 240_000);

  it('rack r4 arriving in l2 state: bringup --racks r4 takes it over, no existing session leaves Established; saved', async () => {
    const existing = [...OLD, ...RACK3];
    writeFileSync(lab.file, withRack(readFileSync(lab.file, 'utf8'), 4));
    expect([...(await upLab(lab.file, lab.addresses, 'l2')).added].sort()).toEqual(RACK4);
    await lab.load();
    const uplinks = (leaf: string) => ['spine1', 'spine2'].map((spine) => lab.link(leaf, spine).leafPort);
    // The new leaves are in l2 factory state: every port, the uplinks too, an untagged member of
    // Vlan1000, in CONFIG_DB and in the startup config.
    for (const s of RACK4) {
      const db = await dumpConfigDb(labSwitch(FABRIC, s));
      const startup = await lab.startup(s);
      for (const port of uplinks(s)) {
        expect(db[`VLAN_MEMBER|Vlan1000|${port}`], `${s} ${port}`).toEqual({ tagging_mode: 'untagged' });
        expect(startup.VLAN_MEMBER?.[`Vlan1000|${port}`], `${s} ${port} (startup)`).toEqual({ tagging_mode: 'untagged' });
      }
    }
    const t = stopwatch();
    await bringupRackWatched(FABRIC, lab.file, 'r4', existing, RACK4);
    lab.timings.push(`bringup --racks r4 from l2: ${t()}`);
    await lab.verifyConverges([], 'after bringup --racks r4', '90s');
    await lab.expectSettled();
    // Taken over and saved: the new leaves' uplinks left Vlan1000, in CONFIG_DB and in the
    // startup config, which holds the sessions that run.
    for (const s of RACK4) {
      const db = await dumpConfigDb(labSwitch(FABRIC, s));
      const startup = await lab.startup(s);
      for (const port of uplinks(s)) {
        expect(db[`VLAN_MEMBER|Vlan1000|${port}`], `${s} ${port}`).toBeUndefined();
        expect(startup.VLAN_MEMBER?.[`Vlan1000|${port}`], `${s} ${port} (startup)`).toBeUndefined();
      }
      expect(Object.keys(startup.BGP_NEIGHBOR ?? {}).map((k) => `BGP_NEIGHBOR|${k}`).sort()).toEqual(Object.keys(db).filter((k) => k.startsWith('BGP_NEIGHBOR|')).sort());
    }
    // What runs is what reloads: every switch reloads its startup config and converges again.
    const all = [...existing, ...RACK4];
    const r = stopwatch();
    await lab.execAll(all, 'config', 'reload', '-y');
    lab.timings.push(`config reload -y on ${all.length} switches: ${r()}`);
    await lab.verifyConverges([], 'after bringup --racks r4 and config reload', '90s');
    await lab.expectSettled();
  }, 360_000);
});
