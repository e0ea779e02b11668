// bgpcfgd's pure parts: preconditions, rendering (against sonic-bgpcfgd's own test oracle in
// shared/data/sonic) and the BGP_NEIGHBOR state machine.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigSnapshot } from '../../src/lab/agent/db/snapshot.ts';
import { type KnownPeer, planNeighbors, stateKey } from '../../src/lab/agent/bgpcfgd/plan.ts';
import { localInterfaceFor, neighborReadiness, parseNeighborKey } from '../../src/lab/agent/bgpcfgd/preconditions.ts';
import { bgpdStartupConfig, neighborAddLines, staticPart, zebraStartupConfig } from '../../src/lab/agent/bgpcfgd/render.ts';

const SONIC = new URL('../../../shared/data/sonic/', import.meta.url);
const sonicJson = (name: string) => JSON.parse(readFileSync(new URL(name, SONIC), 'utf8'));

/** A leaf as in sonic-reference §2, every precondition met. */
function leaf(): Record<string, Record<string, Record<string, string>>> {
  return {
    DEVICE_METADATA: { localhost: { hostname: 'leaf1', bgp_asn: '65101', type: 'ToRRouter', docker_routing_config_mode: 'separated' } },
    LOOPBACK_INTERFACE: { Loopback0: {}, 'Loopback0|10.1.0.1/32': {} },
    INTERFACE: { Ethernet0: {}, 'Ethernet0|10.0.0.1/31': {} },
    VLAN_INTERFACE: { Vlan1000: {}, 'Vlan1000|192.168.0.1/26': {} },
    BGP_NEIGHBOR: {
      '10.0.0.0': { asn: '65100', name: 'spine1', local_addr: '10.0.0.1', holdtime: '9', keepalive: '3', admin_status: 'up', nhopself: '0', rrclient: '0' },
    },
  };
}

const without = (json: ReturnType<typeof leaf>, table: string, key?: string) => {
  const copy = structuredClone(json);
  if (key === undefined) delete copy[table];
  else delete copy[table]![key];
  return copy;
};

