// The switch agent on a real 2×2 lab (namespaces, veths, redis, lldpd, FRR, all real): a
// hand-written CONFIG_DB in SONiC's format (test/fixtures/lab-2x2) loaded with redis-cli must
// bring the fabric up, and each bgpcfgd/portsyncd/lldp behaviour must show where a controller
// would look: redis, FRR's JSON, the kernel. Fabric t-agent-2x2, addresses 127.0.1.64/27.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { restartBgp } from '../../src/lab/agent-client.ts';
import { labDown } from '../../src/lab/down.ts';
import { isAlive, readRecords } from '../../src/lab/processes.ts';
import {
  agentLab,
  APPL_DB,
  CONFIG_DB,
  frrPeers,
  frrRouterId,
  ipLink,
  kernelAddresses,
  kernelLink,
  kernelLinkNames,
  kernelRoutes,
  ping,
  redisCli,
  STATE_DB,
  staysFalse,
  vtysh,
  waitFor,
} from './agent-helpers.ts';
import { clos } from './host-fixtures.ts';

const FABRIC = 't-agent-2x2';
const ADDRESSES = '127.0.1.64/27';
const FIXTURES = new URL('../fixtures/lab-2x2/', import.meta.url).pathname;
const SWITCHES = ['spine1', 'spine2', 'leaf1', 'leaf2'];
const TOPOLOGY = clos(FABRIC, 2, 2);
/** Every session of the fixture, as (switch, peer): 2 per switch. */
const SESSIONS: [string, string][] = [
  ['spine1', '10.0.0.1'],
  ['spine1', '10.0.0.3'],
  ['spine2', '10.0.0.5'],
  ['spine2', '10.0.0.7'],
  ['leaf1', '10.0.0.0'],
  ['leaf1', '10.0.0.4'],
  ['leaf2', '10.0.0.2'],
  ['leaf2', '10.0.0.6'],
];

const lab = agentLab(FABRIC, TOPOLOGY, ADDRESSES);
const { sw, dbs } = lab;
const cfg = (name: string) => dbs.db(name, CONFIG_DB);

async function neighState(name: string, peer: string): Promise<string | undefined> {
  return (await dbs.hash(name, STATE_DB, `NEIGH_STATE_TABLE|${peer}`)).state;
}

async function allEstablished(): Promise<boolean> {
  for (const [name, peer] of SESSIONS) if ((await neighState(name, peer)) !== 'Established') return false;
  return true;
}

/** A neighbor is in FRR when bgpd knows the peer at all (summary or running config). */
function inFrr(name: string, peer: string): boolean {
  return peer in frrPeers(sw(name)) || vtysh(sw(name), 'show running-config').includes(`neighbor ${peer} remote-as`);
}

async function consumed(name: string, peer: string): Promise<boolean> {
  return (await dbs.db(name, STATE_DB).exists(`BGP_PEER_CONFIGURED_TABLE|${peer}`)) === 1;
}

