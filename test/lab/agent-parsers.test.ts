// The agent's readers of FRR, lldpd and iproute2 output, on output recorded from the real
// daemons of a 2×2 lab (test/fixtures/agent), and its SONiC key helpers.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { neighStates } from '../../src/lab/agent/bgpmon/parse.ts';
import { dropNull, sameFields, splitConfigKey, splitEntryKey, withNull } from '../../src/lab/agent/db/keys.ts';
import { ConfigSnapshot } from '../../src/lab/agent/db/snapshot.ts';
import { lastBytes } from '../../src/lab/agent/frr/vty.ts';
import { routeKey, routeTable } from '../../src/lab/agent/fpmsyncd/routes.ts';
import { portArgs } from '../../src/lab/agent/lldp/commands.ts';
import { ageSeconds, capabilityBitmap, lldpEntries, lldpEntryChanged } from '../../src/lab/agent/lldp/parse.ts';
import { attributeErrors } from '../../src/lab/agent/net/ip.ts';
import { parseAddresses, parseLinks, parseMonitorLine } from '../../src/lab/agent/net/links.ts';
import { isProgrammedRoute, splitMonitorLines } from '../../src/lab/agent/net/monitor.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/agent/${name}`, import.meta.url), 'utf8'));
const SONIC = new URL('../../../shared/data/sonic/', import.meta.url);

describe('bgpmon: NEIGH_STATE_TABLE from show bgp summary json', () => {
  it('reads FRR’s peers with their state and e-BGP type', () => {
    expect(neighStates(fixture('frr-bgp-summary-leaf1.json'))).toEqual(
      new Map([
        ['10.0.0.0', { state: 'Established', peerType: 'e-BGP' }],
        ['10.0.0.4', { state: 'Established', peerType: 'e-BGP' }],
      ]),
    );
  });

  it('marks i-BGP peers, takes IPv6 peers, keeps FRR’s state strings, and finds nothing in {}', () => {
    const s = neighStates({
      ipv4Unicast: { peers: { '10.0.0.1': { state: 'Idle (Admin)', remoteAs: 65100, localAs: 65100 } } },
      ipv6Unicast: { peers: { 'fc00::2': { state: 'Active', remoteAs: 65200, localAs: 65100 } } },
    });
    expect(s.get('10.0.0.1')).toEqual({ state: 'Idle (Admin)', peerType: 'i-BGP' });
    expect(s.get('fc00::2')).toEqual({ state: 'Active', peerType: 'e-BGP' });
    expect(neighStates({}).size).toBe(0);
  });

  it('writes the shapes SONiC’s gNMI test data shows', () => {
    const oracle = JSON.parse(readFileSync(new URL('gnmi-testdata.NEIGH_STATE_TABLE.redis.json', SONIC), 'utf8')) as Record<string, Record<string, string>>;
    const sample = Object.values(oracle)[0]!;
    const [ours] = neighStates(fixture('frr-bgp-summary-leaf1.json')).values();
    expect(Object.keys(ours!).sort()).toEqual(Object.keys(sample).sort());
  });
});

describe('fpmsyncd: ROUTE_TABLE from show ip route json', () => {
  const table = routeTable(fixture('frr-ip-route-leaf1.json'));

  it('exports the BGP routes with every ECMP nexthop, not connected ones', () => {
    expect([...table.keys()].sort()).toEqual(['10.1.0.1', '10.1.0.12', '10.1.0.2']);
    expect(table.get('10.1.0.12')).toEqual({ nexthop: '10.0.0.0,10.0.0.4', ifname: 'Ethernet120,Ethernet124', protocol: 'bgp' });
  });

  it('drops the length of host prefixes like libnl, keeps others', () => {
    expect(routeKey('10.1.0.2/32')).toBe('10.1.0.2');
    expect(routeKey('192.168.0.0/26')).toBe('192.168.0.0/26');
    expect(routeKey('fc00::1/128')).toBe('fc00::1');
    expect(routeKey('fc00::/64')).toBe('fc00::/64');
  });

  it('skips routes not selected or not installed, and nexthops not in the FIB', () => {
    const t = routeTable({
      '10.9.0.0/24': [{ protocol: 'bgp', selected: false, installed: false, nexthops: [{ ip: '10.0.0.0', interfaceName: 'Ethernet0', active: true }] }],
      '10.8.0.0/24': [
        {
          protocol: 'bgp',
          selected: true,
          installed: true,
          nexthops: [
            { ip: '10.0.0.0', interfaceName: 'Ethernet0', fib: true },
            { ip: '10.0.0.2', interfaceName: 'Ethernet4', active: true, fib: false },
          ],
        },
      ],
    });
    expect([...t.keys()]).toEqual(['10.8.0.0/24']);
    expect(t.get('10.8.0.0/24')?.nexthop).toBe('10.0.0.0');
  });
});

