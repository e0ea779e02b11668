// dc1 of in-memory switches in SONiC's factory states (t1, l2) and with brownfield config, behind
// the real plan, apply and drift: plan shows the adoption per switch, apply takes the switches
// over in one change set each, plan and drift are then empty; what clos cannot take over is
// refused before any write. Management config is never touched.
import { describe, expect, it } from 'vitest';
import type { Fields } from '../../src/core/diff/flat.ts';
import { driftReportSchema } from '../../src/report/drift-schema.ts';
import { formatPlan, planJson } from '../../src/report/plan-format.ts';
import { applyFabric } from '../../src/services/apply.ts';
import { driftFabric } from '../../src/services/drift.ts';
import { hasWork, isRefused, planFabric } from '../../src/services/plan.ts';
import { convergedState } from '../support/converged-state.ts';
import { MANAGEMENT, l2Preset, loadFactory, t1Preset } from '../support/factory-presets.ts';
import { memoryFabric } from '../support/memory-fabric.ts';

type Mem = Awaited<ReturnType<typeof memoryFabric>>;

async function factoryFabric(preset: typeof t1Preset): Promise<Mem> {
  const m = await memoryFabric();
  for (const s of m.session.loaded.intents) loadFactory(m.switches.get(s.name)!.transport, preset(s.platform));
  return m;
}

/** STATE_DB / APPL_DB as SONiC's daemons leave them once the fabric converged. */
function converge(m: Mem): void {
  const ops = convergedState(m.session.loaded.intents);
  for (const [name, sw] of m.switches) {
    for (const [k, v] of ops.get(name)!.STATE_DB) sw.transport.setState('STATE_DB', k, v);
    for (const [k, v] of ops.get(name)!.APPL_DB) sw.transport.setState('APPL_DB', k, v);
  }
}

function expectManagementUntouched(m: Mem): void {
  for (const sw of m.switches.values()) for (const [k, v] of MANAGEMENT) expect(sw.transport.dbs.CONFIG_DB.get(k), k).toEqual(v);
}