describe('bgpcfgd preconditions', () => {
  const nbr = leaf().BGP_NEIGHBOR!['10.0.0.0']!;

  it('is ready when every precondition holds', () => {
    expect(neighborReadiness(ConfigSnapshot.fromJson(leaf()), '10.0.0.0', nbr)).toEqual({ ready: true });
  });

  it.each([
    ['no bgp_asn', (j: ReturnType<typeof leaf>) => (delete j.DEVICE_METADATA!.localhost!.bgp_asn, j), /bgp_asn/],
    ['bgp_asn "none"', (j: ReturnType<typeof leaf>) => ((j.DEVICE_METADATA!.localhost!.bgp_asn = 'none'), j), /bgp_asn/],
    ['no type', (j: ReturnType<typeof leaf>) => (delete j.DEVICE_METADATA!.localhost!.type, j), /type/],
    ['no bare Loopback0', (j: ReturnType<typeof leaf>) => without(j, 'LOOPBACK_INTERFACE', 'Loopback0'), /Loopback0/],
    ['no Loopback0 address and no router id', (j: ReturnType<typeof leaf>) => without(j, 'LOOPBACK_INTERFACE', 'Loopback0|10.1.0.1/32'), /router_id/],
    ['no bare INTERFACE key for local_addr', (j: ReturnType<typeof leaf>) => without(j, 'INTERFACE', 'Ethernet0'), /10\.0\.0\.1/],
    ['no interface holding local_addr', (j: ReturnType<typeof leaf>) => without(j, 'INTERFACE', 'Ethernet0|10.0.0.1/31'), /10\.0\.0\.1/],
  ])('waits with %s', (_what, mutate, reason) => {
    const r = neighborReadiness(ConfigSnapshot.fromJson(mutate(leaf())), '10.0.0.0', nbr);
    expect(r.ready).toBe(false);
    expect(r.ready ? '' : r.waitingFor).toMatch(reason);
  });

  it('accepts bgp_router_id in place of a Loopback0 address, but still needs the bare Loopback0', () => {
    const j = without(leaf(), 'LOOPBACK_INTERFACE', 'Loopback0|10.1.0.1/32');
    j.DEVICE_METADATA!.localhost!.bgp_router_id = '10.9.9.9';
    expect(neighborReadiness(ConfigSnapshot.fromJson(j), '10.0.0.0', nbr).ready).toBe(true);
    expect(neighborReadiness(ConfigSnapshot.fromJson(without(j, 'LOOPBACK_INTERFACE', 'Loopback0')), '10.0.0.0', nbr).ready).toBe(false);
  });

  it('needs no interface when local_addr is absent; finds it in any interface table otherwise', () => {
    const { local_addr: _, ...noLocal } = nbr;
    expect(neighborReadiness(ConfigSnapshot.fromJson(without(leaf(), 'INTERFACE')), '10.0.0.0', noLocal).ready).toBe(true);
    const cfg = ConfigSnapshot.fromJson(leaf());
    expect(localInterfaceFor(cfg, '10.1.0.1', 'default')).toBe('Loopback0');
    expect(localInterfaceFor(cfg, '192.168.0.1', 'default')).toBe('Vlan1000');
    expect(localInterfaceFor(cfg, '10.0.0.1', 'Vrf1')).toBeUndefined(); // a VRF peer never matches a default-VRF interface
  });

  it('finds local_addr on the PortChannel interfaces of SONiC’s own t0 config', () => {
    const t0 = ConfigSnapshot.fromJson(sonicJson('t0-kvm.config_db.json'));
    for (const [key, fields] of t0.table('BGP_NEIGHBOR')) {
      if (!key.includes('.')) continue; // IPv4 peers
      expect(neighborReadiness(t0, key, fields), key).toEqual({ ready: true });
    }
  });

  it('parses both key forms', () => {
    expect(parseNeighborKey('10.0.0.5')).toEqual({ vrf: 'default', ip: '10.0.0.5' });
    expect(parseNeighborKey('default|10.0.0.1')).toEqual({ vrf: 'default', ip: '10.0.0.1' });
    expect(parseNeighborKey('Vrf1|fc00::2')).toEqual({ vrf: 'Vrf1', ip: 'fc00::2' });
    expect(stateKey(parseNeighborKey('default|10.0.0.1'))).toBe('10.0.0.1');
    expect(stateKey(parseNeighborKey('Vrf1|10.0.0.1'))).toBe('Vrf1|10.0.0.1');
  });
});

