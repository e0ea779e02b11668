// Ownership of factory/foreign config (docs/adoption.md), pure: dc1's leaf1 and spine1 as
// SONiC's t1 and l2 presets leave them, diffed by the one diff engine. What clos owns goes in
// the same change set as clos's own, deletes first in an order SONiC's daemons accept; what it
// does not own (management, SNMP, syslog, NTP, FEATURE, ACLs, Loopback1, PORT fields) stays.
import { describe, expect, it } from 'vitest';
import { CONFIG_READ_TABLES, GUARD_TABLES } from '../../src/core/adoption/refusals.ts';
import { adoptionGroups } from '../../src/core/adoption/summary.ts';
import { diffConfig, type Change } from '../../src/core/diff/diff.ts';
import { flatten, type Fields } from '../../src/core/diff/flat.ts';
import { OWNED_TABLES, owns, ownershipOf } from '../../src/core/diff/ownership.ts';
import { MANAGED_TABLES } from '../../src/core/render/render.ts';
import type { SwitchIntent } from '../../src/core/model.ts';
import { MemoryTransport } from '../../src/transport/memory.ts';
import { compileDc1 } from '../support/dc1.ts';
import { MANAGEMENT, l2Preset, loadFactory, t1Preset } from '../support/factory-presets.ts';

const dc1 = compileDc1();
const intent = (n: string) => dc1.intents.find((s) => s.name === n)!;
const desired = (n: string) => flatten(dc1.configs.get(n)!);
const keysOf = (cs: readonly Change[], pred: (c: Change) => boolean) => cs.filter(pred).map((c) => c.key);
const at = (cs: readonly Change[], op: string, key: string) => cs.findIndex((c) => c.op === op && c.key === key);

/** A memory switch in the preset's state, the change set clos plans for it, and the switch after
 *  that change set was applied. */
async function adopt(name: string, preset: (s: SwitchIntent) => Map<string, Fields>, keep?: readonly string[]) {
  const s = keep ? { ...intent(name), keep } : intent(name);
  const t = new MemoryTransport(name);
  loadFactory(t, preset(s));
  const before = await t.read('CONFIG_DB');
  const changes = diffConfig({ desired: desired(name), actual: before, ownership: ownershipOf(s) });
  await t.apply(changes);
  const after = await t.read('CONFIG_DB');
  return { s, before, changes, after, again: diffConfig({ desired: desired(name), actual: after, ownership: ownershipOf(s) }) };
}

/** After the change set: exactly clos's config in clos's scope, everything else as it was. */
function expectAdopted(s: SwitchIntent, before: Map<string, Fields>, after: Map<string, Fields>, want: Map<string, Fields>): void {
  const own = ownershipOf(s);
  for (const [k, v] of want) expect(after.get(k), k).toMatchObject(v);
  for (const k of after.keys()) if (owns(own, k)) expect(want.has(k), `${k} left in clos's scope`).toBe(true);
  for (const [k, v] of before) if (!owns(own, k) && !k.startsWith('PORT|') && k !== 'DEVICE_METADATA|localhost') expect(after.get(k), k).toEqual(v);
  for (const [k, v] of MANAGEMENT) expect(after.get(k), k).toEqual(v);
}

