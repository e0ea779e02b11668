// What clos refuses to take over (docs/adoption.md), pure: brownfield config on dc1's leaf1 that
// ties a port the fabric uses to something clos does not manage. Each refusal names the switch,
// the key and the reason; config on ports the fabric does not use is no reason to refuse.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { poolsOf, refusals } from '../../src/core/adoption/refusals.ts';
import { compileFabric, formatDiagnostics } from '../../src/core/compile.ts';
import type { Fields } from '../../src/core/diff/flat.ts';
import { compileDc1 } from '../support/dc1.ts';
import { MANAGEMENT, l2Preset, t1Preset } from '../support/factory-presets.ts';

const dc1 = compileDc1();
const leaf1 = dc1.intents.find((s) => s.name === 'leaf1')!;
const pools = poolsOf(dc1.fabric.underlay);
const refuse = (extra: Record<string, Fields>) => refusals(leaf1, new Map([...t1Preset(leaf1.platform), ...MANAGEMENT, ...Object.entries(extra)]), pools);

describe('refusals', () => {
  it('none for SONiC presets and management config outside the pools', () => {
    expect(refuse({})).toEqual([]);
    expect(refusals(leaf1, l2Preset(leaf1.platform), pools)).toEqual([]);
  });

  it('a PortChannel on an uplink: the member, the PortChannel and its address', () => {
    const r = refuse({
      'PORTCHANNEL|PortChannel0001': { admin_status: 'up', min_links: '1' },
      'PORTCHANNEL_MEMBER|PortChannel0001|Ethernet120': {},
      'PORTCHANNEL_INTERFACE|PortChannel0001': {},
      'PORTCHANNEL_INTERFACE|PortChannel0001|10.0.0.56/31': {},
      // On a port the fabric does not use: not clos's business.
      'PORTCHANNEL|PortChannel0002': { admin_status: 'up' },
      'PORTCHANNEL_MEMBER|PortChannel0002|Ethernet64': {},
    });
    // In key order.
    expect(r.map((x) => [x.switch, x.key])).toEqual([
      ['leaf1', 'PORTCHANNEL_INTERFACE|PortChannel0001'],
      ['leaf1', 'PORTCHANNEL_INTERFACE|PortChannel0001|10.0.0.56/31'],
      ['leaf1', 'PORTCHANNEL_MEMBER|PortChannel0001|Ethernet120'],
      ['leaf1', 'PORTCHANNEL|PortChannel0001'],
    ]);
    expect(r[2]!.reason).toMatch(/Ethernet120 is a member of PortChannel0001, and Ethernet120 is a fabric uplink/);
    expect(r[3]!.reason).toBe('PortChannel0001 takes Ethernet120, a port the fabric uses');
  });

  it('a VRF on a fabric port or on the server VLAN; a VRF on an unused port is fine', () => {
    const r = refuse({
      'VRF|Vrf_red': {},
      'INTERFACE|Ethernet124': { vrf_name: 'Vrf_red' },
      'INTERFACE|Ethernet8': { vrf_name: 'Vrf_red' }, // a server port
      'INTERFACE|Ethernet64': { vrf_name: 'Vrf_red' },
      'VLAN_INTERFACE|Vlan1000': { vrf_name: 'Vrf_red' },
    });
    expect(r.map((x) => x.key)).toEqual(['INTERFACE|Ethernet8', 'INTERFACE|Ethernet124', 'VLAN_INTERFACE|Vlan1000']);
    expect(r[1]!.reason).toBe('Ethernet124 is bound to VRF Vrf_red: clos routes its fabric ports in the default VRF; unbind it first');
  });

  it('VXLAN: a map of the server VLAN, a map of a VLAN that carries a fabric port, a VTEP sourced from the pools', () => {
    const r = refuse({
      'VXLAN_TUNNEL|vtep1': { src_ip: '10.0.0.3' },
      'VXLAN_TUNNEL|vtep2': { src_ip: '172.30.0.1' },
      'VXLAN_TUNNEL_MAP|vtep1|map_1000_Vlan1000': { vlan: 'Vlan1000', vni: '1000' },
      'VLAN|Vlan20': { vlanid: '20' },
      'VLAN_MEMBER|Vlan20|Ethernet120': { tagging_mode: 'tagged' },
      'VXLAN_TUNNEL_MAP|vtep2|map_20_Vlan20': { vlan: 'Vlan20', vni: '20' },
      'VLAN|Vlan30': { vlanid: '30' },
      'VLAN_MEMBER|Vlan30|Ethernet64': { tagging_mode: 'tagged' },
      'VXLAN_TUNNEL_MAP|vtep2|map_30_Vlan30': { vlan: 'Vlan30', vni: '30' },
    });
    expect(r.map((x) => x.key)).toEqual(['VXLAN_TUNNEL_MAP|vtep1|map_1000_Vlan1000', 'VXLAN_TUNNEL_MAP|vtep2|map_20_Vlan20', 'VXLAN_TUNNEL|vtep1']);
    expect(r[2]!.reason).toMatch(/inside clos's pool 10\.0\.0\.0\/24/);
    expect(r[1]!.reason).toMatch(/Vlan20 is mapped to VNI 20 and carries Ethernet120/);
  });

  it('an address of clos\'s pools on the management interface', () => {
    const r = refuse({ 'MGMT_INTERFACE|eth0|10.1.0.9/24': { gwaddr: '10.1.0.1' } });
    expect(r).toEqual([{ switch: 'leaf1', key: 'MGMT_INTERFACE|eth0|10.1.0.9/24', reason: expect.stringMatching(/management interface holds 10\.1\.0\.9\/24, inside clos's pool 10\.1\.0\.0\/20/) }]);
  });

  it('a sub-interface of a fabric port', () => {
    expect(refuse({ 'VLAN_SUB_INTERFACE|Ethernet120.10': { admin_status: 'up' } }).map((x) => x.key)).toEqual(['VLAN_SUB_INTERFACE|Ethernet120.10']);
  });
});

const dc1Text = readFileSync(new URL('../../topologies/dc1.fabric.yaml', import.meta.url), 'utf8');
const lockText = readFileSync(new URL('../../topologies/dc1.lock.yaml', import.meta.url), 'utf8');
const compile = (text: string) => compileFabric({ text, file: 'dc1.fabric.yaml', lockText, lockFile: 'dc1.lock.yaml' });

describe('adoption.keep in the fabric file', () => {
  it('flows to the intents: the fabric\'s list on every switch, a switch\'s own on it', () => {
    const text = dc1Text
      .replace('  - name: spine1\n', '  - name: spine1\n    adoption:\n      keep: ["INTERFACE|Ethernet124|192.0.2.1/31"]\n')
      .concat('\nadoption:\n  keep: ["BGP_NEIGHBOR|192.0.2.9"]\n');
    const c = compile(text);
    if (!c.ok) throw new Error(formatDiagnostics(c.diagnostics));
    const keep = new Map(c.intents.map((s) => [s.name, s.keep]));
    expect(keep.get('spine1')).toEqual(['BGP_NEIGHBOR|192.0.2.9', 'INTERFACE|Ethernet124|192.0.2.1/31']);
    expect(keep.get('leaf3')).toEqual(['BGP_NEIGHBOR|192.0.2.9']);
  });

  it('reports every bad entry at its line and column', () => {
    const text = dc1Text
      .replace('  - name: spine2\n', '  - name: spine2\n    adoption:\n      keep:\n        - "INTERFACE|Ethernet61|192.0.2.1/31"\n        - "MGMT_INTERFACE|eth0|10.0.0.1/24"\n        - "LOOPBACK_INTERFACE|Loopback1"\n        - "VLAN|Vlan7"\n        - "VLAN|Vlan7"\n        - "VLAN_MEMBER|Vlan7|Ethernet8"\n')
      .concat('\nadoption:\n  keep: ["not a key"]\n');
    const c = compile(text);
    expect(c.ok).toBe(false);
    const lines = text.split('\n');
    const lineOf = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1;
    expect(formatDiagnostics(c.diagnostics).split('\n')).toEqual([
      `dc1.fabric.yaml:${lineOf('not a key')}:10: error BAD_VALUE: adoption.keep[0] "not a key" is not valid (hint: a CONFIG_DB key "TABLE|key", e.g. INTERFACE|Ethernet60|192.0.2.1/31)`,
    ]);
    const fixed = compile(text.replace('["not a key"]', '["VLAN|Vlan9", "INTERFACE|Ethernet120|10.0.0.60/31"]'));
    expect(fixed.ok).toBe(false);
    expect(formatDiagnostics(fixed.diagnostics).split('\n')).toEqual([
      `dc1.fabric.yaml:${lineOf('Ethernet61')}:11: error UNKNOWN_PORT: adoption.keep INTERFACE|Ethernet61|192.0.2.1/31: Ethernet61 is not a port of Force10-S6000 (hint: use a port name of the platform (Ethernet0, Ethernet4, …))`,
      `dc1.fabric.yaml:${lineOf('MGMT_INTERFACE')}:11: error BAD_VALUE: adoption.keep MGMT_INTERFACE|eth0|10.0.0.1/24: MGMT_INTERFACE is outside what clos owns, clos never touches it (hint: keep lists keys of BGP_NEIGHBOR, DEVICE_NEIGHBOR, DEVICE_NEIGHBOR_METADATA, VLAN, VLAN_INTERFACE, VLAN_MEMBER, INTERFACE, LOOPBACK_INTERFACE)`,
      `dc1.fabric.yaml:${lineOf('Loopback1')}:11: error BAD_VALUE: adoption.keep LOOPBACK_INTERFACE|Loopback1: clos owns Loopback0 only, other loopbacks are never touched (hint: remove this entry)`,
      `dc1.fabric.yaml:${lineOf('Loopback1') + 2}:11: error BAD_VALUE: adoption.keep lists VLAN|Vlan7 twice (hint: list each entry once)`,
      `dc1.fabric.yaml:${lineOf('Vlan7|Ethernet8')}:11: error BAD_VALUE: adoption.keep VLAN_MEMBER|Vlan7|Ethernet8: Ethernet8 is a port the fabric uses (cabling or servers): clos's config is all it may hold (hint: keep entries of ports the fabric does not use)`,
      `dc1.fabric.yaml:${lineOf('not a key')}:24: error BAD_VALUE: adoption.keep INTERFACE|Ethernet120|10.0.0.60/31: Ethernet120 is a port the fabric uses (cabling or servers): clos's config is all it may hold (hint: keep entries of ports the fabric does not use)`,
    ]);
  });
});