describe('bgpcfgd rendering', () => {
  it('renders a neighbor exactly as bgpcfgd’s general/instance.conf.j2 test oracle', () => {
    const param = sonicJson('bgpcfgd-general-instance.param_all_v4.json') as { neighbor_addr: string; bgp_session: Record<string, string> };
    const expected = readFileSync(new URL('bgpcfgd-general-instance.result_all_v4.conf', SONIC), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('!'));
    const cfg = ConfigSnapshot.fromJson({ DEVICE_METADATA: { localhost: { bgp_asn: '65000', type: 'LeafRouter' } } });
    const lines = neighborAddLines(cfg, parseNeighborKey(param.neighbor_addr), param.bgp_session).map((l) => l.trim());
    const first = lines.indexOf(`neighbor ${param.neighbor_addr} remote-as 555`);
    const last = lines.lastIndexOf('exit-address-family');
    expect(lines.slice(first, last + 1)).toEqual(expected);
  });

  it('omits default timers, and shuts a neighbor without admin_status when default_bgp_status is down', () => {
    const cfg = ConfigSnapshot.fromJson({ DEVICE_METADATA: { localhost: { bgp_asn: '65101', type: 'ToRRouter', default_bgp_status: 'down' } } });
    const lines = neighborAddLines(cfg, parseNeighborKey('10.0.0.0'), { asn: '65100', keepalive: '60', holdtime: '180' }).map((l) => l.trim());
    expect(lines.some((l) => l.startsWith('neighbor 10.0.0.0 timers ') && l !== 'neighbor 10.0.0.0 timers connect 10')).toBe(false);
    expect(lines).toContain('neighbor 10.0.0.0 shutdown');
    expect(lines).toContain('router bgp 65101');
  });

  it('adds allowas-in 1 to the peer group only on a ToRRouter', () => {
    const peer = parseNeighborKey('10.0.0.0');
    const tor = neighborAddLines(ConfigSnapshot.fromJson(leaf()), peer, { asn: '65100', admin_status: 'up' });
    const spine = leaf();
    spine.DEVICE_METADATA!.localhost!.type = 'LeafRouter';
    const t1 = neighborAddLines(ConfigSnapshot.fromJson(spine), peer, { asn: '65100', admin_status: 'up' });
    expect(tor.map((l) => l.trim())).toContain('neighbor PEER_V4 allowas-in 1');
    expect(t1.map((l) => l.trim())).not.toContain('neighbor PEER_V4 allowas-in 1');
    expect(t1.map((l) => l.trim())).toContain('neighbor PEER_V4 route-map FROM_BGP_PEER_V4 in');
  });

  it('renders the static part of bgpd.main.conf.j2: router id, policy knobs, loopback and VLAN networks, no /31', () => {
    const lines = staticPart(ConfigSnapshot.fromJson(leaf())).map((l) => l.trim());
    expect(lines).toEqual(
      expect.arrayContaining([
        'router bgp 65101',
        'bgp router-id 10.1.0.1',
        'no bgp ebgp-requires-policy',
        'bgp bestpath as-path multipath-relax',
        'no bgp default ipv4-unicast',
        'network 10.1.0.1/32',
        'network 192.168.0.0/26',
        'maximum-paths 64',
        'neighbor PEER_V4 peer-group',
      ]),
    );
    expect(lines.filter((l) => l.startsWith('network'))).toEqual(['network 10.1.0.1/32', 'network 192.168.0.0/26']);
  });

  it('prefers bgp_router_id, and renders nothing without bgp_asn', () => {
    const j = leaf();
    j.DEVICE_METADATA!.localhost!.bgp_router_id = '10.9.9.9';
    expect(staticPart(ConfigSnapshot.fromJson(j)).map((l) => l.trim())).toContain('bgp router-id 10.9.9.9');
    delete j.DEVICE_METADATA!.localhost!.bgp_asn;
    expect(staticPart(ConfigSnapshot.fromJson(j))).toEqual([]);
  });

  it('puts the hostname in both startup files, and the zebra nexthop-group workaround in zebra’s', () => {
    expect(zebraStartupConfig('leaf1').split('\n')).toEqual(expect.arrayContaining(['hostname leaf1', 'no zebra nexthop kernel enable']));
    const bgpd = bgpdStartupConfig(ConfigSnapshot.fromJson(leaf()), 'leaf1', true);
    expect(bgpd.split('\n')[0]).toBe('hostname leaf1');
    expect(bgpd).toContain('router bgp 65101');
    expect(bgpdStartupConfig(ConfigSnapshot.fromJson(leaf()), 'leaf1', false)).not.toContain('router bgp');
  });
});

