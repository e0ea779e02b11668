// The one watcher on its own: results reported as they change, the ends (all pass, deadline,
// abort), a switch that cannot be read with and without onError, and "wait until consumed".
import { describe, expect, it } from 'vitest';
import type { Check } from '../../src/core/checks/checks.ts';
import type { Fields } from '../../src/core/diff/flat.ts';
import { waitConsumed } from '../../src/services/routing.ts';
import { watchChecks } from '../../src/services/watch/checks.ts';
import type { SwitchLink } from '../../src/transport/connect.ts';
import { MemoryTransport } from '../../src/transport/memory.ts';
import type { DbName, ReadOptions } from '../../src/transport/transport.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const UP: Fields = { state: 'ok', netdev_oper_status: 'up' };
const portUp = (port: string): Check => ({ id: `port ${port} up`, switch: 'leaf1', kind: 'port', db: 'STATE_DB', expect: { type: 'fields', keys: [`PORT_TABLE|${port}`], fields: UP } });
const linkOf = (t: MemoryTransport): SwitchLink => ({ name: 'leaf1', transport: t, close: async () => undefined });

describe('watchChecks', () => {
  it('reports every change until all pass, then until() returns', async () => {
    const mem = new MemoryTransport('leaf1');
    const seen: string[] = [];
    const w = await watchChecks(new Map([['leaf1', linkOf(mem)]]), [portUp('Ethernet0'), portUp('Ethernet4')], {
      onChange: (rs) => seen.push(rs.map((r) => `${r.pass ? 'pass' : 'fail'}:${r.seen}`).join(',')),
    });
    expect(w.done()).toBe(false);
    expect(seen.at(-1)).toBe('fail:PORT_TABLE|Ethernet0 absent,fail:PORT_TABLE|Ethernet4 absent');
    const ended = w.until(Date.now() + 5_000);
    mem.setState('STATE_DB', 'PORT_TABLE|Ethernet0', UP);
    await sleep(150);
    expect(seen.at(-1)).toBe('pass:state=ok netdev_oper_status=up,fail:PORT_TABLE|Ethernet4 absent');
    mem.setState('STATE_DB', 'PORT_TABLE|Ethernet4', UP);
    const t0 = Date.now();
    await ended;
    expect(Date.now() - t0).toBeLessThan(500);
    expect(w.done()).toBe(true);
    expect(w.results.every((r) => r.read && r.pass && r.since !== undefined)).toBe(true);
    await w.stop();
  });

  it('a passing check says what it passed on, as of the last read of its table', async () => {
    const mem = new MemoryTransport('leaf1');
    const key = 'ROUTE_TABLE:10.0.0.5';
    const route: Check = { id: 'route to leaf2', switch: 'leaf1', kind: 'route', db: 'APPL_DB', expect: { type: 'nexthops', keys: [`${key}/32`, key], count: 1 } };
    mem.setState('APPL_DB', key, { nexthop: '10.1.0.1', ifname: 'Ethernet0' });
    const w = await watchChecks(new Map([['leaf1', linkOf(mem)]]), [route], { debounceMs: 10 });
    expect(w.results[0]).toMatchObject({ pass: true, read: true, seen: '1 next hop(s): 10.1.0.1' });
    mem.setState('APPL_DB', key, { nexthop: '10.1.0.3', ifname: 'Ethernet4' });
    await sleep(100);
    expect(w.results[0]).toMatchObject({ pass: true, seen: '1 next hop(s): 10.1.0.3' });
    mem.setState('APPL_DB', key, { nexthop: '10.1.0.1,10.1.0.3' });
    await sleep(100);
    expect(w.results[0]).toMatchObject({ pass: false, seen: '2 next hop(s): 10.1.0.1,10.1.0.3' });
    await w.stop();
  });

  it('ends at the deadline or on abort, whichever comes first', async () => {
    const w = await watchChecks(new Map([['leaf1', linkOf(new MemoryTransport('leaf1'))]]), [portUp('Ethernet0')]);
    let t0 = Date.now();
    await w.until(Date.now() + 120);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
    const abort = new AbortController();
    t0 = Date.now();
    setTimeout(() => abort.abort(), 50);
    await w.until(Date.now() + 10_000, abort.signal);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(w.done()).toBe(false);
    await w.stop();
  });

  it('a switch that cannot be read fails with its error; with onError it is told and not failed', async () => {
    const mem = new MemoryTransport('leaf1');
    mem.reachable = false;
    const failed = await watchChecks(new Map([['leaf1', linkOf(mem)]]), [portUp('Ethernet0')]);
    expect(failed.done()).toBe(true);
    expect(failed.error('leaf1')).toBe('leaf1 (memory:leaf1): cannot connect: switch is down');
    expect(failed.results[0]).toMatchObject({ pass: false, read: false, seen: failed.error('leaf1') });
    await failed.stop();

    const told: string[] = [];
    const going = await watchChecks(new Map([['leaf1', linkOf(mem)]]), [portUp('Ethernet0')], { onError: (sw, e) => told.push(`${sw}: ${(e as Error).message}`) });
    expect(going.error('leaf1')).toBeNull();
    expect(told).toHaveLength(1);
    expect(going.done()).toBe(false);
    await going.stop();
  });

  it('each read expects the keys the checks of its tables look up, and only those', async () => {
    /** A memory switch that records what each read was asked for. */
    class Recording extends MemoryTransport {
      readonly reads: { db: DbName; tables: string[]; expect: string[]; unordered: boolean }[] = [];
      override read(db: DbName, tables?: readonly string[], opts?: ReadOptions) {
        this.reads.push({ db, tables: [...(tables ?? [])], expect: [...(opts?.expect ?? [])], unordered: opts?.unordered === true });
        return super.read(db, tables, opts);
      }
    }
    const mem = new Recording('leaf1');
    const route: Check = { id: 'route to leaf2', switch: 'leaf1', kind: 'route', db: 'APPL_DB', expect: { type: 'nexthops', keys: ['ROUTE_TABLE:10.0.0.5/32', 'ROUTE_TABLE:10.0.0.5'], count: 1 } };
    const lldp: Check = { id: 'lldp', switch: 'leaf1', kind: 'lldp', db: 'APPL_DB', expect: { type: 'lldp', key: 'LLDP_ENTRY_TABLE:Ethernet0', sysName: 'spine1', portIds: ['etp1'] } };
    const only: Check = { id: 'no unexpected', switch: 'leaf1', kind: 'bgp-unexpected', db: 'STATE_DB', expect: { type: 'only-keys', prefix: 'NEIGH_STATE_TABLE|', allowed: ['NEIGH_STATE_TABLE|10.1.0.0'] } };
    const w = await watchChecks(new Map([['leaf1', linkOf(mem)]]), [portUp('Ethernet0'), portUp('Ethernet4'), route, lldp, only], { debounceMs: 10 });
    const first = (db: DbName) => mem.reads.find((r) => r.db === db)!;
    expect(first('STATE_DB')).toEqual({ db: 'STATE_DB', tables: ['NEIGH_STATE_TABLE', 'PORT_TABLE'], expect: ['PORT_TABLE|Ethernet0', 'PORT_TABLE|Ethernet4'], unordered: true });
    expect(first('APPL_DB')).toEqual({ db: 'APPL_DB', tables: ['LLDP_ENTRY_TABLE', 'ROUTE_TABLE'], expect: ['LLDP_ENTRY_TABLE:Ethernet0', 'ROUTE_TABLE:10.0.0.5'], unordered: true });
    // An event in one table re-reads that table, expecting its keys alone.
    const before = mem.reads.length;
    mem.setState('APPL_DB', 'ROUTE_TABLE:10.0.0.5', { nexthop: '10.1.0.0', ifname: 'Ethernet0' });
    for (const deadline = Date.now() + 2_000; mem.reads.length === before && Date.now() < deadline; ) await sleep(10);
    expect(mem.reads.slice(before)).toEqual([{ db: 'APPL_DB', tables: ['ROUTE_TABLE'], expect: ['ROUTE_TABLE:10.0.0.5'], unordered: true }]);
    expect(w.results.find((r) => r.check === route)).toMatchObject({ pass: true });
    await w.stop();

    // What else the switch holds (CheckBuilder.expected) joins the tables read, once each; keys
    // of tables no check reads are left out.
    const held = new Recording('leaf1');
    const w2 = await watchChecks(new Map([['leaf1', linkOf(held)]]), [portUp('Ethernet0'), portUp('Ethernet4'), route], {
      expected: () => ({ STATE_DB: ['PORT_TABLE|Ethernet0', 'PORT_TABLE|Ethernet8', 'BGP_PEER_CONFIGURED_TABLE|10.1.0.0'], APPL_DB: ['INTF_TABLE:Ethernet0'] }),
    });
    expect(held.reads.map((r) => `${r.db}: ${r.expect.join(' ')}`).sort()).toEqual(['APPL_DB: ROUTE_TABLE:10.0.0.5', 'STATE_DB: PORT_TABLE|Ethernet0 PORT_TABLE|Ethernet4 PORT_TABLE|Ethernet8']);
    await w2.stop();
  });
});

describe('waitConsumed (a watcher run over one check)', () => {
  it('is true once bgpcfgd writes one of the neighbours, false when the budget ends first', async () => {
    const mem = new MemoryTransport('leaf1');
    setTimeout(() => mem.setState('STATE_DB', 'BGP_PEER_CONFIGURED_TABLE|10.0.0.2', { NULL: 'NULL' }), 100);
    const t0 = Date.now();
    expect(await waitConsumed(linkOf(mem), ['10.0.0.0', '10.0.0.2'], 5_000)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(await waitConsumed(linkOf(new MemoryTransport('leaf1')), ['10.0.0.0'], 150)).toBe(false);
  });

  it('a switch that cannot be read ends the wait with that error', async () => {
    const mem = new MemoryTransport('leaf1');
    mem.reachable = false;
    await expect(waitConsumed(linkOf(mem), ['10.0.0.0'], 5_000)).rejects.toThrow(/cannot connect: switch is down/);
  });
});
