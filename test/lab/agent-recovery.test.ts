// The switch agent surviving what a lab lives through: its own process killed (the next
// `lab up` hands the switches to a new agent, which adopts the FRR that kept running), and a
// switch's redis-server dying (restarted empty by `lab up`: the agent reads CONFIG_DB again and
// the switch follows it). Fabric t-agent-recover (1 spine, 1 leaf), addresses 127.0.1.112/28.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isAlive, type ProcessRecord, readRecords } from '../../src/lab/processes.ts';
import { agentLab, frrPeers, kernelAddresses, kernelLink, redisCli, STATE_DB, waitFor } from './agent-helpers.ts';
import { clos } from './host-fixtures.ts';

const FABRIC = 't-agent-recover';
const FIXTURES = new URL('../fixtures/lab-2x2/', import.meta.url).pathname;
const TOPOLOGY = clos(FABRIC, 1, 1);

const { sw, dbs, up, state } = agentLab(FABRIC, TOPOLOGY, '127.0.1.112/28');
const alive = async (filter: (r: ProcessRecord) => boolean) => (await readRecords(state().records)).filter((r) => filter(r) && isAlive(r));
/** FRR's own pid files, checked against /proc (independent of how records are kept). */
const frrPids = () =>
  ['zebra', 'bgpd'].map((d) => {
    const pid = Number(readFileSync(join(sw('leaf1').dir, `${d}.pid`), 'utf8').trim());
    expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe(d);
    return pid;
  });
const neighState = async () => (await dbs.hash('leaf1', STATE_DB, 'NEIGH_STATE_TABLE|10.0.0.0')).state;

beforeAll(async () => {
  for (const name of ['spine1', 'leaf1']) redisCli(sw(name), join(FIXTURES, `${name}.redis`));
  await waitFor('leaf1 – spine1 Established', async () => (await neighState()) === 'Established', 30_000);
}, 120_000);

describe('switch agent recovery', () => {
  it('is replaced by the next lab up after a SIGKILL, adopting the FRR that kept running', async () => {
    const [agent] = await alive((r) => r.name.startsWith('agent-'));
    const frrBefore = frrPids();
    expect(agent).toBeDefined();
    process.kill(agent!.pid, 'SIGKILL');
    await waitFor('agent gone', () => !isAlive(agent!));

    await up();
    const agents = await alive((r) => r.name.startsWith('agent-'));
    expect(agents.map((r) => r.pid)).not.toContain(agent!.pid);
    expect(agents.length).toBe(1);
    // Same FRR processes, session never reset by the change of agent.
    expect(frrPids()).toEqual(frrBefore);
    expect(frrPeers(sw('leaf1'))['10.0.0.0']?.state).toBe('Established');

    // The new agent acts on CONFIG_DB: the neighbor it adopted takes an admin_status change.
    await dbs.db('leaf1', 4).hset('BGP_NEIGHBOR|10.0.0.0', 'admin_status', 'down');
    await waitFor('Idle (Admin) through the new agent', async () => (await neighState()) === 'Idle (Admin)', 10_000);
    await dbs.db('leaf1', 4).hset('BGP_NEIGHBOR|10.0.0.0', 'admin_status', 'up');
    await waitFor('Established again', async () => (await neighState()) === 'Established', 30_000);
    expect((await dbs.hash('leaf1', STATE_DB, 'BGP_PEER_CONFIGURED_TABLE|10.0.0.0')).admin_status).toBe('up');
  });

  it('follows a redis-server that restarted empty: back to the factory state, then up again from a new CONFIG_DB', async () => {
    const [redis] = await alive((r) => r.switch === 'leaf1' && r.name === 'redis');
    process.kill(redis!.pid, 'SIGTERM');
    await waitFor('redis gone', () => !isAlive(redis!));
    dbs.closeAll();
    await up(); // restarts leaf1's redis with the factory state
    await waitFor('leaf1 Ethernet120 back to admin down (factory PORT)', () => !kernelLink(sw('leaf1'), 'Ethernet120').flags.includes('UP'), 10_000);
    await waitFor('addresses removed', () => kernelAddresses(sw('leaf1'), 'Ethernet120').length === 0, 10_000);
    await waitFor('neighbor removed from FRR', () => !('10.0.0.0' in frrPeers(sw('leaf1'))), 10_000);
    await waitFor('STATE_DB rewritten: PORT_TABLE mirrors the factory state', async () => (await dbs.hash('leaf1', STATE_DB, 'PORT_TABLE|Ethernet120')).admin_status === 'down');
    await waitFor('NEIGH_STATE_TABLE emptied by bgpmon', async () => (await dbs.keys('leaf1', STATE_DB, 'NEIGH_STATE_TABLE|*')).length === 0);

    redisCli(sw('leaf1'), join(FIXTURES, 'leaf1.redis'));
    await waitFor('Established from the reloaded CONFIG_DB', async () => (await neighState()) === 'Established', 30_000);
  });
});