describe('lldp_syncd: LLDP_ENTRY_TABLE from lldpcli json0', () => {
  const entries = lldpEntries(fixture('lldp-neighbors-leaf1.json'));

  it('maps every neighbour to SONiC’s field names and LLDP-MIB subtypes', () => {
    expect([...entries.keys()].sort()).toEqual(['Ethernet120', 'Ethernet124']);
    const e = entries.get('Ethernet120')!;
    expect(e).toMatchObject({
      lldp_rem_sys_name: 'spine1',
      lldp_rem_port_id: 'fortyGigE0/0', // the peer's PORT alias, not its port name
      lldp_rem_port_id_subtype: '7', // local
      lldp_rem_port_desc: 'leaf1:Ethernet120',
      lldp_rem_chassis_id_subtype: '4', // mac
    });
    expect(e.lldp_rem_chassis_id).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(e.lldp_rem_sys_desc).toMatch(/^SONiC Software Version/);
    expect(e.lldp_rem_sys_cap_enabled).toMatch(/^[0-9A-F]{2} 00$/);
  });

  it('uses every field name sonic-dbsyncd’s mock LLDP_ENTRY_TABLE uses', () => {
    const sonicFields = [
      'lldp_rem_index',
      'lldp_rem_sys_cap_enabled',
      'lldp_rem_sys_cap_supported',
      'lldp_rem_port_id_subtype',
      'lldp_rem_chassis_id',
      'lldp_rem_sys_desc',
      'lldp_rem_time_mark',
      'lldp_rem_port_desc',
      'lldp_rem_chassis_id_subtype',
      'lldp_rem_sys_name',
      'lldp_rem_port_id',
    ];
    expect(Object.keys(entries.get('Ethernet124')!)).toEqual(expect.arrayContaining(sonicFields));
  });

  it('reads one neighbour in json0 the same way as many, and nothing from an empty reply', () => {
    expect([...lldpEntries(fixture('lldp-neighbors-one.json')).keys()]).toEqual(['Ethernet4']);
    expect(lldpEntries({ lldp: [{}] }).size).toBe(0);
    expect(lldpEntries({ lldp: [{ interface: [{ name: 'nc-Ethernet0' }] }] }).size).toBe(0); // not a SONiC port
  });

  it('encodes capabilities and ages as lldp_syncd does', () => {
    const caps = [
      { type: 'Bridge', enabled: false },
      { type: 'Router', enabled: true },
      { type: 'Station', enabled: true },
    ];
    expect(capabilityBitmap(caps, false)).toBe('29 00');
    expect(capabilityBitmap(caps, true)).toBe('09 00');
    expect(ageSeconds('0 day, 00:01:05')).toBe(65);
    expect(ageSeconds('2 days, 01:00:00')).toBe(2 * 86400 + 3600);
  });

  it('does not rewrite an entry for its ageing time mark alone', () => {
    const e = entries.get('Ethernet120')!;
    expect(lldpEntryChanged(e, { ...e, lldp_rem_time_mark: '999' })).toBe(false);
    expect(lldpEntryChanged(e, { ...e, lldp_rem_port_id: 'fortyGigE0/4' })).toBe(true);
    expect(lldpEntryChanged(undefined, e)).toBe(true);
  });

  it('lldpmgrd advertises the alias as a local port id, and the description', () => {
    expect(portArgs('Ethernet0', { alias: 'fortyGigE0/0', description: 'spine1:Ethernet0' })).toEqual([
      'configure',
      'ports',
      'Ethernet0',
      'lldp',
      'portidsubtype',
      'local',
      'fortyGigE0/0',
      'description',
      'spine1:Ethernet0',
    ]);
    expect(portArgs('Ethernet4', {})).toEqual(['configure', 'ports', 'Ethernet4', 'lldp', 'portidsubtype', 'local', 'Ethernet4']);
  });
});