describe('bgpcfgd BGP_NEIGHBOR state machine', () => {
  const pushed = (data: Record<string, string>): KnownPeer => ({ data, pushed: true });

  it('pushes a ready neighbor with a STATE_DB copy whose local_addr has no prefix length', () => {
    const j = leaf();
    j.BGP_NEIGHBOR!['10.0.0.0']!.local_addr = '10.0.0.1/31';
    const [a] = planNeighbors(ConfigSnapshot.fromJson(j), new Map());
    expect(a?.kind).toBe('push');
    if (a?.kind !== 'push') return;
    expect(a.state.local_addr).toBe('10.0.0.1');
    expect(a.state.asn).toBe('65100');
  });

  it('waits, silently, while a precondition is missing', () => {
    const actions = planNeighbors(ConfigSnapshot.fromJson(without(leaf(), 'INTERFACE', 'Ethernet0')), new Map());
    expect(actions.map((a) => a.kind)).toEqual(['wait']);
  });

  it('applies only admin_status to an existing neighbor, and copies the new fields to STATE_DB', () => {
    const j = leaf();
    const old = { ...j.BGP_NEIGHBOR!['10.0.0.0']! };
    j.BGP_NEIGHBOR!['10.0.0.0']!.admin_status = 'down';
    const [a] = planNeighbors(ConfigSnapshot.fromJson(j), new Map([['10.0.0.0', pushed(old)]]));
    expect(a?.kind).toBe('admin');
    if (a?.kind !== 'admin') return;
    expect(a.lines.map((l) => l.trim())).toEqual(['router bgp 65101', 'neighbor 10.0.0.0 shutdown', 'exit']);
  });

  it('never sends a changed asn to FRR', () => {
    const j = leaf();
    const old = { ...j.BGP_NEIGHBOR!['10.0.0.0']! };
    j.BGP_NEIGHBOR!['10.0.0.0']!.asn = '65199';
    const [a] = planNeighbors(ConfigSnapshot.fromJson(j), new Map([['10.0.0.0', pushed(old)]]));
    // bgpcfgd re-applies the (unchanged) admin status; the asn is not in any line it sends.
    expect(a?.kind).toBe('admin');
    if (a?.kind !== 'admin') return;
    expect(a.lines.join('\n')).not.toContain('65199');
    expect(a.lines.map((l) => l.trim())).toContain('no neighbor 10.0.0.0 shutdown');
  });

  it('refuses an update without admin_status: "Can’t update the peer", nothing pushed or written', () => {
    const j = leaf();
    const old = { ...j.BGP_NEIGHBOR!['10.0.0.0']! };
    delete j.BGP_NEIGHBOR!['10.0.0.0']!.admin_status;
    j.BGP_NEIGHBOR!['10.0.0.0']!.holdtime = '30';
    const [a] = planNeighbors(ConfigSnapshot.fromJson(j), new Map([['10.0.0.0', pushed(old)]]));
    expect(a?.kind).toBe('refuse');
    expect(a?.kind === 'refuse' ? a.message : '').toMatch(/Can't update the peer.*holdtime/);
  });

  it('does nothing for an unchanged pushed neighbor; deletes a removed one; forgets one never pushed', () => {
    const j = leaf();
    const same = planNeighbors(ConfigSnapshot.fromJson(j), new Map([['10.0.0.0', pushed({ ...j.BGP_NEIGHBOR!['10.0.0.0']! })]]));
    expect(same).toEqual([]);
    const gone = planNeighbors(ConfigSnapshot.fromJson(without(j, 'BGP_NEIGHBOR')), new Map([['10.0.0.0', pushed({})], ['10.0.0.9', { data: {}, pushed: false }]]));
    expect(gone.map((a) => a.kind)).toEqual(['delete', 'forget']);
    const del = gone[0];
    expect(del?.kind === 'delete' ? del.lines.map((l) => l.trim()) : []).toEqual(['router bgp 65101', 'no neighbor 10.0.0.0', 'exit']);
  });

  it('removes a neighbor from the instance it was pushed to, even once bgp_asn is gone from CONFIG_DB', () => {
    const cfg = ConfigSnapshot.fromJson({ DEVICE_METADATA: { localhost: { mac: '52:54:00:00:00:01' } } }); // factory state
    const [a] = planNeighbors(cfg, new Map([['10.0.0.0', { data: {}, pushed: true, asn: '65101' }]]));
    expect(a?.kind === 'delete' ? a.lines.map((l) => l.trim()) : a?.kind).toEqual(['router bgp 65101', 'no neighbor 10.0.0.0', 'exit']);
  });
});