describe('dc1 from SONiC t1 factory state', () => {
  it('drift names the factory config as the cause; plan shows the adoption; apply; plan and drift then empty', async () => {
    const m = await factoryFabric(t1Preset);
    // bgpcfgd took the factory neighbor of Ethernet120 (ARISTA15T0 behind 10.0.0.61): never up.
    m.switches.get('leaf1')!.transport.setState('STATE_DB', 'BGP_PEER_CONFIGURED_TABLE|10.0.0.61', { asn: '64015' });
    m.switches.get('leaf1')!.transport.setState('STATE_DB', 'NEIGH_STATE_TABLE|10.0.0.61', { state: 'Active', peerType: 'e-BGP' });
    const before = driftReportSchema.parse(await driftFabric(m.session));
    const foreign = before.findings.filter((f) => f.class === 'foreign');
    expect(foreign.map((f) => f.id)).toContain('leaf1/foreign/LOOPBACK_INTERFACE|Loopback0|10.1.0.1/32');
    expect(foreign.find((f) => f.id === 'leaf1/foreign/INTERFACE|Ethernet120|10.0.0.60/31')).toMatchObject({
      severity: 'warning',
      actual: '(entry without fields)',
      remediation: { kind: 'apply', text: 'clos apply: delete INTERFACE|Ethernet120|10.0.0.60/31 (whole entry)', change: { op: 'delete' } },
    });
    // Every session of the fabric is down, and each points at a factory entry as root cause.
    const sessions = before.findings.filter((f) => f.class === 'not-converged' && f.object.startsWith('BGP session ') && f.link);
    expect(sessions.length).toBeGreaterThanOrEqual(8);
    const byId = new Map(before.findings.map((f) => [f.id, f]));
    for (const f of sessions) expect(byId.get(f.causedBy ?? '')?.class, f.id).toBe('foreign');
    // The factory neighbors' sessions point at their BGP_NEIGHBOR.
    expect(byId.get('leaf1/not-converged/BGP session 10.0.0.61 (not in the fabric file)')?.causedBy).toBe('leaf1/foreign/BGP_NEIGHBOR|10.0.0.61');

    const plans = await planFabric(m.session);
    expect(plans.some(isRefused)).toBe(false);
    for (const p of plans) {
      expect(p.firstBringUp, p.switch).toBe(false); // the preset has bgp_asn 65100
      expect(p.impact, p.switch).toBe('restart');
      expect(p.adoption!.map((g) => g.what), p.switch).toEqual(['loopback', 'port-addresses', 'port-interfaces', 'bgp-neighbors']);
      expect(p.adoption![0]!.text).toBe('Loopback0 10.1.0.1/32');
    }
    const text = formatPlan(plans, []);
    expect(text).toContain('  adoption: factory/foreign config removed (95 of the changes above; clos owns this scope, docs/adoption.md):');
    expect(text).toMatch(/ {2}32 port addresses \(10 on ports the fabric uses\) +32 +none\n/);
    expect(text).toMatch(/ {2}32 BGP neighbors +32 +session removed/);
    const json = planJson(plans, []) as { switches: { switch: string; adoption: { what: string; keys: string[] }[]; changes: { key: string; foreign: boolean }[] }[] };
    const leaf1 = json.switches.find((s) => s.switch === 'leaf1')!;
    expect(leaf1.adoption.find((g) => g.what === 'loopback')!.keys).toEqual(['LOOPBACK_INTERFACE|Loopback0|10.1.0.1/32']);
    expect(leaf1.changes.find((c) => c.key === 'LOOPBACK_INTERFACE|Loopback0|10.1.0.1/32')!.foreign).toBe(true);
    expect(leaf1.changes.find((c) => c.key === 'LOOPBACK_INTERFACE|Loopback0|10.0.0.3/32')!.foreign).toBe(false);

    const outcomes = await applyFabric(m.session, plans);
    expect(outcomes.map((o) => [o.switch, o.status, o.restarted])).toEqual(plans.map((p) => [p.switch, 'applied', true]));
    expect((await planFabric(m.session)).filter(hasWork)).toEqual([]);
    converge(m);
    m.switches.get('leaf1')!.transport.setState('STATE_DB', 'BGP_PEER_CONFIGURED_TABLE|10.0.0.61', undefined);
    m.switches.get('leaf1')!.transport.setState('STATE_DB', 'NEIGH_STATE_TABLE|10.0.0.61', undefined);
    expect((await driftFabric(m.session)).findings).toEqual([]);
    expectManagementUntouched(m);
  });
});

describe('dc1 from SONiC l2 factory state', () => {
  it('takes the uplinks out of Vlan1000, keeps the server ports in it, removes it from the spines', async () => {
    const m = await factoryFabric(l2Preset);
    const before = await driftFabric(m.session);
    const cause = (object: string) => before.findings.find((f) => f.switch === 'leaf1' && f.object === object)?.causedBy;
    expect(cause('address 10.1.0.1/31 on Ethernet120')).toBe('leaf1/foreign/VLAN_MEMBER|Vlan1000|Ethernet120');
    expect(cause('BGP session leaf1 10.1.0.1 -- spine1 10.1.0.0')).toBe('leaf1/foreign/VLAN_MEMBER|Vlan1000|Ethernet120');
    const plans = await planFabric(m.session);
    const texts = new Map(plans.map((p) => [p.switch, p.adoption?.map((g) => g.text)]));
    expect(texts.get('leaf1')).toEqual(['Vlan1000 membership of 24 ports (the fabric links Ethernet120, Ethernet124 among them)']);
    expect(texts.get('leaf3')).toEqual(['Vlan1000 membership of 32 ports (the fabric links Ethernet120, Ethernet124 among them)', 'Vlan1000 (not declared for this switch)']);
    expect(texts.get('spine2')).toEqual(['Vlan1000 membership of 32 ports (the fabric links Ethernet0, Ethernet4, Ethernet8, Ethernet12 among them)', 'Vlan1000 (not declared for this switch)']);
    const outcomes = await applyFabric(m.session, plans);
    expect(outcomes.every((o) => o.status === 'applied')).toBe(true);
    expect((await planFabric(m.session)).filter(hasWork)).toEqual([]);
    const leaf1 = m.switches.get('leaf1')!.transport.dbs.CONFIG_DB;
    expect([...leaf1.keys()].filter((k) => k.startsWith('VLAN_MEMBER|')).length).toBe(8);
    expect(m.switches.get('spine1')!.transport.dbs.CONFIG_DB.has('VLAN|Vlan1000')).toBe(false);
    converge(m);
    expect((await driftFabric(m.session)).findings).toEqual([]);
    expectManagementUntouched(m);
  });
});