describe('switch agent on a 2×2 lab', () => {
  it('starts in the factory state: every port mirrored admin down, FRR named after the switch with no BGP', async () => {
    for (const name of SWITCHES) {
      // portsyncd mirrors every port netdev; APPL_DB has every PORT of CONFIG_DB (32 on an S6000).
      const netdevs = kernelLinkNames(sw(name)).filter((l) => /^Ethernet\d+$/.test(l));
      expect(await dbs.keys(name, STATE_DB, 'PORT_TABLE|*'), name).toEqual(netdevs.map((p) => `PORT_TABLE|${p}`).sort());
      expect((await dbs.keys(name, APPL_DB, 'PORT_TABLE:*')).length, name).toBe(32);
      expect(await dbs.hash(name, STATE_DB, 'PORT_TABLE|Ethernet0')).toEqual({ state: 'ok', netdev_oper_status: 'down', admin_status: 'down', mtu: '9100' });
      expect(await dbs.hash(name, APPL_DB, 'PORT_TABLE:Ethernet0')).toMatchObject({ oper_status: 'down', admin_status: 'down', alias: 'fortyGigE0/0', speed: '40000' });
      const running = vtysh(sw(name), 'show running-config');
      expect(running).toMatch(new RegExp(`^hostname ${name}$`, 'm'));
      expect(running).not.toContain('router bgp');
      expect(await dbs.keys(name, STATE_DB, 'NEIGH_STATE_TABLE|*')).toEqual([]);
    }
  });

  it('brings every session to Established from the hand-written CONFIG_DB loaded with redis-cli', async () => {
    const t0 = Date.now();
    for (const name of SWITCHES) redisCli(sw(name), join(FIXTURES, `${name}.redis`));
    await waitFor('all 8 sessions Established in NEIGH_STATE_TABLE', allEstablished, 30_000);
    console.info(`[agent] CONFIG_DB load → all 8 sessions Established: ${Date.now() - t0} ms`);
    for (const [name, peer] of SESSIONS) {
      expect(frrPeers(sw(name))[peer]?.state, `${name} ${peer}`).toBe('Established');
      expect(await dbs.hash(name, STATE_DB, `NEIGH_STATE_TABLE|${peer}`)).toEqual({ state: 'Established', peerType: 'e-BGP' });
      expect((await dbs.hash(name, STATE_DB, `BGP_PEER_CONFIGURED_TABLE|${peer}`)).admin_status).toBe('up');
    }
    // intfmgrd: addresses in the kernel and in both tables; the loopback is its own netdev.
    expect(kernelAddresses(sw('leaf1'), 'Ethernet120')).toEqual(['10.0.0.1/31']);
    expect(kernelAddresses(sw('leaf1'), 'Loopback0')).toEqual(['10.1.0.11/32']);
    expect(await dbs.hash('leaf1', STATE_DB, 'INTERFACE_TABLE|Ethernet120')).toEqual({ vrf: '' });
    expect(await dbs.hash('leaf1', STATE_DB, 'INTERFACE_TABLE|Ethernet120|10.0.0.1/31')).toEqual({ state: 'ok' });
    expect(await dbs.hash('leaf1', APPL_DB, 'INTF_TABLE:Loopback0:10.1.0.11/32')).toEqual({ scope: 'global', family: 'IPv4' });
    // portmgrd: the configured ports are up with their MTU.
    expect(kernelLink(sw('leaf1'), 'Ethernet120').flags).toContain('UP');
    expect(await dbs.hash('leaf1', APPL_DB, 'PORT_TABLE:Ethernet120')).toMatchObject({ oper_status: 'up', admin_status: 'up', mtu: '9100', description: 'spine1:Ethernet0' });
    // vlanmgrd: the VLAN is a bridge holding its member.
    expect(kernelLink(sw('leaf1'), 'Ethernet0').master).toBe('Vlan1000');
    expect(await dbs.hash('leaf1', STATE_DB, 'VLAN_MEMBER_TABLE|Vlan1000|Ethernet0')).toEqual({ state: 'ok' });
    expect(kernelAddresses(sw('leaf1'), 'Vlan1000')).toEqual(['192.168.1.1/26']);
  });

  it('renders the static part only when bgp restarts: loopbacks advertised, ECMP through both spines, ping between leaves', async () => {
    // Before: FRR got neighbors from bgpcfgd but no static part (FRR started before bgp_asn).
    expect(vtysh(sw('leaf1'), 'show running-config')).not.toContain('network 10.1.0.11/32');
    expect(kernelRoutes(sw('leaf1')).some((r) => r.dst === '10.1.0.12')).toBe(false);

    const t0 = Date.now();
    await Promise.all(SWITCHES.map((name) => restartBgp(name, sw(name).dir)));
    const ecmp = await waitFor(
      'leaf1 → leaf2 loopback over 2 nexthops in the kernel',
      () => {
        const r = kernelRoutes(sw('leaf1')).find((x) => x.dst === '10.1.0.12');
        return r?.nexthops?.length === 2 ? r : undefined;
      },
      30_000,
    );
    console.info(`[agent] restart bgp on 4 switches → ECMP in the kernel: ${Date.now() - t0} ms`);
    expect(ecmp.nexthops!.map((n) => `${n.gateway}@${n.dev}`).sort()).toEqual(['10.0.0.0@Ethernet120', '10.0.0.4@Ethernet124']);
    expect(ecmp.protocol).toBe('bgp');
    expect(vtysh(sw('leaf1'), 'show running-config')).toContain('network 10.1.0.11/32');
    await waitFor('all sessions back to Established', allEstablished, 30_000);

    // fpmsyncd: APPL_DB ROUTE_TABLE carries both nexthops (host route key without /32).
    const route = await waitFor('APPL_DB ROUTE_TABLE:10.1.0.12 with 2 nexthops', async () => {
      const r = await dbs.hash('leaf1', APPL_DB, 'ROUTE_TABLE:10.1.0.12');
      return r.nexthop?.split(',').length === 2 ? r : undefined;
    });
    expect(route.nexthop!.split(',').sort()).toEqual(['10.0.0.0', '10.0.0.4']);
    expect(route.ifname!.split(',').sort()).toEqual(['Ethernet120', 'Ethernet124']);
    expect(route.protocol).toBe('bgp');

    expect(ping(sw('leaf1'), '10.1.0.11', '10.1.0.12')).toBe(true);
    expect(ping(sw('leaf2'), '10.1.0.12', '10.1.0.11')).toBe(true);
  });

  it('fills LLDP_ENTRY_TABLE to match the cabling on every port, with the peer’s alias as port id', async () => {
    const ends = TOPOLOGY.links.flatMap((l) => [
      { sw: l.leaf, port: l.leafPort, peer: l.spine, peerPort: l.spinePort },
      { sw: l.spine, port: l.spinePort, peer: l.leaf, peerPort: l.leafPort },
    ]);
    for (const e of ends) {
      const peerPort = await cfg(e.peer).hgetall(`PORT|${e.peerPort}`);
      const entry = await waitFor(`LLDP_ENTRY_TABLE:${e.port} on ${e.sw}`, async () => {
        const h = await dbs.hash(e.sw, APPL_DB, `LLDP_ENTRY_TABLE:${e.port}`);
        return h.lldp_rem_port_id === peerPort.alias && h.lldp_rem_port_desc === peerPort.description ? h : undefined;
      });
      expect(entry).toMatchObject({ lldp_rem_sys_name: e.peer, lldp_rem_port_id_subtype: '7' });
      expect(entry.lldp_rem_chassis_id).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    }
    // Only cabled ports have an entry.
    for (const name of SWITCHES) {
      const cabled = ends.filter((e) => e.sw === name).map((e) => `LLDP_ENTRY_TABLE:${e.port}`);
      expect(await dbs.keys(name, APPL_DB, 'LLDP_ENTRY_TABLE:*')).toEqual(cabled.sort());
    }
  });

  it('never pushes a neighbor without the bare INTERFACE key, and pushes it once the key is written', async () => {
    const leaf2 = cfg('leaf2');
    const nbr = await leaf2.hgetall('BGP_NEIGHBOR|10.0.0.2');
    await leaf2.del('BGP_NEIGHBOR|10.0.0.2');
    await waitFor('10.0.0.2 removed from FRR and STATE_DB', async () => !inFrr('leaf2', '10.0.0.2') && !(await consumed('leaf2', '10.0.0.2')));
    await leaf2.del('INTERFACE|Ethernet120');
    await leaf2.hset('BGP_NEIGHBOR|10.0.0.2', nbr);
    await staysFalse('10.0.0.2 pushed without INTERFACE|Ethernet120', async () => inFrr('leaf2', '10.0.0.2') || (await consumed('leaf2', '10.0.0.2')), 3_000);
    await leaf2.hset('INTERFACE|Ethernet120', 'NULL', 'NULL');
    await waitFor('10.0.0.2 pushed once INTERFACE|Ethernet120 exists', async () => inFrr('leaf2', '10.0.0.2') && (await consumed('leaf2', '10.0.0.2')), 10_000);
    await waitFor('leaf2 – spine1 Established again', async () => (await neighState('leaf2', '10.0.0.2')) === 'Established', 30_000);
  });

  it('never pushes a neighbor without Loopback0, and pushes it once Loopback0 is written', async () => {
    const leaf2 = cfg('leaf2');
    const nbr = await leaf2.hgetall('BGP_NEIGHBOR|10.0.0.6');
    await leaf2.del('BGP_NEIGHBOR|10.0.0.6');
    await waitFor('10.0.0.6 removed', async () => !inFrr('leaf2', '10.0.0.6') && !(await consumed('leaf2', '10.0.0.6')));
    await leaf2.del('LOOPBACK_INTERFACE|Loopback0', 'LOOPBACK_INTERFACE|Loopback0|10.1.0.12/32');
    await leaf2.hset('BGP_NEIGHBOR|10.0.0.6', nbr);
    await staysFalse('10.0.0.6 pushed without Loopback0', async () => inFrr('leaf2', '10.0.0.6') || (await consumed('leaf2', '10.0.0.6')), 3_000);
    await leaf2.multi().hset('LOOPBACK_INTERFACE|Loopback0', 'NULL', 'NULL').hset('LOOPBACK_INTERFACE|Loopback0|10.1.0.12/32', 'NULL', 'NULL').exec();
    await waitFor('10.0.0.6 pushed once Loopback0 exists', async () => inFrr('leaf2', '10.0.0.6') && (await consumed('leaf2', '10.0.0.6')), 10_000);
    await waitFor('leaf2 – spine2 Established again', async () => (await neighState('leaf2', '10.0.0.6')) === 'Established', 30_000);
  });

  it('never pushes a neighbor without bgp_asn, and pushes it once bgp_asn is written', async () => {
    const leaf2 = cfg('leaf2');
    const nbr = await leaf2.hgetall('BGP_NEIGHBOR|10.0.0.2');
    await leaf2.del('BGP_NEIGHBOR|10.0.0.2');
    await waitFor('10.0.0.2 removed', async () => !inFrr('leaf2', '10.0.0.2') && !(await consumed('leaf2', '10.0.0.2')));
    await leaf2.hdel('DEVICE_METADATA|localhost', 'bgp_asn');
    await leaf2.hset('BGP_NEIGHBOR|10.0.0.2', nbr);
    await staysFalse('10.0.0.2 pushed without bgp_asn', async () => inFrr('leaf2', '10.0.0.2') || (await consumed('leaf2', '10.0.0.2')), 3_000);
    await leaf2.hset('DEVICE_METADATA|localhost', 'bgp_asn', '65102');
    await waitFor('10.0.0.2 pushed once bgp_asn exists', async () => inFrr('leaf2', '10.0.0.2') && (await consumed('leaf2', '10.0.0.2')), 10_000);
    await waitFor('leaf2 – spine1 Established again', async () => (await neighState('leaf2', '10.0.0.2')) === 'Established', 30_000);
  });

  it('ignores a changed asn of an existing neighbor: FRR keeps the old one and the session stays up', async () => {
    await cfg('leaf1').hset('BGP_NEIGHBOR|10.0.0.0', 'asn', '65199');
    // bgpcfgd re-applies admin_status on every update and then copies the new fields to STATE_DB
    // (managers_bgp.py update_peer → apply_admin_status → update_state_db): the copy follows,
    // FRR does not. Waiting for the copy proves the agent handled the change.
    await waitFor('STATE_DB copy updated', async () => (await dbs.hash('leaf1', STATE_DB, 'BGP_PEER_CONFIGURED_TABLE|10.0.0.0')).asn === '65199');
    await staysFalse('FRR taking asn 65199', () => frrPeers(sw('leaf1'))['10.0.0.0']?.remoteAs !== 65100, 2_000);
    expect(vtysh(sw('leaf1'), 'show running-config')).toContain('neighbor 10.0.0.0 remote-as 65100');
    expect(vtysh(sw('leaf1'), 'show running-config')).not.toContain('65199');
    expect(frrPeers(sw('leaf1'))['10.0.0.0']?.state).toBe('Established');
    await cfg('leaf1').hset('BGP_NEIGHBOR|10.0.0.0', 'asn', '65100');
  });

  it('shuts a session with admin_status down (Idle (Admin)) and brings it back with up', async () => {
    await cfg('leaf1').hset('BGP_NEIGHBOR|10.0.0.0', 'admin_status', 'down');
    await waitFor('leaf1 NEIGH_STATE_TABLE|10.0.0.0 Idle (Admin)', async () => (await neighState('leaf1', '10.0.0.0')) === 'Idle (Admin)', 10_000);
    expect(frrPeers(sw('leaf1'))['10.0.0.0']?.state).toBe('Idle (Admin)');
    expect(vtysh(sw('leaf1'), 'show running-config')).toContain('neighbor 10.0.0.0 shutdown');
    await waitFor('spine1 sees its session to leaf1 go down', async () => (await neighState('spine1', '10.0.0.1')) !== 'Established', 10_000);
    await cfg('leaf1').hset('BGP_NEIGHBOR|10.0.0.0', 'admin_status', 'up');
    await waitFor('leaf1 – spine1 Established again', async () => (await neighState('leaf1', '10.0.0.0')) === 'Established', 30_000);
  });

  it('applies a changed bgp_router_id only at the next restart of bgp', async () => {
    expect(frrRouterId(sw('leaf1'))).toBe('10.1.0.11');
    await cfg('leaf1').hset('DEVICE_METADATA|localhost', 'bgp_router_id', '10.99.0.11');
    await staysFalse('router id changing before the restart', () => frrRouterId(sw('leaf1')) !== '10.1.0.11', 2_000);
    await restartBgp('leaf1', sw('leaf1').dir);
    expect(frrRouterId(sw('leaf1'))).toBe('10.99.0.11');
    expect(vtysh(sw('leaf1'), 'show running-config')).toContain('bgp router-id 10.99.0.11');
    // The neighbors were pushed again after the restart.
    await waitFor('leaf1 sessions Established after restart', async () => (await neighState('leaf1', '10.0.0.0')) === 'Established' && (await neighState('leaf1', '10.0.0.4')) === 'Established', 30_000);
  });

  it('shows a link set down in STATE_DB and APPL_DB PORT_TABLE within 2 s, on both ends', async () => {
    const t0 = Date.now();
    ipLink(sw('spine2'), 'set', 'Ethernet4', 'down'); // the far end of leaf2's Ethernet124
    await waitFor(
      'leaf2 Ethernet124 down (carrier lost) and spine2 Ethernet4 down (admin)',
      async () => {
        const leaf = await dbs.hash('leaf2', STATE_DB, 'PORT_TABLE|Ethernet124');
        const leafAppl = await dbs.hash('leaf2', APPL_DB, 'PORT_TABLE:Ethernet124');
        const spine = await dbs.hash('spine2', STATE_DB, 'PORT_TABLE|Ethernet4');
        const spineAppl = await dbs.hash('spine2', APPL_DB, 'PORT_TABLE:Ethernet4');
        return leaf.netdev_oper_status === 'down' && leafAppl.oper_status === 'down' && spine.admin_status === 'down' && spineAppl.oper_status === 'down';
      },
      2_000,
      20,
    );
    console.info(`[agent] ip link set down → STATE_DB/APPL_DB PORT_TABLE: ${Date.now() - t0} ms`);
    expect((await dbs.hash('leaf2', STATE_DB, 'PORT_TABLE|Ethernet124')).admin_status).toBe('up');
    // A port set down by hand stays down: portmgrd acts on CONFIG_DB changes, not on the kernel.
    await staysFalse('spine2 Ethernet4 brought back up by the agent', () => kernelLink(sw('spine2'), 'Ethernet4').flags.includes('UP'), 1_000);
    ipLink(sw('spine2'), 'set', 'Ethernet4', 'up');
    await waitFor('leaf2 Ethernet124 up again', async () => (await dbs.hash('leaf2', APPL_DB, 'PORT_TABLE:Ethernet124')).oper_status === 'up', 2_000, 20);
  });

  it('applies PORT admin_status from CONFIG_DB to the netdev', async () => {
    await cfg('spine1').hset('PORT|Ethernet4', 'admin_status', 'down');
    await waitFor('spine1 Ethernet4 down in the kernel', () => !kernelLink(sw('spine1'), 'Ethernet4').flags.includes('UP'), 2_000, 20);
    await waitFor('leaf2 Ethernet120 loses carrier', async () => (await dbs.hash('leaf2', STATE_DB, 'PORT_TABLE|Ethernet120')).netdev_oper_status === 'down', 2_000, 20);
    await cfg('spine1').hset('PORT|Ethernet4', 'admin_status', 'up');
    await waitFor('spine1 Ethernet4 up in the kernel', () => kernelLink(sw('spine1'), 'Ethernet4').flags.includes('UP'), 2_000, 20);
  });

  it('lab down stops every process the agent started (FRR, link monitors) and leaves no namespace', async () => {
    const records = await readRecords(lab.state().records);
    expect(records.filter((r) => r.name === 'ip-monitor').length).toBeGreaterThanOrEqual(4);
    dbs.closeAll();
    await labDown(FABRIC);
    expect(records.filter(isAlive)).toEqual([]);
    const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith(`clos-${FABRIC}-`));
    expect(left).toEqual([]);
  });
});