describe('adopting a switch in SONiC t1 state', () => {
  it('leaf1: removes the factory Loopback0, every factory port address, neighbor and routed interface it does not use, in one change set', async () => {
    const { s, before, changes, after, again } = await adopt('leaf1', (x) => t1Preset(x.platform));
    const foreign = keysOf(changes, (c) => c.foreign === true);
    expect(foreign).toContain('LOOPBACK_INTERFACE|Loopback0|10.1.0.1/32');
    expect(foreign).not.toContain('LOOPBACK_INTERFACE|Loopback0'); // clos renders it too
    expect(foreign.filter((k) => k.startsWith('BGP_NEIGHBOR|'))).toHaveLength(32);
    expect(foreign.filter((k) => /^INTERFACE\|Ethernet\d+\|10\.0\./.test(k))).toHaveLength(32);
    // Bare keys: all but the two uplinks clos routes (server ports go into the VLAN, unrouted).
    expect(foreign.filter((k) => /^INTERFACE\|Ethernet\d+$/.test(k))).toHaveLength(30);
    expect(foreign).toContain('INTERFACE|Ethernet120|10.0.0.60/31');
    expect(changes.filter((c) => c.foreign).every((c) => c.op === 'delete' && c.why)).toBe(true);
    expect(changes.find((c) => c.key === 'BGP_NEIGHBOR|10.0.0.61')).toMatchObject({ impact: 'session-removed', before: { name: 'ARISTA15T0', asn: '64015' } });
    // Every delete before every write; clos's Loopback0 address needs the routing restart.
    const firstWrite = changes.findIndex((c) => c.op !== 'delete');
    expect(changes.slice(firstWrite).every((c) => c.op !== 'delete')).toBe(true);
    expect(at(changes, 'delete', 'INTERFACE|Ethernet120|10.0.0.60/31')).toBeLessThan(at(changes, 'add', 'INTERFACE|Ethernet120|10.1.0.1/31'));
    expect(changes.find((c) => c.key === 'LOOPBACK_INTERFACE|Loopback0|10.0.0.3/32')).toMatchObject({ op: 'add', impact: 'restart' });
    expect(changes.find((c) => c.key === 'DEVICE_METADATA|localhost')).toMatchObject({ set: { hostname: 'leaf1', bgp_asn: '65101', type: 'ToRRouter' }, impact: 'restart' });
    expectAdopted(s, before, after, desired('leaf1'));
    expect(after.get('DEVICE_METADATA|localhost')).toMatchObject({ mac: '52:54:00:12:34:56', platform: 'x86_64-kvm_x86_64-r0' });
    expect(after.get('FLEX_COUNTER_TABLE|ACL')).toEqual({ FLEX_COUNTER_STATUS: 'disable', POLL_INTERVAL: '10000' });
    // An unused port keeps its PORT entry as the factory left it (clos renders no field of it).
    expect(after.get('PORT|Ethernet60')).toEqual(before.get('PORT|Ethernet60'));
    expect(again).toEqual([]);
  });

  it('spine1: the same, the factory AS 65100 is the spine AS already, the router id still restarts routing', async () => {
    const { s, before, changes, after, again } = await adopt('spine1', (x) => t1Preset(x.platform));
    expect(keysOf(changes, (c) => c.foreign === true && c.key.startsWith('BGP_NEIGHBOR|'))).toHaveLength(32);
    const meta = changes.find((c) => c.key === 'DEVICE_METADATA|localhost')!;
    expect(meta.set).not.toHaveProperty('bgp_asn');
    expect(meta).toMatchObject({ set: { bgp_router_id: '10.0.0.1', hostname: 'spine1' }, impact: 'restart' });
    expectAdopted(s, before, after, desired('spine1'));
    expect(again).toEqual([]);
  });

  it('names the adoption for plan: the factory Loopback0, N port addresses, N neighbors', () => {
    const s = intent('leaf1');
    const changes = diffConfig({ desired: desired('leaf1'), actual: t1Preset(s.platform), ownership: ownershipOf(s) });
    expect(adoptionGroups(changes, s).map((g) => [g.what, g.text, g.keys.length, g.impact])).toEqual([
      ['loopback', 'Loopback0 10.1.0.1/32', 1, 'none'],
      ['port-addresses', '32 port addresses (10 on ports the fabric uses)', 32, 'none'],
      ['port-interfaces', '30 routed port interfaces of ports the fabric does not use', 30, 'none'],
      ['bgp-neighbors', '32 BGP neighbors', 32, 'session-removed'],
    ]);
  });
});

