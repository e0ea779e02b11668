// End to end on the emulated fabric, through the CLI as an operator runs it: lab up of a 2×4
// fabric → plan shows the full configuration → apply → verify converges → leaf loopbacks ping
// each other across both spines (ECMP, and each spine alone when the other uplink is down) →
// plan shows nothing → a rack is added → plan shows only the new leaves and the spines' new
// ports and neighbors → apply → verify. Fabric t-e2e, redis on 127.0.1.16/28.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StateDir, stateDirFor } from '../../src/io/state-dir.ts';
import { runCli } from '../support/cli.ts';
import { dumpConfigDb, e2eLab, ends, labSwitch, liveNextHops, ping, RACK3_APPLIED, rxPackets, setLink, statusByApply, stopwatch, upLab, waitUntil, withRack3, type ApplyJson, type PlanJson } from './helpers.ts';

const FABRIC = 't-e2e';
const ADDRESSES = '127.0.1.16/28';
const FIRST = ['spine1', 'spine2', 'leaf1', 'leaf2', 'leaf3', 'leaf4'];
const lab = e2eLab(FABRIC, ADDRESSES, { added: FIRST });
const { ns, loopback, link, planJson, fullConfigKeys, timings } = lab;
const verifyConverges = () => lab.verifyConverges();

