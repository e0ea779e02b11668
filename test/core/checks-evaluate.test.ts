// Evaluating checks: a route's two key forms (fpmsyncd's without "/32" looked up first, "/32"
// accepted), the words of a failing route check, and passes() agreeing with evaluate() on
// every kind of expectation.
import { describe, expect, it } from 'vitest';
import { buildChecks, evaluate, expectedReads, lookedUp, passes, type Check, type Expectation } from '../../src/core/checks/checks.ts';
import type { Fields } from '../../src/core/diff/flat.ts';
import { describeExpectation } from '../../src/services/verify.ts';
import { compileDc1 } from '../support/dc1.ts';

const compiled = compileDc1();
const checks = buildChecks(compiled.intents);
const leaf2 = compiled.intents.find((s) => s.name === 'leaf2')!;
/** leaf1's route to leaf2's loopback: through both spines. */
const route = checks.find((c) => c.switch === 'leaf1' && c.kind === 'route' && c.id.startsWith('route to leaf2 '))!;
const db = (entries: Record<string, Fields>) => new Map(Object.entries(entries));

describe('route checks', () => {
  const bare = `ROUTE_TABLE:${leaf2.loopback}`;
  const slash = `ROUTE_TABLE:${leaf2.loopback}/32`;

  it('keep their id and expected words', () => {
    expect(route.id).toBe(`route to leaf2 loopback ${leaf2.loopback}/32 via 2 next hop(s)`);
    expect(describeExpectation(route.expect)).toBe(`${slash} or ${bare} with 2 next hop(s)`);
  });

  it('find the route under either key form', () => {
    for (const key of [bare, slash]) {
      const on = db({ [key]: { nexthop: '10.1.0.0,10.1.0.2', ifname: 'Ethernet120,Ethernet124', protocol: 'bgp' } });
      expect(evaluate(route, on)).toEqual({ pass: true, seen: '2 next hop(s): 10.1.0.0,10.1.0.2' });
      expect(passes(route, on)).toBe(true);
    }
  });

  it('judge fpmsyncd’s form (no "/32") when both are there', () => {
    const on = db({ [slash]: { nexthop: '10.1.0.0' }, [bare]: { nexthop: '10.1.0.0,10.1.0.2' } });
    expect(evaluate(route, on)).toEqual({ pass: true, seen: '2 next hop(s): 10.1.0.0,10.1.0.2' });
  });

  it('say what is wrong in the same words as before', () => {
    expect(evaluate(route, db({}))).toEqual({ pass: false, seen: 'no route' });
    expect(evaluate(route, db({ [bare]: { nexthop: '10.1.0.2' } }))).toEqual({ pass: false, seen: '1 next hop(s): 10.1.0.2' });
    expect(evaluate(route, db({ [slash]: { ifname: 'Ethernet120' } }))).toEqual({ pass: false, seen: '0 next hop(s): -' });
  });

  it('of every switch to one destination share their expectation (made once per fabric)', () => {
    const toLeaf2 = checks.filter((c) => c.kind === 'route' && c.id === route.id);
    expect(toLeaf2.length).toBeGreaterThan(1);
    expect(new Set(toLeaf2.map((c) => c.expect)).size).toBe(1);
  });
});

describe('passes', () => {
  const check = (expect: Expectation): Check => ({ id: 'x', switch: 'leaf1', kind: 'port', db: 'STATE_DB', expect });
  const cases: [Expectation, Map<string, Fields>][] = [
    [{ type: 'fields', keys: ['PORT_TABLE|Ethernet0'], fields: { state: 'ok' } }, db({ 'PORT_TABLE|Ethernet0': { state: 'ok', mtu: '9100' } })],
    [{ type: 'fields', keys: ['PORT_TABLE|Ethernet0'], fields: { state: 'ok' } }, db({ 'PORT_TABLE|Ethernet0': { state: 'down' } })],
    [{ type: 'fields', keys: ['PORT_TABLE|Ethernet0'], fields: { state: 'ok' } }, db({})],
    [{ type: 'fields', keys: ['A|1', 'A|2'], fields: {} }, db({ 'A|2': {} })],
    [{ type: 'fields', keys: ['A|1', 'A|2'], fields: { x: '1' } }, db({ 'A|1': { x: '2' }, 'A|2': { x: '1' } })],
    [{ type: 'nexthops', keys: ['ROUTE_TABLE:10.0.0.1/32', 'ROUTE_TABLE:10.0.0.1'], count: 0 }, db({ 'ROUTE_TABLE:10.0.0.1': {} })],
    [{ type: 'nexthops', keys: ['ROUTE_TABLE:10.0.0.1/32', 'ROUTE_TABLE:10.0.0.1'], count: 1 }, db({})],
    [{ type: 'only-keys', prefix: 'NEIGH_STATE_TABLE|', allowed: ['NEIGH_STATE_TABLE|10.0.0.1'] }, db({ 'NEIGH_STATE_TABLE|10.0.0.9': { state: 'Active' } })],
    [{ type: 'only-keys', prefix: 'NEIGH_STATE_TABLE|', allowed: [] }, db({})],
    [{ type: 'lldp', key: 'LLDP_ENTRY_TABLE:Ethernet0', sysName: 'spine1', portIds: ['etp1'] }, db({ 'LLDP_ENTRY_TABLE:Ethernet0': { lldp_rem_sys_name: 'spine1', lldp_rem_port_id: 'etp1' } })],
    [{ type: 'lldp', key: 'LLDP_ENTRY_TABLE:Ethernet0', sysName: 'spine1', portIds: ['etp1'] }, db({ 'LLDP_ENTRY_TABLE:Ethernet0': { lldp_rem_sys_name: 'spine2' } })],
  ];

  it('counts each route\'s next hops: lists alternating, equal and empty, each counted as it is', () => {
    const route = (count: number) => check({ type: 'nexthops', keys: ['ROUTE_TABLE:10.0.0.1'], count });
    const on = (nexthop: string) => db({ 'ROUTE_TABLE:10.0.0.1': { nexthop } });
    const lists = ['10.0.0.1,10.0.0.3', '10.0.0.1', ['10.0.0.1', '10.0.0.3'].join(','), '', '10.0.0.1,10.0.0.3,10.0.0.5', '10.0.0.1'];
    expect(lists.map((l) => [1, 2, 3, 0].find((n) => passes(route(n), on(l))))).toEqual([2, 1, 2, 0, 3, 1]);
    expect(lists.map((l) => evaluate(route(2), on(l)).seen)).toEqual(['2 next hop(s): 10.0.0.1,10.0.0.3', '1 next hop(s): 10.0.0.1', '2 next hop(s): 10.0.0.1,10.0.0.3', '0 next hop(s): -', '3 next hop(s): 10.0.0.1,10.0.0.3,10.0.0.5', '1 next hop(s): 10.0.0.1']);
  });

  it('is evaluate().pass, for every kind of expectation', () => {
    const results = cases.map(([e, on]) => [passes(check(e), on), evaluate(check(e), on).pass]);
    for (const [fast, full] of results) expect(fast).toBe(full);
    expect(results.map(([p]) => p)).toEqual([true, false, false, true, false, true, false, false, true, true, false]);
  });
});

