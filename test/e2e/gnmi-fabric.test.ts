// The end-to-end scenario of redis-fabric.test.ts, over gNMI: every command with
// `--transport gnmi`, so clos reaches each emulated switch through its gNMI server
// (127.0.1.N:8080, in the switch's agent) — reads as Gets on DB targets, one SetRequest per
// switch, the first bring-up's routing restart through gNOI, verify waiting on ON_CHANGE
// subscriptions. lab up 2×4 → plan (full configuration) → apply → verify → loopbacks ping over
// ECMP → plan shows nothing (over gNMI and over Redis alike) → drift finds nothing, then finds a
// change made by hand the same over gNMI and over Redis → a third rack → plan shows only what is
// new → apply → verify. Fabric t-e2e-gnmi, addresses 127.0.1.48/28.
import { writeFileSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { flatten } from '../../src/core/diff/flat.ts';
import { runCli } from '../support/cli.ts';
import { dumpConfigDb, e2eLab, labSwitch, liveNextHops, ping, RACK3_APPLIED, redisOf, statusByApply, stopwatch, upLab, withRack3, type ApplyJson } from './helpers.ts';

const FABRIC = 't-e2e-gnmi';
const ADDRESSES = '127.0.1.48/28';
const FIRST = ['spine1', 'spine2', 'leaf1', 'leaf2', 'leaf3', 'leaf4'];
const GNMI = ['--transport', 'gnmi'];
const lab = e2eLab(FABRIC, ADDRESSES, { added: FIRST });
const { ns, loopback, link, planJson, fullConfigKeys, timings } = lab;
const gnmiEndpoint = (sw: string) => `gnmi ${labSwitch(FABRIC, sw).address}:8080`;
const verifyConverges = () => lab.verifyConverges(GNMI, 'verify over gNMI');

describe('a 2×4 fabric brought up and grown over gNMI only', () => {
  it('lab status shows each switch\'s gNMI address', async () => {
    const r = await runCli('lab', 'status', lab.file, '--json');
    const st = JSON.parse(r.stdout) as { switches: { name: string; gnmi: string }[] };
    for (const s of st.switches) expect(s.gnmi).toBe(`${labSwitch(FABRIC, s.name).address}:8080`);
  });

  it('plan over gNMI shows the full configuration of every switch (exit 10)', async () => {
    const { code, plan } = await planJson(...GNMI);
    expect(code).toBe(10);
    expect(plan.switches.map((p) => [p.switch, p.endpoint])).toEqual(FIRST.map((s) => [s, gnmiEndpoint(s)]));
    for (const p of plan.switches) {
      expect(p.error).toBeNull();
      expect(p.firstBringUp).toBe(true);
      expect(p.changes.map((c) => c.key).sort()).toEqual(fullConfigKeys(p.switch, await dumpConfigDb(labSwitch(FABRIC, p.switch))));
    }
  });

  it('apply over gNMI: one Set per switch, the routing restart through gNOI (exit 0)', async () => {
    const t = stopwatch();
    const r = await runCli('apply', lab.file, ...GNMI, '--yes', '--json');
    expect(r.code).toBe(0);
    const { outcomes } = JSON.parse(r.stdout) as ApplyJson;
    expect(outcomes.map((o) => [o.switch, o.status, o.restarted, o.endpoint, o.error ?? null])).toEqual(FIRST.map((s) => [s, 'applied', true, gnmiEndpoint(s), null]));
    // What gNMI wrote is exactly the intent, as the Redis transport would have written it.
    for (const sw of FIRST) {
      const db = await dumpConfigDb(labSwitch(FABRIC, sw));
      for (const [k, f] of flatten(lab.fabric.configs.get(sw)!)) expect({ k, have: db[k] }).toEqual({ k, have: Object.keys(f).length ? expect.objectContaining(f) : { NULL: 'NULL' } });
    }
    timings.push(`apply 6 switches over gNMI: ${t()}`);
  });

  it('verify over gNMI passes within 60 s', verifyConverges, 70_000);

  it('leaf loopbacks ping each other over both spines', () => {
    for (const to of ['leaf3', 'leaf4', 'leaf2']) {
      expect(liveNextHops(ns('leaf1'), loopback(to))).toHaveLength(2);
      expect(ping(ns('leaf1'), loopback('leaf1'), loopback(to), 3)).toBe(true);
    }
  });

  it('plan then shows nothing to do, over gNMI and over Redis alike (exit 0)', async () => {
    for (const transport of ['gnmi', 'redis']) {
      const { code, plan } = await planJson('--transport', transport);
      expect(plan.switches.flatMap((p) => p.changes.map((c) => `${transport} ${p.switch}: ${c.op} ${c.key}`))).toEqual([]);
      expect(code).toBe(0);
    }
  });

  it('drift over gNMI finds nothing; a change made by hand is found alike over gNMI and over Redis', async () => {
    type DriftJson = { drift: boolean; switches: { name: string; endpoint: string | null }[]; findings: { id: string; class: string; object: string }[] };
    const drift = async (transport: string) => {
      const r = await runCli('drift', lab.file, '--transport', transport, '--format', 'json');
      return { code: r.code, report: JSON.parse(r.stdout) as DriftJson };
    };
    const clean = await drift('gnmi');
    expect(clean.report.findings.map((f) => f.id)).toEqual([]);
    expect(clean.code).toBe(0);
    expect(clean.report.switches.map((s) => [s.name, s.endpoint])).toEqual(FIRST.map((s) => [s, gnmiEndpoint(s)]));
    const port = link('leaf1', 'spine1').leafPort;
    const r = redisOf(labSwitch(FABRIC, 'leaf1'));
    await r.connect();
    const description = await r.hget(`PORT|${port}`, 'description');
    await r.hset(`PORT|${port}`, 'description', 'changed by hand');
    try {
      const [overGnmi, overRedis] = [await drift('gnmi'), await drift('redis')];
      expect(overGnmi.code).toBe(12);
      expect(overGnmi.report.findings.map((f) => f.object)).toContain(`PORT|${port}`);
      expect(overGnmi.report.findings.map((f) => [f.id, f.class])).toEqual(overRedis.report.findings.map((f) => [f.id, f.class]));
    } finally {
      await r.hset(`PORT|${port}`, 'description', description!);
      r.disconnect();
    }
  });

  describe('a third rack, over gNMI', () => {
    const NEW = ['leaf5', 'leaf6'];

    it('lab up adds the two leaves; plan shows only them plus the spines\' new ports and neighbors', async () => {
      writeFileSync(lab.file, withRack3(readFileSync(lab.file, 'utf8')));
      const up = await upLab(lab.file, ADDRESSES);
      expect([...up.added].sort()).toEqual(NEW);
      await lab.load();
      const { code, plan } = await planJson(...GNMI);
      expect(code).toBe(10);
      const changed = plan.switches.filter((p) => p.changes.length > 0).map((p) => p.switch);
      expect(changed.sort()).toEqual(['leaf5', 'leaf6', 'spine1', 'spine2']);
      for (const p of plan.switches) expect([p.switch, p.error]).toEqual([p.switch, null]);
      for (const spine of ['spine1', 'spine2']) {
        const p = plan.switches.find((x) => x.switch === spine)!;
        expect(p.firstBringUp).toBe(false);
        expect(p.impact).toBe('none');
        expect(p.changes.map((c) => c.key).sort()).toEqual(lab.spineKeysFor(spine, NEW).sort());
      }
    });

    it('apply writes the new leaves and the spines\' additions; verify passes', async () => {
      const r = await runCli('apply', lab.file, ...GNMI, '--yes', '--json');
      expect(r.code).toBe(0);
      const { outcomes } = JSON.parse(r.stdout) as ApplyJson;
      expect(statusByApply(outcomes)).toEqual(RACK3_APPLIED);
      await verifyConverges();
      for (const to of NEW) expect(ping(ns('leaf1'), loopback('leaf1'), loopback(to), 2)).toBe(true);
      expect((await planJson(...GNMI)).code).toBe(0);
    }, 90_000);
  });
});
