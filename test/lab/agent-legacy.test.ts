// The `legacy-vs` flavour (docker-sonic-vs release images): no bgpcfgd, bgpmon or lldp. A
// BGP_NEIGHBOR in CONFIG_DB reaches nothing; FRR runs and is configured through vtysh, as a
// controller must do there; ports, addresses and fpmsyncd still work. Fabric t-agent-legacy
// (1 spine, 1 leaf), addresses 127.0.1.96/28.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentLab, APPL_DB, frrPeers, kernelAddresses, redisCli, STATE_DB, staysFalse, vtysh, waitFor } from './agent-helpers.ts';
import { clos } from './host-fixtures.ts';

const FABRIC = 't-agent-legacy';
const FIXTURES = new URL('../fixtures/lab-2x2/', import.meta.url).pathname;

const { sw, dbs } = agentLab(FABRIC, clos(FABRIC, 1, 1, 'legacy-vs'), '127.0.1.96/28');

describe('switch agent, legacy-vs flavour', () => {
  it('ignores BGP_NEIGHBOR while portmgrd and intfmgrd apply the rest of CONFIG_DB', async () => {
    // The 1×1 lab cables leaf1:Ethernet120 to spine1:Ethernet0, as the 2×2 fixture does.
    for (const name of ['spine1', 'leaf1']) redisCli(sw(name), join(FIXTURES, `${name}.redis`));
    await waitFor('leaf1 Ethernet120 address applied', async () => (await dbs.hash('leaf1', STATE_DB, 'INTERFACE_TABLE|Ethernet120|10.0.0.1/31')).state === 'ok');
    await waitFor('spine1 Ethernet0 address applied', async () => (await dbs.hash('spine1', STATE_DB, 'INTERFACE_TABLE|Ethernet0|10.0.0.0/31')).state === 'ok');
    expect(kernelAddresses(sw('leaf1'), 'Ethernet120')).toEqual(['10.0.0.1/31']);
    expect((await dbs.hash('leaf1', APPL_DB, 'PORT_TABLE:Ethernet120')).oper_status).toBe('up');

    const nothingFromBgpNeighbor = async () => {
      for (const name of ['spine1', 'leaf1']) {
        if (vtysh(sw(name), 'show running-config').includes('neighbor')) return true;
        if (Object.keys(frrPeers(sw(name))).length) return true;
        if ((await dbs.keys(name, STATE_DB, 'BGP_PEER_CONFIGURED_TABLE|*')).length) return true;
        if ((await dbs.keys(name, STATE_DB, 'NEIGH_STATE_TABLE|*')).length) return true;
        if ((await dbs.keys(name, APPL_DB, 'LLDP_ENTRY_TABLE:*')).length) return true;
      }
      return false;
    };
    await staysFalse('a BGP_NEIGHBOR reaching FRR or STATE_DB, or an LLDP entry', nothingFromBgpNeighbor, 3_000, 250);
  });

  it('runs FRR, configured through vtysh like on docker-sonic-vs; fpmsyncd still exports its routes', async () => {
    const conf = (name: string, lines: string[]) => vtysh(sw(name), 'configure terminal', ...lines);
    conf('spine1', ['router bgp 65100', 'no bgp ebgp-requires-policy', 'neighbor 10.0.0.1 remote-as 65101', 'address-family ipv4 unicast', 'network 10.1.0.1/32']);
    conf('leaf1', ['router bgp 65101', 'no bgp ebgp-requires-policy', 'neighbor 10.0.0.0 remote-as 65100']);
    await waitFor('leaf1 – spine1 Established in FRR', () => frrPeers(sw('leaf1'))['10.0.0.0']?.state === 'Established', 30_000);
    const route = await waitFor('APPL_DB ROUTE_TABLE:10.1.0.1 on leaf1', async () => {
      const r = await dbs.hash('leaf1', APPL_DB, 'ROUTE_TABLE:10.1.0.1');
      return r.nexthop ? r : undefined;
    });
    expect(route).toEqual({ nexthop: '10.0.0.0', ifname: 'Ethernet120', protocol: 'bgp' });
    // Still no bgpmon: the session is up in FRR, STATE_DB knows nothing of it.
    await staysFalse('NEIGH_STATE_TABLE written', async () => (await dbs.keys('leaf1', STATE_DB, 'NEIGH_STATE_TABLE|*')).length > 0, 1_500, 250);
  });
});