describe('an only-keys check', () => {
  it('names what it did not expect in natural order, whatever order the read came in', () => {
    const only: Check = { ...route, kind: 'bgp-unexpected', db: 'STATE_DB', expect: { type: 'only-keys', prefix: 'NEIGH_STATE_TABLE|', allowed: ['NEIGH_STATE_TABLE|10.0.0.1'] } };
    const listed = db({ 'NEIGH_STATE_TABLE|10.0.0.12': {}, 'NEIGH_STATE_TABLE|10.0.0.1': {}, 'NEIGH_STATE_TABLE|10.0.0.9': {}, 'NEIGH_STATE_TABLE|10.0.0.10': {} });
    expect(evaluate(only, listed)).toEqual({ pass: false, seen: 'unexpected: 10.0.0.9, 10.0.0.10, 10.0.0.12' });
  });
});

describe('lookedUp: the keys a read expects for a check', () => {
  it('is every key a check can pass on, except a route in the "/32" form fpmsyncd does not write', () => {
    const leaf1 = checks.filter((c) => c.switch === 'leaf1');
    const one = (kind: string) => leaf1.find((c) => c.kind === kind)!;
    expect(lookedUp(route)).toEqual([`ROUTE_TABLE:${leaf2.loopback}`]);
    expect(lookedUp(one('port'))).toEqual([(one('port').expect as Extract<Expectation, { type: 'fields' }>).keys[0]]);
    expect(lookedUp(one('lldp'))).toEqual([(one('lldp').expect as Extract<Expectation, { type: 'lldp' }>).key]);
    expect(lookedUp(one('bgp-unexpected'))).toEqual([]);
    // Every check that passes on a database holding only its looked-up keys (with the entries
    // it wants) found them there: nothing it needs is left to a second read.
    for (const c of leaf1) {
      const e = c.expect;
      if (e.type === 'only-keys') continue;
      const want: Fields = e.type === 'fields' ? e.fields : e.type === 'nexthops' ? { nexthop: Array.from({ length: e.count }, (_, i) => `10.1.0.${i}`).join(',') } : { lldp_rem_sys_name: e.sysName, lldp_rem_port_id: e.portIds[0]! };
      expect(passes(c, db(Object.fromEntries(lookedUp(c).map((k) => [k, want])))), c.id).toBe(true);
    }
  });
});

describe('expectedReads: what a switch’s reads expect', () => {
  it('is the looked-up keys by database, then the held keys no check looks up, each once; FRR checks add none', () => {
    const leaf1 = checks.filter((c) => c.switch === 'leaf1');
    const frr: Check = { id: 'session via vtysh', switch: 'leaf1', kind: 'bgp-session', db: 'FRR', expect: { type: 'fields', keys: ['NEIGH_STATE_TABLE|10.9.9.9'], fields: { state: 'Established' } } };
    const port = (leaf1.find((c) => c.kind === 'port' && c.db === 'STATE_DB')!.expect as Extract<Expectation, { type: 'fields' }>).keys[0]!;
    const got = expectedReads([...leaf1, frr], { STATE_DB: [port, 'PORT_TABLE|Ethernet252'], APPL_DB: ['INTF_TABLE:Loopback0'] });
    const looked = (db: string) => leaf1.filter((c) => c.db === db).flatMap((c) => lookedUp(c));
    expect(got.STATE_DB).toEqual([...looked('STATE_DB'), 'PORT_TABLE|Ethernet252']);
    expect(got.APPL_DB).toEqual([...looked('APPL_DB'), 'INTF_TABLE:Loopback0']);
    expect(new Set(got.STATE_DB).size).toBe(got.STATE_DB.length);
    expect(got.STATE_DB).not.toContain('NEIGH_STATE_TABLE|10.9.9.9');
  });
});
