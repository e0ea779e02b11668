// verify against in-memory switches: event-driven waits, the budget, unreachable switches, the
// FRR path through the exec channel, and the checks generated for a whole fabric.
import { describe, expect, it } from 'vitest';
import { buildChecks, checkBuilder, type Check, type CheckDb, type CheckKind, type Expectation } from '../../src/core/checks/checks.ts';
import type { Fields } from '../../src/core/diff/flat.ts';
import type { VerifyReport } from '../../src/results/verify-schema.ts';
import { verifyReportSchema } from '../../src/results/verify-schema.ts';
import { describeExpectation, verifyFabric } from '../../src/services/verify.ts';
import { watchChecks } from '../../src/services/watch/checks.ts';
import { DAEMONS_ARGV } from '../../src/services/watch/daemons.ts';
import { FRR_SUMMARY_ARGV } from '../../src/services/watch-kit.ts';
import type { SwitchLink } from '../../src/transport/connect.ts';
import { MemoryTransport } from '../../src/transport/memory.ts';
import type { DbName, ExecChannel, Transport } from '../../src/transport/transport.ts';
import { convergedFabric, heldInCheckedTables, memSwitch, recordExpects } from '../support/drift-fabric.ts';
import { compileDc1 } from '../support/dc1.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const check = (sw: string, id: string, db: CheckDb, expect: Expectation, kind: CheckKind = 'port'): Check => ({ id, switch: sw, kind, db, expect });
const portUp = (sw: string, port: string) => check(sw, `port ${port} up (STATE_DB)`, 'STATE_DB', { type: 'fields', keys: [`PORT_TABLE|${port}`], fields: { state: 'ok', netdev_oper_status: 'up' } });
const UP: Fields = { state: 'ok', netdev_oper_status: 'up', admin_status: 'up', mtu: '9100' };

/** Counts reads (and which tables they asked for) on top of a memory switch. */
class CountingTransport implements Transport {
  reads: (readonly string[] | undefined)[] = [];
  watches = 0;
  unwatched = 0;
  closed = 0;
  afterRead?: () => void;
  /** Refuse subscriptions with this error. */
  watchFails?: Error;
  constructor(readonly inner: MemoryTransport) {}
  get endpoint() {
    return this.inner.endpoint;
  }
  async read(db: DbName, tables?: readonly string[]) {
    this.reads.push(tables);
    const r = await this.inner.read(db, tables);
    this.afterRead?.();
    return r;
  }
  apply = (c: Parameters<Transport['apply']>[0]) => this.inner.apply(c);
  async watch(db: DbName, tables: readonly string[], cb: (key: string) => void) {
    if (this.watchFails) throw this.watchFails;
    this.watches++;
    const u = await this.inner.watch(db, tables, cb);
    return async () => {
      this.unwatched++;
      await u();
    };
  }
  async close() {
    this.closed++;
  }
}

function link(name: string, transport: Transport, exec?: ExecChannel): SwitchLink & { closed: number } {
  const l = {
    name,
    transport,
    ...(exec ? { exec } : {}),
    closed: 0,
    close: async () => {
      l.closed++;
    },
  };
  return l;
}

/** A vtysh that answers `show bgp summary json` from a table of peers the test changes, and
 *  `show daemons` with every daemon running. */
function fakeFrr(peers: Record<string, string>, localAs = 65101) {
  const calls: string[][] = [];
  const exec: ExecChannel = {
    endpoint: 'fake-exec',
    run: async (argv) => {
      // vtysh lists the daemons it reaches (verify asks so of switches with bgpmon, too).
      if (argv.join(' ') === DAEMONS_ARGV.join(' ')) return { code: 0, stdout: ' zebra bgpd staticd\n', stderr: '' };
      calls.push([...argv]);
      const json = { ipv4Unicast: { peers: Object.fromEntries(Object.entries(peers).map(([ip, state]) => [ip, { state, remoteAs: 65100, localAs }])) } };
      return { code: 0, stdout: JSON.stringify(json), stderr: '' };
    },
  };
  return { exec, calls };
}

const byId = (r: VerifyReport, sw: string, id: string) => r.switches.find((s) => s.name === sw)!.checks.find((c) => c.id === id)!;

