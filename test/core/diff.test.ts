import { describe, expect, it } from 'vitest';
import { diffConfig } from '../../src/core/diff/diff.ts';
import type { Fields } from '../../src/core/diff/flat.ts';
import { WRITE_ORDER, writeRank } from '../../src/core/diff/order.ts';
import { OWNED_TABLES, type Ownership } from '../../src/core/diff/ownership.ts';

const db = (o: Record<string, Fields>) => new Map(Object.entries(o));
/** A switch whose front panel is Ethernet0 and Ethernet8, keeping nothing. */
const ownership: Ownership = { ports: new Set(['Ethernet0', 'Ethernet8']), keep: new Set() };
const factoryPort = { admin_status: 'down', alias: 'fortyGigE0/0', lanes: '25,26,27,28', speed: '40000', mtu: '9100', index: '0' };

describe('diffConfig', () => {
  it('writes a first bring-up in the one write order, at field level, leaving unmanaged fields alone', () => {
    const desired = db({
      'BGP_NEIGHBOR|10.1.0.0': { asn: '65100', admin_status: 'up', local_addr: '10.1.0.1' },
      'DEVICE_METADATA|localhost': { hostname: 'leaf1', bgp_asn: '65101', type: 'ToRRouter' },
      'INTERFACE|Ethernet0|10.1.0.1/31': {},
      'INTERFACE|Ethernet0': {},
      'PORT|Ethernet0': { ...factoryPort, admin_status: 'up', description: 'spine1:Ethernet0' },
      'LOOPBACK_INTERFACE|Loopback0|10.0.0.3/32': {},
      'LOOPBACK_INTERFACE|Loopback0': {},
    });
    const actual = db({ 'PORT|Ethernet0': { ...factoryPort, fec: 'none' }, 'DEVICE_METADATA|localhost': { mac: '52:54:00:00:00:01' } });
    const changes = diffConfig({ desired, actual, ownership });
    expect(changes.map((c) => `${c.op} ${c.key}`)).toEqual([
      'update PORT|Ethernet0',
      'add INTERFACE|Ethernet0',
      'add LOOPBACK_INTERFACE|Loopback0',
      'add INTERFACE|Ethernet0|10.1.0.1/31',
      'add LOOPBACK_INTERFACE|Loopback0|10.0.0.3/32',
      'update DEVICE_METADATA|localhost',
      'add BGP_NEIGHBOR|10.1.0.0',
    ]);
    expect(changes[0]!.set).toEqual({ admin_status: 'up', description: 'spine1:Ethernet0' });
    expect(changes[0]!.unset).toBeUndefined(); // fec is not clos's
    const meta = changes.find((c) => c.key === 'DEVICE_METADATA|localhost')!;
    expect(meta.impact).toBe('restart');
    expect(meta.why).toContain('first bring-up');
    expect(meta.after).toMatchObject({ mac: '52:54:00:00:00:01', bgp_asn: '65101' });
  });

  it('finds nothing to do when the switch has what is desired', () => {
    const desired = db({ 'PORT|Ethernet0': { admin_status: 'up' }, 'INTERFACE|Ethernet0': {} });
    const actual = db({ 'PORT|Ethernet0': { ...factoryPort, admin_status: 'up' }, 'INTERFACE|Ethernet0': {} });
    expect(diffConfig({ desired, actual, ownership, lastApplied: desired })).toEqual([]);
  });

  it('changes a BGP neighbor asn by delete + re-add (session reset), admin_status in place', () => {
    const was = { asn: '65101', admin_status: 'up', name: 'leaf1' };
    const asn = diffConfig({ desired: db({ 'BGP_NEIGHBOR|10.1.0.1': { ...was, asn: '65199' } }), actual: db({ 'BGP_NEIGHBOR|10.1.0.1': was }), ownership });
    expect(asn).toMatchObject([{ op: 'replace', impact: 'session-reset', after: { asn: '65199', admin_status: 'up', name: 'leaf1' } }]);
    const shut = diffConfig({ desired: db({ 'BGP_NEIGHBOR|10.1.0.1': { ...was, admin_status: 'down' } }), actual: db({ 'BGP_NEIGHBOR|10.1.0.1': was }), ownership });
    expect(shut).toMatchObject([{ op: 'update', set: { admin_status: 'down' }, impact: 'none' }]);
  });

  it('a changed router id or Loopback0 address needs a restart', () => {
    const meta = { bgp_asn: '65101', bgp_router_id: '10.0.0.3', type: 'ToRRouter' };
    const id = diffConfig({ desired: db({ 'DEVICE_METADATA|localhost': { ...meta, bgp_router_id: '10.0.0.9' } }), actual: db({ 'DEVICE_METADATA|localhost': meta }), ownership });
    expect(id[0]!.impact).toBe('restart');
    const lo = diffConfig({
      desired: db({ 'LOOPBACK_INTERFACE|Loopback0|10.0.0.9/32': {} }),
      actual: db({ 'LOOPBACK_INTERFACE|Loopback0|10.0.0.3/32': {} }),
      lastApplied: db({ 'LOOPBACK_INTERFACE|Loopback0|10.0.0.3/32': {} }),
      ownership,
    });
    expect(lo.map((c) => [c.op, c.key, c.impact])).toEqual([
      ['delete', 'LOOPBACK_INTERFACE|Loopback0|10.0.0.3/32', 'none'],
      ['add', 'LOOPBACK_INTERFACE|Loopback0|10.0.0.9/32', 'restart'],
    ]);
  });

  it('removes what clos applied before and no longer renders; never touches unmanaged keys; hands ports back shut', () => {
    const last = db({ 'BGP_NEIGHBOR|10.1.0.9': { asn: '65109' }, 'INTERFACE|Ethernet8': {}, 'INTERFACE|Ethernet8|10.1.0.8/31': {}, 'PORT|Ethernet8': { admin_status: 'up', description: 'leaf5:Ethernet120' } });
    const actual = db({
      ...Object.fromEntries(last),
      'PORT|Ethernet8': { ...factoryPort, admin_status: 'up', description: 'leaf5:Ethernet120' },
      'INTERFACE|Ethernet16': {}, // not a front-panel port of this switch: not clos's to remove
      'LOOPBACK_INTERFACE|Loopback1': {}, // only Loopback0 is clos's
      'MGMT_INTERFACE|eth0|192.0.2.10/24': { gwaddr: '192.0.2.1' },
    });
    const changes = diffConfig({ desired: new Map(), actual, lastApplied: last, ownership });
    expect(changes.map((c) => `${c.op} ${c.key}`)).toEqual(['delete BGP_NEIGHBOR|10.1.0.9', 'delete INTERFACE|Ethernet8|10.1.0.8/31', 'delete INTERFACE|Ethernet8', 'update PORT|Ethernet8']);
    expect(changes[0]!.impact).toBe('session-removed');
    expect(changes[3]).toMatchObject({ set: { admin_status: 'down' }, unset: ['description'] });
  });

  it('owns BGP_NEIGHBOR whole: a neighbor clos never rendered is removed too (and not in exact mode)', () => {
    expect(OWNED_TABLES).toContain('BGP_NEIGHBOR');
    const desired = db({ 'BGP_NEIGHBOR|10.1.0.0': { asn: '65100' } });
    const actual = db({ 'BGP_NEIGHBOR|10.1.0.0': { asn: '65100' }, 'BGP_NEIGHBOR|192.0.2.1': { asn: '64999' }, 'BGP_NEIGHBOR|Vrf1|192.0.2.2': { asn: '64998' } });
    const changes = diffConfig({ desired, actual, ownership });
    expect(changes.map((c) => `${c.op} ${c.key}`)).toEqual(['delete BGP_NEIGHBOR|192.0.2.1', 'delete BGP_NEIGHBOR|Vrf1|192.0.2.2']);
    expect(changes[0]).toMatchObject({ impact: 'session-removed', before: { asn: '64999' } });
    expect(changes[0]!.why).toMatch(/does not name/);
    expect(changes.every((c) => c.foreign)).toBe(true);
    expect(diffConfig({ desired, actual, exact: { scope: ['BGP_NEIGHBOR|10.1.0.0'] } })).toEqual([]);
  });

  it('drops a field clos rendered before and renders no more', () => {
    const changes = diffConfig({
      desired: db({ 'DEVICE_NEIGHBOR_METADATA|spine1': { hwsku: 'X', type: 'LeafRouter' } }),
      actual: db({ 'DEVICE_NEIGHBOR_METADATA|spine1': { hwsku: 'X', type: 'LeafRouter', mgmt_addr: '192.0.2.1', deployment: 'lab' } }),
      lastApplied: db({ 'DEVICE_NEIGHBOR_METADATA|spine1': { hwsku: 'X', type: 'LeafRouter', mgmt_addr: '192.0.2.1' } }),
      ownership,
    });
    expect(changes).toMatchObject([{ op: 'update', unset: ['mgmt_addr'], after: { hwsku: 'X', type: 'LeafRouter', deployment: 'lab' } }]);
  });

  it('exact mode (rollback) restores keys exactly and deletes keys that did not exist', () => {
    const changes = diffConfig({
      desired: db({ 'PORT|Ethernet0': factoryPort }),
      actual: db({ 'PORT|Ethernet0': { ...factoryPort, admin_status: 'up', description: 'x' }, 'INTERFACE|Ethernet0': {} }),
      exact: { scope: ['PORT|Ethernet0', 'INTERFACE|Ethernet0'] },
    });
    expect(changes.map((c) => `${c.op} ${c.key}`)).toEqual(['delete INTERFACE|Ethernet0', 'update PORT|Ethernet0']);
    expect(changes[1]).toMatchObject({ set: { admin_status: 'down' }, unset: ['description'] });
  });

  it('has one write order with a reason for every step', () => {
    expect(WRITE_ORDER.map((s) => s.name)).toEqual(['PORT', 'VLAN', 'VLAN_MEMBER', 'interface bare keys', 'interface addresses', 'DEVICE_METADATA', 'DEVICE_NEIGHBOR_METADATA', 'DEVICE_NEIGHBOR', 'BGP_NEIGHBOR']);
    for (const s of WRITE_ORDER) expect(s.reason.length).toBeGreaterThan(10);
    for (const s of WRITE_ORDER) expect(s.deleteReason.length).toBeGreaterThan(10);
    expect(writeRank('VLAN_INTERFACE|Vlan1000')).toBeLessThan(writeRank('VLAN_INTERFACE|Vlan1000|192.168.0.1/26'));
  });
});
