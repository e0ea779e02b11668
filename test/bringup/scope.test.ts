// The pure parts of a bring-up: which changes a rack's run may make, what its gates wait for,
// and how a cabling view reads.
import { describe, expect, it } from 'vitest';
import { diffConfig } from '../../src/core/diff/diff.ts';
import { flatten } from '../../src/core/diff/flat.ts';
import { ownershipOf } from '../../src/core/diff/ownership.ts';
import { cablingFromCarrier, cablingFromLldp, describeCabling, gateChecks, stayChecks } from '../../src/bringup/gates.ts';
import { keyOwner, rackScope, scopeChanges, wholeFabric } from '../../src/bringup/scope.ts';
import { compileDc1 } from './fabric.ts';

const two = compileDc1(2); // dc1 + r3 (leaf5, leaf6) + r4 (leaf7, leaf8)
const intents = new Map(two.intents.map((s) => [s.name, s]));
const r3 = rackScope(two.intents, ['r3']);
const spine1 = intents.get('spine1')!;
const desired = flatten(two.configs.get('spine1')!);
// spine1 as it runs today: everything but the new racks' objects.
const running = new Map([...desired].filter(([k]) => !['leaf5', 'leaf6', 'leaf7', 'leaf8'].includes(keyOwner(spine1, k) ?? '')));

describe('rack scope', () => {
  it('finds the neighbour each spine key belongs to', () => {
    const n = spine1.neighbors.find((x) => x.peerName === 'leaf5')!;
    expect(keyOwner(spine1, `PORT|${n.localPort}`)).toBe('leaf5');
    expect(keyOwner(spine1, `INTERFACE|${n.localPort}|${n.localAddr}/31`)).toBe('leaf5');
    expect(keyOwner(spine1, `BGP_NEIGHBOR|${n.peerIp}`)).toBe('leaf5');
    expect(keyOwner(spine1, `BGP_NEIGHBOR|default|${n.peerIp}`)).toBe('leaf5');
    expect(keyOwner(spine1, 'DEVICE_NEIGHBOR_METADATA|leaf5')).toBe('leaf5');
    expect(keyOwner(spine1, 'DEVICE_METADATA|localhost')).toBeUndefined();
    expect(keyOwner(spine1, 'LOOPBACK_INTERFACE|Loopback0|10.0.0.1/32')).toBeUndefined();
  });

  it('--racks r3 keeps r3 objects on a spine and leaves r4 for later', () => {
    const changes = diffConfig({ desired, actual: running, ownership: ownershipOf(spine1) });
    const { kept, left } = scopeChanges(r3, spine1, changes);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.every((c) => ['leaf5', 'leaf6'].includes(keyOwner(spine1, c.key)!))).toBe(true);
    expect(left.every((c) => ['leaf7', 'leaf8'].includes(keyOwner(spine1, c.key)!))).toBe(true);
    expect(kept.length).toBe(left.length);
    // The whole fabric keeps everything.
    expect(scopeChanges(wholeFabric(), spine1, changes).left).toEqual([]);
  });
});

describe('gates', () => {
  it('a spine of a rack run waits for its new sessions at both ends and the new loopbacks', () => {
    const ids = gateChecks('sessions', 'spine1', intents, r3).map((c) => `${c.switch}: ${c.id}`);
    for (const leaf of ['leaf5', 'leaf6']) {
      const n = spine1.neighbors.find((x) => x.peerName === leaf)!;
      expect(ids).toContain(`spine1: session ${n.peerIp} (${leaf}) Established`);
      expect(ids).toContain(`${leaf}: session ${n.localAddr} (spine1) Established`);
      expect(ids).toContain(`spine1: route to ${leaf} loopback ${intents.get(leaf)!.loopback}/32 via 1 next hop(s)`);
    }
    expect(ids.some((i) => /leaf[1-4]|leaf[78]/.test(i))).toBe(false);
  });

  it('the sessions that must stay up are the existing ones', () => {
    const stay = stayChecks('spine1', intents, r3).map((c) => c.id);
    expect(stay.map((i) => /\((leaf\d)\)/.exec(i)![1]).sort()).toEqual(['leaf1', 'leaf2', 'leaf3', 'leaf4', 'leaf7', 'leaf8']);
  });

  it('a new leaf is ready when its own side is: ports, addresses, neighbours consumed', () => {
    const kinds = new Set(gateChecks('ready', 'leaf5', intents, r3).map((c) => c.kind));
    expect([...kinds].sort()).toEqual(['address', 'bgp-consumed', 'interface', 'port']);
  });
});

describe('cabling views', () => {
  const leaf5 = intents.get('leaf5')!;
  const [a, b] = leaf5.neighbors;
  const alias = (sw: string, port: string) => intents.get(sw)!.platform.portsByName.get(port)!.alias;

  it('names both ends of a swap, with port names, not aliases', () => {
    const appl = new Map([
      [`LLDP_ENTRY_TABLE:${a!.localPort}`, { lldp_rem_sys_name: b!.peerName, lldp_rem_port_id: alias(b!.peerName, b!.peerPort) }],
      [`LLDP_ENTRY_TABLE:${b!.localPort}`, { lldp_rem_sys_name: a!.peerName, lldp_rem_port_id: alias(a!.peerName, a!.peerPort) }],
    ]);
    const view = cablingFromLldp('leaf5', intents, r3, appl);
    expect(view).toMatchObject({ ok: false, settled: true });
    expect(describeCabling('leaf5', view)).toBe(
      `leaf5 ${a!.localPort}: intended ${a!.peerName} ${a!.peerPort}, seen ${b!.peerName} ${b!.peerPort}; leaf5 ${b!.localPort}: intended ${b!.peerName} ${b!.peerPort}, seen ${a!.peerName} ${a!.peerPort}`,
    );
  });

  it('is unsettled while a port has no neighbour yet, and right when both match', () => {
    const one = new Map([[`LLDP_ENTRY_TABLE:${a!.localPort}`, { lldp_rem_sys_name: a!.peerName, lldp_rem_port_id: alias(a!.peerName, a!.peerPort) }]]);
    expect(cablingFromLldp('leaf5', intents, r3, one)).toMatchObject({ ok: false, settled: false });
    const both = new Map([...one, [`LLDP_ENTRY_TABLE:${b!.localPort}`, { lldp_rem_sys_name: b!.peerName, lldp_rem_port_id: b!.peerPort }]]);
    expect(cablingFromLldp('leaf5', intents, r3, both)).toMatchObject({ ok: true, settled: true });
  });

  it('without LLDP only the carrier counts', () => {
    const state = new Map([
      [`PORT_TABLE|${a!.localPort}`, { netdev_oper_status: 'up' }],
      [`PORT_TABLE|${b!.localPort}`, { netdev_oper_status: 'down' }],
    ]);
    const view = cablingFromCarrier('leaf5', intents, r3, state);
    expect(view.ok).toBe(false);
    expect(describeCabling('leaf5', view)).toBe(`leaf5 ${b!.localPort}: intended ${b!.peerName} ${b!.peerPort} (carrier only: no LLDP), seen carrier down`);
  });
});