describe('adopting a switch in SONiC l2 state', () => {
  it('leaf1: keeps Vlan1000 and its server ports, takes the uplinks and the other ports out of it before addressing them', async () => {
    const { s, before, changes, after, again } = await adopt('leaf1', (x) => l2Preset(x.platform));
    const foreign = keysOf(changes, (c) => c.foreign === true);
    expect(foreign).toHaveLength(24); // Ethernet32 … Ethernet124
    expect(foreign.every((k) => k.startsWith('VLAN_MEMBER|Vlan1000|'))).toBe(true);
    expect(foreign).not.toContain('VLAN_MEMBER|Vlan1000|Ethernet0');
    expect(changes.find((c) => c.key === 'VLAN|Vlan1000')).toBeUndefined(); // the factory VLAN is clos's VLAN
    for (const up of ['Ethernet120', 'Ethernet124']) {
      const leave = at(changes, 'delete', `VLAN_MEMBER|Vlan1000|${up}`);
      expect(leave).toBeGreaterThanOrEqual(0);
      expect(leave).toBeLessThan(at(changes, 'add', `INTERFACE|${up}`));
    }
    const groups = adoptionGroups(changes, s);
    expect(groups.map((g) => g.text)).toEqual(['Vlan1000 membership of 24 ports (the fabric links Ethernet120, Ethernet124 among them)']);
    expectAdopted(s, before, after, desired('leaf1'));
    expect(again).toEqual([]);
  });

  it('spine1: removes Vlan1000 after all its members', async () => {
    const { s, before, changes, after, again } = await adopt('spine1', (x) => l2Preset(x.platform));
    expect(keysOf(changes, (c) => c.foreign === true && c.key.startsWith('VLAN_MEMBER|'))).toHaveLength(32);
    const vlan = at(changes, 'delete', 'VLAN|Vlan1000');
    expect(changes.slice(vlan + 1).some((c) => c.key.startsWith('VLAN_MEMBER|'))).toBe(false);
    expect(adoptionGroups(changes, s).map((g) => g.text)).toEqual(['Vlan1000 membership of 32 ports (the fabric links Ethernet0, Ethernet4, Ethernet8, Ethernet12 among them)', 'Vlan1000 (not declared for this switch)']);
    expectAdopted(s, before, after, desired('spine1'));
    expect(again).toEqual([]);
  });
});

describe('adoption.keep', () => {
  it('keeps a named foreign entry, and what it needs (its bare interface, its VLAN)', async () => {
    const keep = ['INTERFACE|Ethernet60|10.0.0.30/31', 'BGP_NEIGHBOR|10.0.0.31'];
    const { changes, after, again } = await adopt('leaf1', (x) => t1Preset(x.platform), keep);
    expect(after.has('INTERFACE|Ethernet60|10.0.0.30/31')).toBe(true);
    expect(after.has('INTERFACE|Ethernet60')).toBe(true);
    expect(after.get('BGP_NEIGHBOR|10.0.0.31')).toMatchObject({ name: 'ARISTA16T2' });
    expect(changes.some((c) => c.key.startsWith('INTERFACE|Ethernet60'))).toBe(false);
    expect(again).toEqual([]);
    const vlan = ownershipOf({ platform: intent('spine1').platform, keep: ['VLAN_MEMBER|Vlan1000|Ethernet60'] });
    expect(owns(vlan, 'VLAN|Vlan1000')).toBe(false);
    expect(owns(vlan, 'VLAN_MEMBER|Vlan1000|Ethernet64')).toBe(true);
  });

  it('reads everything it owns and everything it may refuse over, and writes none of the latter', () => {
    for (const t of [...OWNED_TABLES, 'INTERFACE', 'LOOPBACK_INTERFACE']) expect(MANAGED_TABLES).toContain(t);
    expect(CONFIG_READ_TABLES).toEqual([...MANAGED_TABLES, ...GUARD_TABLES]);
    expect(GUARD_TABLES.filter((t) => MANAGED_TABLES.includes(t))).toEqual([]);
  });

  it('owns exactly its scope', () => {
    const own = ownershipOf(intent('leaf1'));
    for (const k of ['BGP_NEIGHBOR|10.9.9.9', 'LOOPBACK_INTERFACE|Loopback0|10.1.0.1/32', 'INTERFACE|Ethernet60', 'INTERFACE|Ethernet60|10.0.0.30/31', 'VLAN|Vlan7', 'VLAN_MEMBER|Vlan7|Ethernet8', 'VLAN_INTERFACE|Vlan7|192.0.2.1/24', 'DEVICE_NEIGHBOR|Ethernet60', 'DEVICE_NEIGHBOR_METADATA|ARISTA01T2']) {
      expect(owns(own, k), k).toBe(true);
    }
    for (const k of ['LOOPBACK_INTERFACE|Loopback1|172.31.0.1/32', 'INTERFACE|Ethernet999', 'PORT|Ethernet60', 'DEVICE_METADATA|localhost', ...MANAGEMENT.keys()]) expect(owns(own, k), k).toBe(false);
  });
});