describe('verifyFabric: event-driven waits', () => {
  it('converges when state arrives later through events, and ends right after the last one (no polling delay)', async () => {
    const mem = new MemoryTransport('leaf1');
    const t = new CountingTransport(mem);
    const checks = [
      portUp('leaf1', 'Ethernet0'),
      portUp('leaf1', 'Ethernet4'),
      check('leaf1', 'route to leaf2', 'APPL_DB', { type: 'nexthops', keys: ['ROUTE_TABLE:10.1.0.2/32', 'ROUTE_TABLE:10.1.0.2'], count: 2 }, 'route'),
    ];
    const t0 = Date.now();
    const run = verifyFabric({ links: [link('leaf1', t)], checks, timeoutMs: 10_000 });
    await sleep(150);
    mem.setState('STATE_DB', 'PORT_TABLE|Ethernet0', UP);
    // A burst: many events on one table, coalesced into one re-read of that table only.
    for (let i = 0; i < 20; i++) mem.setState('STATE_DB', `PORT_TABLE|Ethernet${8 + 4 * i}`, UP);
    await sleep(150);
    mem.setState('APPL_DB', 'ROUTE_TABLE:10.1.0.2', { nexthop: '10.0.0.0,10.0.0.2', ifname: 'Ethernet0,Ethernet4', protocol: 'bgp' });
    mem.setState('STATE_DB', 'PORT_TABLE|Ethernet4', UP);
    const lastEvent = Date.now() - t0;
    const r = await run;
    const ended = Date.now() - t0;

    expect(verifyReportSchema.parse(r)).toEqual(r);
    expect(r.converged).toBe(true);
    expect(r.summary).toMatchObject({ checks: 3, passed: 3, failed: 0 });
    expect(byId(r, 'leaf1', 'port Ethernet0 up (STATE_DB)').timeToConvergeMs).toBeGreaterThanOrEqual(140);
    expect(byId(r, 'leaf1', 'port Ethernet4 up (STATE_DB)').timeToConvergeMs).toBeGreaterThanOrEqual(290);
    expect(byId(r, 'leaf1', 'route to leaf2').seen).toBe('2 next hop(s): 10.0.0.0,10.0.0.2');
    expect(r.summary.timeToConvergeMs).toBeGreaterThanOrEqual(290);
    expect(r.switches[0]!.timeToConvergeMs).toBe(r.summary.timeToConvergeMs);
    // Debounce (50 ms) plus a read, not a polling interval and certainly not the budget.
    expect(ended - lastEvent).toBeLessThan(250);
    // 2 first reads (not all passing: subscribed) + 2 after subscribing + 1 re-read for the
    // burst + at most 2 for the last events; each re-read names only the table that changed.
    expect(t.reads.length).toBeLessThanOrEqual(7);
    expect(t.reads.slice(4).every((tables) => tables?.length === 1)).toBe(true);
    expect(t.watches).toBe(2);
    expect(t.unwatched).toBe(t.watches);
  });

  it('a switch whose checks all pass on the first reads is read once per database and never subscribed', async () => {
    const mem = new MemoryTransport('leaf1');
    mem.setState('STATE_DB', 'PORT_TABLE|Ethernet0', UP);
    mem.setState('APPL_DB', 'ROUTE_TABLE:10.1.0.2', { nexthop: '10.0.0.0,10.0.0.2', ifname: 'Ethernet0,Ethernet4', protocol: 'bgp' });
    const t = new CountingTransport(mem);
    const checks = [portUp('leaf1', 'Ethernet0'), check('leaf1', 'route to leaf2', 'APPL_DB', { type: 'nexthops', keys: ['ROUTE_TABLE:10.1.0.2/32', 'ROUTE_TABLE:10.1.0.2'], count: 2 }, 'route')];
    const r = await verifyFabric({ links: [link('leaf1', t)], checks, timeoutMs: 10_000 });
    expect(r.converged).toBe(true);
    expect(t.reads).toHaveLength(2);
    expect(t.watches).toBe(0);
    // One failing check: subscribed, read again, and the change after that is heard.
    const late = new CountingTransport(mem);
    const run = verifyFabric({ links: [link('leaf1', late)], checks: [...checks, portUp('leaf1', 'Ethernet4')], timeoutMs: 10_000 });
    for (const deadline = Date.now() + 2_000; late.watches < 2 && Date.now() < deadline; ) await sleep(10);
    expect(late.watches).toBe(2);
    mem.setState('STATE_DB', 'PORT_TABLE|Ethernet4', UP);
    const r2 = await run;
    expect(r2.converged).toBe(true);
    expect(late.reads.length).toBeGreaterThanOrEqual(5); // 2 first, 2 after subscribing, the re-read the event caused
    expect(late.unwatched).toBe(late.watches);
  });

  it('a switch that fails a check and then cannot be subscribed to fails with that error, at once', async () => {
    const mem = new MemoryTransport('leaf1');
    const t = new CountingTransport(mem);
    t.watchFails = new Error('subscribe refused: NOPERM this user has no permissions to run the psubscribe command');
    const t0 = Date.now();
    const r = await verifyFabric({ links: [link('leaf1', t)], checks: [portUp('leaf1', 'Ethernet0')], timeoutMs: 10_000 });
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(r.converged).toBe(false);
    expect(r.switches[0]!.error).toBe('leaf1 (memory:leaf1): subscribe refused: NOPERM this user has no permissions to run the psubscribe command');
    expect(t.reads).toHaveLength(1); // the first read, then the refused subscription
  });

  it('does not lose a change made between the first snapshot and the first event', async () => {
    const mem = new MemoryTransport('leaf1');
    const t = new CountingTransport(mem);
    let once = true;
    t.afterRead = () => {
      if (once) mem.setState('STATE_DB', 'PORT_TABLE|Ethernet0', UP);
      once = false;
    };
    const r = await verifyFabric({ links: [link('leaf1', t)], checks: [portUp('leaf1', 'Ethernet0')], timeoutMs: 5_000 });
    expect(r.converged).toBe(true);
    expect(r.durationMs).toBeLessThan(1_000);
  });

  it('fails after the budget with what was expected and what was seen', async () => {
    const mem = new MemoryTransport('leaf1');
    mem.setState('STATE_DB', 'PORT_TABLE|Ethernet0', { state: 'ok', netdev_oper_status: 'down' });
    const checks = [portUp('leaf1', 'Ethernet0'), portUp('leaf1', 'Ethernet4'), check('leaf1', 'session', 'STATE_DB', { type: 'fields', keys: ['NEIGH_STATE_TABLE|10.0.0.0'], fields: { state: 'Established' } }, 'bgp-session')];
    mem.setState('STATE_DB', 'NEIGH_STATE_TABLE|10.0.0.0', { state: 'Established', peerType: 'e-BGP' });
    const t0 = Date.now();
    const r = await verifyFabric({ links: [link('leaf1', mem)], checks, timeoutMs: 300 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(295);
    expect(Date.now() - t0).toBeLessThan(1_500);
    expect(r.converged).toBe(false);
    expect(r.summary).toMatchObject({ checks: 3, passed: 1, failed: 2, timeToConvergeMs: null });
    const eth0 = byId(r, 'leaf1', 'port Ethernet0 up (STATE_DB)');
    expect(eth0).toMatchObject({ pass: false, expected: 'PORT_TABLE|Ethernet0 state=ok netdev_oper_status=up', seen: 'netdev_oper_status=down', timeToConvergeMs: null });
    expect(byId(r, 'leaf1', 'port Ethernet4 up (STATE_DB)').seen).toBe('PORT_TABLE|Ethernet4 absent');
    expect(byId(r, 'leaf1', 'session')).toMatchObject({ pass: true, seen: 'state=Established' });
    expect(r.switches[0]!.timeToConvergeMs).toBeNull();
  });

  it('keeps the time of the last transition to passing when a check flaps', async () => {
    const mem = new MemoryTransport('leaf1');
    mem.setState('STATE_DB', 'PORT_TABLE|Ethernet0', UP);
    const run = verifyFabric({ links: [link('leaf1', mem)], checks: [portUp('leaf1', 'Ethernet0'), portUp('leaf1', 'Ethernet4')], timeoutMs: 5_000 });
    await sleep(100);
    mem.setState('STATE_DB', 'PORT_TABLE|Ethernet0', { ...UP, netdev_oper_status: 'down' });
    await sleep(150);
    mem.setState('STATE_DB', 'PORT_TABLE|Ethernet0', UP);
    await sleep(150);
    mem.setState('STATE_DB', 'PORT_TABLE|Ethernet4', UP);
    const r = await run;
    expect(r.converged).toBe(true);
    expect(byId(r, 'leaf1', 'port Ethernet0 up (STATE_DB)').timeToConvergeMs).toBeGreaterThanOrEqual(240);
    expect(byId(r, 'leaf1', 'port Ethernet4 up (STATE_DB)').timeToConvergeMs).toBeGreaterThanOrEqual(390);
  });

  it('catches an unexpected BGP neighbor with only-keys, and passes once it is gone', async () => {
    const mem = new MemoryTransport('leaf1');
    const onlyKeys = check('leaf1', 'no unexpected BGP neighbor', 'STATE_DB', { type: 'only-keys', prefix: 'NEIGH_STATE_TABLE|', allowed: ['NEIGH_STATE_TABLE|10.0.0.0'] }, 'bgp-unexpected');
    mem.setState('STATE_DB', 'NEIGH_STATE_TABLE|10.0.0.0', { state: 'Established' });
    mem.setState('STATE_DB', 'NEIGH_STATE_TABLE|10.9.9.9', { state: 'Active' });
    const failed = await verifyFabric({ links: [link('leaf1', mem)], checks: [onlyKeys], timeoutMs: 200 });
    expect(byId(failed, 'leaf1', onlyKeys.id)).toMatchObject({ pass: false, seen: 'unexpected: 10.9.9.9', expected: 'NEIGH_STATE_TABLE|* only 10.0.0.0' });

    const run = verifyFabric({ links: [link('leaf1', mem)], checks: [onlyKeys], timeoutMs: 5_000 });
    await sleep(100);
    mem.setState('STATE_DB', 'NEIGH_STATE_TABLE|10.9.9.9', undefined); // a deletion is an event too
    const r = await run;
    expect(byId(r, 'leaf1', onlyKeys.id)).toMatchObject({ pass: true, seen: 'none' });
    expect(r.durationMs).toBeLessThan(1_000);
  });
});

describe('verifyFabric: switches that cannot be read', () => {
  it('reports an unreachable switch with switch, endpoint and cause; the others still pass', async () => {
    const good = new MemoryTransport('leaf1');
    good.setState('STATE_DB', 'PORT_TABLE|Ethernet0', UP);
    const down = new MemoryTransport('leaf2');
    down.reachable = false;
    const opened: (SwitchLink & { closed: number })[] = [];
    const r = await verifyFabric({
      links: async (name) => {
        if (name === 'leaf3') throw new Error('leaf3: the inventory has no redis block for this switch');
        const l = link(name, name === 'leaf1' ? good : down);
        opened.push(l);
        return l;
      },
      checks: [portUp('leaf1', 'Ethernet0'), portUp('leaf2', 'Ethernet0'), portUp('leaf2', 'Ethernet4'), portUp('leaf3', 'Ethernet0')],
      timeoutMs: 5_000,
    });
    expect(r.converged).toBe(false);
    const [leaf1, leaf2, leaf3] = r.switches;
    expect(leaf1).toMatchObject({ name: 'leaf1', passed: 1, total: 1, error: null, endpoint: 'memory:leaf1' });
    expect(leaf2).toMatchObject({ name: 'leaf2', passed: 0, total: 2, endpoint: 'memory:leaf2' });
    expect(leaf2!.error).toBe('leaf2 (memory:leaf2): cannot connect: switch is down');
    expect(leaf2!.checks.every((c) => !c.pass && c.seen === leaf2!.error)).toBe(true);
    expect(leaf3).toMatchObject({ name: 'leaf3', endpoint: null, error: 'leaf3: the inventory has no redis block for this switch' });
    // The run did not wait out the budget for switches it cannot read.
    expect(r.durationMs).toBeLessThan(1_000);
    // Links verify opened, verify closed.
    expect(opened.map((l) => l.closed)).toEqual([1, 1]);
  });

  it('a switch that goes away while waiting fails with its error; links given by the caller stay open', async () => {
    const mem = new MemoryTransport('leaf1');
    const l = link('leaf1', mem);
    const run = verifyFabric({ links: [l], checks: [portUp('leaf1', 'Ethernet0')], timeoutMs: 5_000 });
    await sleep(100);
    mem.reachable = false;
    mem.setState('STATE_DB', 'PORT_TABLE|Ethernet0', UP);
    const r = await run;
    expect(r.switches[0]!.error).toContain('leaf1 (memory:leaf1): cannot connect');
    expect(r.durationMs).toBeLessThan(1_000);
    expect(l.closed).toBe(0);
  });
});

describe('verifyFabric: FRR (switches without bgpmon)', () => {
  const frrChecks = [
    check('leaf1', 'session 10.0.0.0 (spine1) Established', 'FRR', { type: 'fields', keys: ['NEIGH_STATE_TABLE|10.0.0.0'], fields: { state: 'Established' } }, 'bgp-session'),
    check('leaf1', 'session 10.0.0.2 (spine2) Established', 'FRR', { type: 'fields', keys: ['NEIGH_STATE_TABLE|10.0.0.2'], fields: { state: 'Established' } }, 'bgp-session'),
    check('leaf1', 'no unexpected BGP neighbor', 'FRR', { type: 'only-keys', prefix: 'NEIGH_STATE_TABLE|', allowed: ['NEIGH_STATE_TABLE|10.0.0.0', 'NEIGH_STATE_TABLE|10.0.0.2'] }, 'bgp-unexpected'),
  ];

  it('polls `show bgp summary json` through the exec channel until the sessions are up', async () => {
    const peers: Record<string, string> = { '10.0.0.0': 'Active', '10.0.0.2': 'Connect' };
    const frr = fakeFrr(peers);
    const run = verifyFabric({ links: [link('leaf1', new MemoryTransport('leaf1'), frr.exec)], checks: frrChecks, timeoutMs: 5_000, frrPollMs: 100 });
    await sleep(250);
    peers['10.0.0.0'] = 'Established';
    peers['10.0.0.2'] = 'Established';
    const r = await run;
    expect(r.converged).toBe(true);
    expect(byId(r, 'leaf1', 'session 10.0.0.0 (spine1) Established')).toMatchObject({ pass: true, seen: 'state=Established' });
    expect(byId(r, 'leaf1', 'session 10.0.0.0 (spine1) Established').timeToConvergeMs).toBeGreaterThanOrEqual(240);
    expect(frr.calls.length).toBeGreaterThanOrEqual(3);
    expect(frr.calls.every((c) => JSON.stringify(c) === JSON.stringify(FRR_SUMMARY_ARGV))).toBe(true);
    // Polling stops with the run.
    const n = frr.calls.length;
    await sleep(250);
    expect(frr.calls.length).toBe(n);
  });

  it('reports an unexpected FRR peer, and says why when there is no exec channel', async () => {
    const frr = fakeFrr({ '10.0.0.0': 'Established', '10.0.0.2': 'Established', '10.0.0.9': 'Idle' });
    const r = await verifyFabric({ links: [link('leaf1', new MemoryTransport('leaf1'), frr.exec)], checks: frrChecks, timeoutMs: 250, frrPollMs: 100 });
    expect(byId(r, 'leaf1', 'no unexpected BGP neighbor')).toMatchObject({ pass: false, seen: 'unexpected: 10.0.0.9' });
    expect(r.summary).toMatchObject({ passed: 2, failed: 1 });

    const none = await verifyFabric({ links: [link('leaf1', new MemoryTransport('leaf1'))], checks: frrChecks.slice(0, 1), timeoutMs: 100 });
    expect(none.switches[0]!.checks[0]!.seen).toMatch(/no exec channel/);
  });

  it('a failing vtysh is shown as what was seen', async () => {
    const exec: ExecChannel = { endpoint: 'fake-exec', run: async () => ({ code: 1, stdout: '', stderr: 'bgpd is not running' }) };
    const r = await verifyFabric({ links: [link('leaf1', new MemoryTransport('leaf1'), exec)], checks: frrChecks.slice(0, 1), timeoutMs: 150, frrPollMs: 50 });
    expect(r.switches[0]!.checks[0]!.seen).toBe('vtysh failed (fake-exec): bgpd is not running');
    expect(r.switches[0]!.error).toBeNull();
  });
});

describe('verifyFabric: the checks of a whole fabric', () => {
  const compiled = compileDc1();

  /** What a converged switch holds, made from what the checks expect. */
  function converge(checks: readonly Check[], transports: Map<string, MemoryTransport>, frrPeers: Map<string, Record<string, string>>): void {
    for (const c of checks) {
      const e = c.expect;
      if (c.db === 'FRR') {
        if (e.type === 'fields') (frrPeers.get(c.switch) ?? frrPeers.set(c.switch, {}).get(c.switch)!)[e.keys[0]!.split('|')[1]!] = 'Established';
        continue;
      }
      const t = transports.get(c.switch)!;
      if (e.type === 'fields') t.setState(c.db, e.keys[0]!, { ...t.dbs[c.db].get(e.keys[0]!), ...e.fields });
      if (e.type === 'nexthops') t.setState(c.db, e.keys[1] ?? e.keys[0]!, { nexthop: Array.from({ length: e.count }, (_, i) => `10.0.0.${2 * i}`).join(','), protocol: 'bgp' });
      if (e.type === 'lldp') t.setState(c.db, e.key, { lldp_rem_sys_name: e.sysName, lldp_rem_port_id: e.portIds[0]! });
    }
  }

  it('a converged dc1 passes every check, sonic switches from STATE_DB/APPL_DB and a legacy-vs one through FRR', async () => {
    const checks = buildChecks(compiled.intents, { flavourOf: (s) => (s.name === 'leaf4' ? 'legacy-vs' : 'sonic') });
    expect(checks.some((c) => c.switch === 'leaf4' && c.db === 'FRR')).toBe(true);
    const transports = new Map(compiled.intents.map((s) => [s.name, new MemoryTransport(s.name)]));
    const frrPeers = new Map<string, Record<string, string>>();
    // Half the switches are converged before verify starts, the other half during it.
    const early = checks.filter((c) => ['spine1', 'leaf1', 'leaf2'].includes(c.switch));
    converge(early, transports, frrPeers);
    const links = compiled.intents.map((s) => link(s.name, transports.get(s.name)!, fakeFrr((frrPeers.get(s.name) ?? frrPeers.set(s.name, {}).get(s.name))!, s.asn).exec));
    const run = verifyFabric({ links, checks, timeoutMs: 10_000, concurrency: 8, frrPollMs: 100 });
    await sleep(100);
    converge(checks.filter((c) => !early.includes(c)), transports, frrPeers);
    const r = await run;
    const failing = r.switches.flatMap((s) => s.checks.filter((c) => !c.pass).map((c) => `${s.name}: ${c.id}: ${c.seen}`));
    expect(failing).toEqual([]);
    expect(r.converged).toBe(true);
    expect(r.switches.map((s) => s.name)).toEqual(compiled.intents.map((s) => s.name));
    expect(r.summary.checks).toBe(checks.length);
    expect(r.durationMs).toBeLessThan(2_000);
  });

  it('checks built per switch and a report of the failing ones only: the same counts and failures, the passing checks counted per kind', async () => {
    const flavourOf = (s: { name: string }): 'sonic' | 'legacy-vs' => (s.name === 'leaf4' ? 'legacy-vs' : 'sonic');
    const checks = buildChecks(compiled.intents, { flavourOf });
    const transports = new Map(compiled.intents.map((s) => [s.name, new MemoryTransport(s.name)]));
    const frrPeers = new Map<string, Record<string, string>>();
    converge(checks, transports, frrPeers);
    // One route of leaf1 is missing.
    const route = checks.find((c) => c.switch === 'leaf1' && c.kind === 'route')!;
    for (const k of route.expect.type === 'nexthops' ? route.expect.keys : []) transports.get('leaf1')!.dbs.APPL_DB.delete(k);
    const links = compiled.intents.map((s) => link(s.name, transports.get(s.name)!, fakeFrr((frrPeers.get(s.name) ?? frrPeers.set(s.name, {}).get(s.name))!, s.asn).exec));
    const switches = compiled.intents.map((s) => s.name);
    const run = (listAll: boolean) => verifyFabric({ links, checks: checkBuilder(compiled.intents, { flavourOf }), switches, listAll, timeoutMs: 300, frrPollMs: 50 });
    const all = await run(true);
    const compact = verifyReportSchema.parse(await run(false));
    expect(all.checksListed).toBe('all');
    expect(compact.checksListed).toBe('failing');
    expect(compact.summary).toEqual({ ...all.summary });
    expect(compact.summary).toMatchObject({ checks: checks.length, failed: 1 });
    const leaf1 = compact.switches.find((s) => s.name === 'leaf1')!;
    expect(leaf1.checks.map((c) => [c.id, c.pass, c.seen])).toEqual([[route.id, false, 'no route']]);
    for (const sw of compact.switches) {
      const full = all.switches.find((s) => s.name === sw.name)!;
      expect(full.checks).toHaveLength(full.total);
      expect(sw.checks.map((c) => [c.id, c.seen])).toEqual(full.checks.filter((c) => !c.pass).map((c) => [c.id, c.seen]));
      // Per kind and database, the passing checks of the full list.
      const counted = new Map<string, number>();
      for (const c of full.checks) if (c.pass) counted.set(`${c.kind} ${c.db}`, (counted.get(`${c.kind} ${c.db}`) ?? 0) + 1);
      expect(new Map(sw.passing.map((g) => [`${g.kind} ${g.db}`, g.count]))).toEqual(counted);
    }
    expect(compact.switches.find((s) => s.name === 'leaf4')!.passing.some((g) => g.kind === 'bgp-session' && g.db === 'FRR')).toBe(true);
  });

  it('describes every kind of expectation in words', () => {
    const checks = buildChecks(compiled.intents);
    const kinds = new Map(checks.map((c) => [c.expect.type, describeExpectation(c.expect)] as const).reverse()); // the first of each type
    expect(kinds.get('fields')).toMatch(/^PORT_TABLE\|Ethernet\d+ state=ok netdev_oper_status=up$/);
    expect(kinds.get('nexthops')).toMatch(/^ROUTE_TABLE:10\.\S+\/32 or ROUTE_TABLE:10\.\S+ with \d next hop\(s\)$/);
    expect(kinds.get('only-keys')).toMatch(/^NEIGH_STATE_TABLE\|\* only /);
    expect(kinds.get('lldp')).toMatch(/^LLDP_ENTRY_TABLE:Ethernet\d+ lldp_rem_sys_name=\S+ lldp_rem_port_id=\S+ or Ethernet\d+$/);
  });
});

describe('verifyFabric: a dead routing daemon (switches with bgpmon and an exec channel)', () => {
  const session = check('spine1', 'session 10.1.0.1 (leaf1) Established', 'STATE_DB', { type: 'fields', keys: ['NEIGH_STATE_TABLE|10.1.0.1'], fields: { state: 'Established' } }, 'bgp-session');
  const port = check('spine1', 'port Ethernet0 up (STATE_DB)', 'STATE_DB', { type: 'fields', keys: ['PORT_TABLE|Ethernet0'], fields: { state: 'ok', netdev_oper_status: 'up' } });
  /** STATE_DB as bgpmon left it: the session Established (stale once bgpd is dead). */
  const stale = () => {
    const mem = new MemoryTransport('spine1');
    mem.setState('STATE_DB', 'NEIGH_STATE_TABLE|10.1.0.1', { state: 'Established', peerType: 'e-BGP' });
    mem.setState('STATE_DB', 'PORT_TABLE|Ethernet0', UP);
    return mem;
  };
  const vtysh = (answer: () => { code: number; stdout: string; stderr: string }) => {
    const calls: string[] = [];
    const exec: ExecChannel = { endpoint: 'fake-exec', run: async (argv) => (calls.push(argv.join(' ')), answer()) };
    return { exec, calls };
  };

  it('does not pass sessions on stale STATE_DB while bgpd is not running, and says so', async () => {
    const v = vtysh(() => ({ code: 0, stdout: ' zebra\n', stderr: '' }));
    const r = await verifyFabric({ links: [link('spine1', stale(), v.exec)], checks: [session, port], timeoutMs: 300, frrPollMs: 100 });
    expect(r.converged).toBe(false);
    expect(byId(r, 'spine1', session.id)).toMatchObject({ pass: false, seen: 'routing daemon down: bgpd not running (fake-exec)' });
    expect(byId(r, 'spine1', port.id).pass).toBe(true); // ports do not come from FRR
    expect(r.switches[0]!.error).toBeNull();
    expect(v.calls.every((c) => c === DAEMONS_ARGV.join(' '))).toBe(true);
  });

  it('a vtysh that reaches no daemon names both; one that fails leaves the sessions unknown', async () => {
    const none = vtysh(() => ({ code: 1, stdout: '', stderr: 'Exiting: failed to connect to any daemons.\n' }));
    const r = await verifyFabric({ links: [link('spine1', stale(), none.exec)], checks: [session], timeoutMs: 200, frrPollMs: 100 });
    expect(byId(r, 'spine1', session.id).seen).toBe('routing daemon down: zebra, bgpd not running (fake-exec)');
    const broken = vtysh(() => ({ code: 1, stdout: '', stderr: 'Error response from daemon: Container bgp is not running' }));
    const u = await verifyFabric({ links: [link('spine1', stale(), broken.exec)], checks: [session], timeoutMs: 200, frrPollMs: 100 });
    expect(byId(u, 'spine1', session.id)).toMatchObject({
      pass: false,
      seen: 'state=Established, but the routing daemons are unknown: vtysh failed (fake-exec): Error response from daemon: Container bgp is not running',
    });
  });

  it('a switch reached by gNMI only (its exec channel runs no vtysh: 127) is judged on STATE_DB as it is', async () => {
    const gnmiOnly = vtysh(() => ({ code: 127, stdout: '', stderr: 'vtysh -c show daemons: this switch is reached by gNMI only' }));
    const r = await verifyFabric({ links: [link('spine1', stale(), gnmiOnly.exec)], checks: [session], timeoutMs: 2_000, frrPollMs: 100 });
    expect(r.converged).toBe(true);
    expect(byId(r, 'spine1', session.id)).toMatchObject({ pass: true, seen: 'state=Established' });
  });

  it('passes once bgpd runs again', async () => {
    let stdout = ' zebra\n';
    const v = vtysh(() => ({ code: 0, stdout, stderr: '' }));
    const run = verifyFabric({ links: [link('spine1', stale(), v.exec)], checks: [session], timeoutMs: 5_000, frrPollMs: 100 });
    await sleep(250);
    stdout = ' zebra bgpd\n';
    const r = await run;
    expect(r.converged).toBe(true);
    expect(byId(r, 'spine1', session.id).timeToConvergeMs).toBeGreaterThanOrEqual(240);
  });

  it('the watcher judges again on each change of the daemons, however often bgpd comes and goes', async () => {
    // Each change re-judges the sessions on the tables they were last read from; a re-judge
    // must not stack on the last one (it once recursed until the stack ran out).
    const answers = [' zebra\n', ' zebra bgpd\n', ' zebra\n', ' zebra bgpd\n', ' zebra\n', ' zebra bgpd\n', ' zebra\n'];
    let n = 0;
    const v = vtysh(() => ({ code: 0, stdout: answers[Math.min(n++, answers.length - 1)]!, stderr: '' }));
    const l = link('spine1', stale(), v.exec);
    const seen: string[] = [];
    const w = await watchChecks(new Map([['spine1', l]]), [session], {
      frrPollMs: 20,
      daemons: true,
      onChange: (rs) => {
        const now = rs[0]!.seen;
        if (seen.at(-1) !== now) seen.push(now);
      },
    });
    while (n < answers.length + 2) await sleep(20);
    await w.stop();
    const down = 'routing daemon down: bgpd not running (fake-exec)';
    expect(seen.filter((x) => x !== 'not read' && x !== 'state=Established, but the routing daemons are not checked yet')).toEqual([down, 'state=Established', down, 'state=Established', down, 'state=Established', down]);
    expect(w.results[0]).toMatchObject({ pass: false, seen: down });
  });
});

describe('verify reads a converged switch in one round trip', () => {
  it('each read expects every key the switch holds in the tables read (checks and CheckBuilder.expected)', async () => {
    const m = await convergedFabric();
    const asked = recordExpects(m, ['leaf1', 'spine1']);
    const links = ['leaf1', 'spine1'].map((name): SwitchLink => ({ name, transport: memSwitch(m, name).transport, close: async () => undefined }));
    const report = await verifyFabric({ links, checks: checkBuilder(m.session.loaded.intents), switches: ['leaf1', 'spine1'], timeoutMs: 2_000 });
    expect(report.converged).toBe(true);
    for (const name of ['leaf1', 'spine1'])
      for (const db of ['STATE_DB', 'APPL_DB'] as const) {
        const want = new Set(asked.get(`${name} ${db}`));
        const held = heldInCheckedTables(m, name, db);
        expect(held.length).toBeGreaterThan(40);
        expect(held.filter((k) => !want.has(k)), `${name} ${db}`).toEqual([]);
      }
  });
});