describe('a 2×4 fabric from factory state to converged, then a third rack', () => {
  it('plan shows the full configuration: every switch a first bring-up (exit 10)', async () => {
    const { code, plan } = await planJson();
    expect(code).toBe(10);
    expect(plan.allocationChanges).toEqual([]); // lab up wrote the lock
    expect(plan.switches.map((p) => p.switch)).toEqual(FIRST);
    for (const p of plan.switches) {
      expect(p.error).toBeNull();
      expect(p.firstBringUp).toBe(true);
      expect(p.changes.map((c) => c.key).sort()).toEqual(fullConfigKeys(p.switch, await dumpConfigDb(labSwitch(FABRIC, p.switch))));
      expect(p.changes.find((c) => c.key === 'DEVICE_METADATA|localhost')?.impact).toBe('restart');
    }
    const table = await runCli('plan', lab.file);
    expect(table.code).toBe(10);
    expect(table.stdout.match(/first bring-up: routing service restart after the write/g)).toHaveLength(6);
    expect(table.stdout).toContain('6 switch(es) with changes pending, 0 up to date.');
  });

  it('apply writes every switch and restarts its routing (first bring-up), exit 0', async () => {
    const t = stopwatch();
    const r = await runCli('apply', lab.file, '--yes', '--json');
    expect(r.code).toBe(0);
    const { outcomes } = JSON.parse(r.stdout) as ApplyJson;
    expect(outcomes.map((o) => [o.switch, o.status, o.restarted, o.error ?? null])).toEqual(FIRST.map((s) => [s, 'applied', true, null]));
    timings.push(`apply 6 switches: ${t()}`);
  });

  it('verify passes within 60 s', verifyConverges, 70_000);

  it('leaf loopbacks ping each other; the route to another leaf has one next hop per spine', async () => {
    const l1 = ns('leaf1');
    for (const to of ['leaf3', 'leaf4', 'leaf2']) {
      expect(liveNextHops(l1, loopback(to))).toEqual([`Ethernet120 via ${ends(link('leaf1', 'spine1').p2p).spine}`, `Ethernet124 via ${ends(link('leaf1', 'spine2').p2p).spine}`]);
      expect(ping(l1, loopback('leaf1'), loopback(to), 3)).toBe(true);
    }
  });

  it('each spine carries the traffic alone while the other uplink is down; ECMP comes back', async () => {
    const l1 = ns('leaf1');
    const uplinks = [
      { down: 'Ethernet120', other: 'Ethernet124', via: 'spine2' },
      { down: 'Ethernet124', other: 'Ethernet120', via: 'spine1' },
    ];
    for (const u of uplinks) {
      const t = stopwatch();
      const spinePort = link('leaf1', u.via).spinePort;
      const gw = ends(link('leaf1', u.via).p2p).spine;
      setLink(l1, u.down, 'down');
      try {
        for (const to of ['leaf3', 'leaf4']) {
          // Both directions: leaf1 stops using the link at once (carrier loss); the far leaf
          // stops sending replies toward the other spine once that spine's withdrawal arrives.
          await waitUntil(`leaf1's route to ${to} only through ${u.via} (${u.other})`, () => liveNextHops(l1, loopback(to)), (hops) => hops.join() === `${u.other} via ${gw}`, 15_000);
          const back = link(to, u.via);
          await waitUntil(`${to}'s route to leaf1 only through ${u.via}`, () => liveNextHops(ns(to), loopback('leaf1')), (hops) => hops.join() === `${back.leafPort} via ${ends(back.p2p).spine}`, 15_000);
          const before = rxPackets(ns(u.via), spinePort);
          expect(ping(l1, loopback('leaf1'), loopback(to), 5)).toBe(true);
          // The echo requests crossed the remaining spine: its port facing leaf1 received them.
          expect(rxPackets(ns(u.via), spinePort) - before).toBeGreaterThanOrEqual(5);
        }
      } finally {
        setLink(l1, u.down, 'up');
      }
      for (const to of ['leaf3', 'leaf4']) {
        await waitUntil(`ECMP to ${to} again (2 next hops) after ${u.down} came back`, () => liveNextHops(l1, loopback(to)), (hops) => hops.length === 2, 15_000);
      }
      timings.push(`leaf1 ${u.down} down → via ${u.via} only → ECMP back: ${t()}`);
    }
    expect(ping(l1, loopback('leaf1'), loopback('leaf3'), 3)).toBe(true);
  }, 60_000);

  it('plan then shows nothing to do (exit 0)', async () => {
    const { code, plan } = await planJson();
    expect(plan.switches.flatMap((p) => p.changes.map((c) => `${p.switch}: ${c.op} ${c.key}`))).toEqual([]);
    expect(code).toBe(0);
  });

  describe('a third rack', () => {
    const NEW = ['leaf5', 'leaf6'];
    const applied = new Map<string, Record<string, unknown>>();

    it('plan --offline allocates only the new leaves and their links, moving nothing', async () => {
      const state = new StateDir(stateDirFor(lab.file, FABRIC));
      for (const sw of FIRST) applied.set(sw, Object.fromEntries((await state.lastApplied(sw)) ?? []));
      expect(Object.keys(applied.get('spine1')!).some((k) => k.startsWith('BGP_NEIGHBOR|'))).toBe(true);
      writeFileSync(lab.file, withRack3(readFileSync(lab.file, 'utf8')));
      const r = await runCli('plan', lab.file, '--offline', '--json');
      expect(r.code).toBe(10);
      const changes = (JSON.parse(r.stdout) as PlanJson).allocationChanges;
      expect(changes.length).toBeGreaterThan(0);
      for (const c of changes) {
        expect(c.kind).toBe('add');
        expect(c.object).toMatch(/\bleaf[56]\b/);
      }
      expect(new Set(changes.map((c) => c.object))).toEqual(new Set(['switch leaf5', 'switch leaf6', 'link leaf5 -- spine1', 'link leaf5 -- spine2', 'link leaf6 -- spine1', 'link leaf6 -- spine2']));
    });

    it('lab up adds the two leaves and their four cables; nothing else changes', async () => {
      const t = stopwatch();
      const up = await upLab(lab.file, ADDRESSES);
      expect([...up.added].sort()).toEqual(NEW);
      expect(up.cablesAdded).toBe(4);
      await lab.load();
      timings.push(`lab up, rack r3: ${t()}`);
    });

    it('plan shows only the new leaves plus new ports and neighbors on the spines', async () => {
      const { code, plan } = await planJson();
      expect(code).toBe(10);
      expect(plan.allocationChanges).toEqual([]);
      const bySwitch = new Map(plan.switches.map((p) => [p.switch, p]));
      expect([...bySwitch.keys()].sort()).toEqual([...FIRST, ...NEW].sort());
      for (const p of plan.switches) expect(p.error).toBeNull();

      for (const leaf of ['leaf1', 'leaf2', 'leaf3', 'leaf4']) {
        const p = bySwitch.get(leaf)!;
        expect({ leaf, changes: p.changes, frr: p.frr, firstBringUp: p.firstBringUp }).toEqual({ leaf, changes: [], frr: null, firstBringUp: false });
      }
      for (const leaf of NEW) {
        const p = bySwitch.get(leaf)!;
        expect(p.firstBringUp).toBe(true);
        expect(p.changes.map((c) => c.key).sort()).toEqual(fullConfigKeys(leaf, await dumpConfigDb(labSwitch(FABRIC, leaf))));
      }
      for (const spine of ['spine1', 'spine2']) {
        const p = bySwitch.get(spine)!;
        expect(p.changes.map((c) => c.key).sort()).toEqual(lab.spineKeysFor(spine, NEW).sort());
        // Not one entry the spine already had from clos is touched: no reset, no restart.
        for (const c of p.changes) expect(applied.get(spine)).not.toHaveProperty([c.key]);
        expect(p.firstBringUp).toBe(false);
        expect(p.impact).toBe('none');
      }
    });

    it('apply writes the new leaves and the spines\' additions, leaves the rest unchanged', async () => {
      const t = stopwatch();
      const r = await runCli('apply', lab.file, '--yes', '--json');
      expect(r.code).toBe(0);
      const { outcomes } = JSON.parse(r.stdout) as ApplyJson;
      expect(statusByApply(outcomes)).toEqual(RACK3_APPLIED);
      timings.push(`apply rack r3: ${t()}`);
    });

    it('verify passes with the third rack, and leaf1 reaches the new leaves over both spines', async () => {
      await verifyConverges();
      for (const to of NEW) {
        expect(liveNextHops(ns('leaf1'), loopback(to))).toHaveLength(2);
        expect(ping(ns('leaf1'), loopback('leaf1'), loopback(to), 2)).toBe(true);
      }
      const { code } = await planJson();
      expect(code).toBe(0);
    }, 70_000);
  });
});