describe('brownfield config clos cannot take over', () => {
  it('a PortChannel on leaf1\'s uplink: plan refuses it with switch, key and reason; apply writes nothing there and adopts the others', async () => {
    const m = await factoryFabric(t1Preset);
    const cfg = m.switches.get('leaf1')!.transport.dbs.CONFIG_DB;
    const lag: [string, Fields][] = [
      ['PORTCHANNEL|PortChannel0001', { admin_status: 'up', min_links: '1', mtu: '9100' }],
      ['PORTCHANNEL_MEMBER|PortChannel0001|Ethernet120', {}],
    ];
    for (const [k, v] of lag) cfg.set(k, v);
    cfg.delete('INTERFACE|Ethernet120');
    cfg.delete('INTERFACE|Ethernet120|10.0.0.60/31');
    const before = new Map(cfg);
    const plans = await planFabric(m.session);
    expect(plans.filter(isRefused).map((p) => p.refusals)).toEqual([
      [
        { switch: 'leaf1', key: 'PORTCHANNEL_MEMBER|PortChannel0001|Ethernet120', reason: 'Ethernet120 is a member of PortChannel0001, and Ethernet120 is a fabric uplink: clos routes it alone; remove it from the PortChannel first' },
        { switch: 'leaf1', key: 'PORTCHANNEL|PortChannel0001', reason: 'PortChannel0001 takes Ethernet120, a port the fabric uses' },
      ],
    ]);
    const text = formatPlan(plans, []);
    expect(text).toContain('leaf1 (memory:leaf1) [bgpcfgd, inventory]: REFUSED, apply writes nothing (docs/adoption.md)');
    expect(text).toContain('PORTCHANNEL_MEMBER|PortChannel0001|Ethernet120  Ethernet120 is a member of PortChannel0001');
    expect(text).toContain('5 switch(es) with changes pending, 0 up to date, 1 refused.');
    expect((planJson(plans, []) as { switches: { switch: string; refusals: unknown[] }[] }).switches.find((s) => s.switch === 'leaf1')!.refusals).toHaveLength(2);
    const outcomes = await applyFabric(m.session, plans);
    expect(outcomes.find((o) => o.switch === 'leaf1')).toMatchObject({ status: 'failed', changes: plans.find((p) => p.switch === 'leaf1')!.changes.length, error: { code: 'REFUSED' } });
    expect(outcomes.find((o) => o.switch === 'leaf1')!.error!.message).toMatch(/^not adopted, nothing written: leaf1: PORTCHANNEL_MEMBER\|PortChannel0001\|Ethernet120: Ethernet120 is a member/);
    expect(cfg).toEqual(before);
    expect(m.switches.get('leaf1')!.commands).toEqual([]);
    expect(await m.session.state.lastApplied('leaf1')).toBeUndefined();
    expect(outcomes.filter((o) => o.status === 'applied').map((o) => o.switch)).toEqual(['spine1', 'spine2', 'leaf2', 'leaf3', 'leaf4']);
  });
});