describe('iproute2 output', () => {
  it('reads links with their admin and carrier flags', () => {
    const links = parseLinks(fixture('ip-link-leaf1.json'));
    expect(links.get('Ethernet120')).toMatchObject({ up: true, lowerUp: true, mtu: 9100 });
    expect(links.get('Vlan1000')).toMatchObject({ up: true, lowerUp: false });
    expect(links.get('Ethernet0')?.master).toBe('Vlan1000');
    expect(links.get('Ethernet4')).toMatchObject({ up: false, lowerUp: false });
  });

  it('reads global addresses only', () => {
    const addrs = parseAddresses(fixture('ip-addr-leaf1.json'));
    expect(addrs).toEqual(
      expect.arrayContaining([
        { ifname: 'Ethernet120', prefix: '10.0.0.1/31', family: 'IPv4' },
        { ifname: 'Loopback0', prefix: '10.1.0.11/32', family: 'IPv4' },
      ]),
    );
    expect(addrs.some((a) => a.prefix.startsWith('fe80') || a.prefix.startsWith('127.'))).toBe(false);
  });

  it('reads `ip -o monitor link` lines of existing links, never bridge-port messages or deletions', () => {
    const lines = readFileSync(new URL('../fixtures/agent/ip-monitor-link-oneline.txt', import.meta.url), 'utf8').split('\n').filter(Boolean);
    const parsed = lines.map(parseMonitorLine);
    expect(parsed[0]).toEqual({ name: 'Vlan1000', ifindex: 4, up: false, lowerUp: false, mtu: 1500 });
    expect(parsed.find((l) => l?.name === 'Ethernet8' && l.lowerUp)).toEqual({ name: 'Ethernet8', ifindex: 3, up: true, lowerUp: true, mtu: 9100, master: 'Vlan1000' });
    // AF_BRIDGE messages (no qdisc) and "Deleted" lines give nothing: a full re-read decides.
    lines.forEach((l, i) => {
      if (l.startsWith('Deleted') || !l.includes(' qdisc ')) expect(parsed[i], l).toBeUndefined();
    });
    expect(parsed.filter(Boolean).length).toBeGreaterThan(10);
  });

  it('splits `ip -o monitor label link route` into link lines (label dropped) and route lines; only routes zebra programs count for fpmsyncd', () => {
    const lines = readFileSync(new URL('../fixtures/agent/ip-monitor-label-link-route.txt', import.meta.url), 'utf8').split('\n').filter(Boolean);
    const { links, routes } = splitMonitorLines(lines);
    expect(links.map(parseMonitorLine)).toEqual([{ name: 'lo', ifindex: 1, up: true, lowerUp: true, mtu: 65536 }]);
    expect(routes).toHaveLength(5);
    expect(routes.filter(isProgrammedRoute).map((r) => r.split(' ').slice(0, 3).join(' '))).toEqual(['10.0.0.17 proto bgp']);
  });

  it('attributes -batch failures to their lines', () => {
    const lines = ['link add Loopback0 type dummy', 'addr add 1.1.1.1/32 dev Nope', 'link set up dev lo'];
    expect(attributeErrors(lines, 'Error: Unknown device type.\nCommand failed -:1\nCannot find device "Nope"\nCommand failed -:2\n')).toEqual([
      { line: lines[0], error: 'Error: Unknown device type.' },
      { line: lines[1], error: 'Cannot find device "Nope"' },
    ]);
  });
});

describe('SONiC keys and the CONFIG_DB snapshot', () => {
  it('splits keys on the first separator only (IPv6 prefixes keep their colons)', () => {
    expect(splitConfigKey('INTERFACE|Ethernet0|fc00::1/126')).toEqual({ table: 'INTERFACE', key: 'Ethernet0|fc00::1/126' });
    expect(splitConfigKey('CONFIG_DB_INITIALIZED')).toBeUndefined();
    expect(splitEntryKey('Loopback0|10.1.0.1/32')).toEqual(['Loopback0', '10.1.0.1/32']);
    expect(splitEntryKey('Loopback0')).toEqual(['Loopback0']);
  });

  it('drops and restores the NULL placeholder', () => {
    expect(dropNull({ NULL: 'NULL' })).toEqual({});
    expect(withNull({})).toEqual({ NULL: 'NULL' });
    expect(withNull({ a: '1' })).toEqual({ a: '1' });
    expect(sameFields({ a: '1', b: '2' }, { b: '2', a: '1' })).toBe(true);
    expect(sameFields({ a: '1' }, { a: '1', b: '2' })).toBe(false);
  });

  it('reports a table only when an entry really changed, and treats an empty hash as deleted', () => {
    const s = new ConfigSnapshot();
    expect(s.applyRedisKey('PORT|Ethernet0', { admin_status: 'up' })).toBe('PORT');
    expect(s.applyRedisKey('PORT|Ethernet0', { admin_status: 'up' })).toBeUndefined();
    expect(s.applyRedisKey('INTERFACE|Ethernet0', { NULL: 'NULL' })).toBe('INTERFACE');
    expect(s.get('INTERFACE', 'Ethernet0')).toEqual({});
    expect(s.applyRedisKey('PORT|Ethernet0', {})).toBe('PORT');
    expect(s.get('PORT', 'Ethernet0')).toBeUndefined();
  });

  it('reads config_db.json list fields as Redis holds them', () => {
    const s = ConfigSnapshot.fromJson(JSON.parse(readFileSync(new URL('t0-kvm.config_db.json', SONIC), 'utf8')));
    expect(s.get('VLAN', 'Vlan1000')?.['dhcp_servers@']).toBe('192.0.0.1,192.0.0.2,192.0.0.3,192.0.0.4');
  });
});

describe('vty framing', () => {
  it('finds the reply terminator across chunk boundaries', () => {
    expect(lastBytes([Buffer.from('ab'), Buffer.from([0, 0]), Buffer.from([0, 1])], 4)).toEqual([0, 0, 0, 1]);
    expect(lastBytes([Buffer.from([0])], 4)).toEqual([0]);
  });
});
