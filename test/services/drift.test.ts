// drift on a whole dc1 fabric of in-memory switches behind the real services: converged after a
// real plan/apply, then each kind of drift made the way it shows on a switch (a CONFIG_DB key
// edited or deleted, STATE_DB/APPL_DB as SONiC's daemons leave them when a link goes down or
// cables are swapped, a switch that does not answer). Each is found once, in the right class,
// with the right remediation; what follows from it points at it.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildChecks, lookedUp } from '../../src/core/checks/checks.ts';
import { loadFabric } from '../../src/io/fabric.ts';
import { driftReportSchema, type DriftReport, type FindingJson } from '../../src/results/drift-schema.ts';
import { applyFabric } from '../../src/services/apply.ts';
import { APPL_TABLES, STATE_TABLES, driftFabric } from '../../src/services/drift.ts';
import { hasWork, planFabric } from '../../src/services/plan.ts';
import { FabricSession } from '../../src/services/session.ts';
import { convergedFabric, heldInCheckedTables, linkDown, memSwitch, mergeState, recordExpects, setState, type Fabric } from '../support/drift-fabric.ts';
import { memoryFabric } from '../support/memory-fabric.ts';

const sw = memSwitch;
const cfg = (m: Fabric, name: string) => sw(m, name).transport.dbs.CONFIG_DB;
const set = setState;
const merge = mergeState;
const converged = convergedFabric;
const roots = (r: DriftReport) => r.findings.filter((f) => f.causedBy === null);
const byId = (r: DriftReport, id: string) => r.findings.find((f) => f.id === id);

async function drift(m: Fabric): Promise<DriftReport> {
  const r = await driftFabric(m.session);
  driftReportSchema.parse(r);
  return r;
}

/** Every finding that is not `root` is explained by it. */
function onlyRoot(r: DriftReport, root: FindingJson): void {
  expect(roots(r).map((f) => f.id)).toEqual([root.id]);
  for (const f of r.findings) if (f !== root) expect(f.causedBy, f.id).toBe(root.id);
}

describe('drift on a converged fabric', () => {
  it('finds nothing: no false positive, over several rounds', async () => {
    const m = await converged();
    // Noise a converged fabric has: host routes with "/32" on some switches, LLDP and a down
    // state on uncabled ports, server ports without servers.
    const route = sw(m, 'leaf2').transport.dbs.APPL_DB.get('ROUTE_TABLE:10.0.0.5')!;
    set(m, 'leaf2', 'APPL_DB', 'ROUTE_TABLE:10.0.0.5', undefined);
    set(m, 'leaf2', 'APPL_DB', 'ROUTE_TABLE:10.0.0.5/32', route);
    set(m, 'leaf1', 'APPL_DB', 'LLDP_ENTRY_TABLE:Ethernet100', { lldp_rem_sys_name: 'somebody', lldp_rem_port_id: 'eth0' });
    for (let round = 0; round < 3; round++) {
      const r = await drift(m);
      expect(r.findings).toEqual([]);
      expect(r.drift).toBe(false);
      expect(r.switches.map((s) => [s.name, s.state, s.endpoint])).toEqual(['spine1', 'spine2', 'leaf1', 'leaf2', 'leaf3', 'leaf4'].map((n) => [n, 'ok', `memory:${n}`]));
      expect(r.links.map((l) => l.state)).toEqual(Array(8).fill('ok'));
    }
  });

  it('finds nothing on a fabric of switches without bgpcfgd/bgpmon/lldp (BGP state from FRR)', async () => {
    const m = await converged({ flavour: 'legacy-vs' });
    const r = await drift(m);
    expect(r.findings).toEqual([]);
    expect(r.switches.every((s) => s.flavour === 'legacy-vs')).toBe(true);
  });

  it('finds nothing on a 4-spine, 32-leaf pod', async () => {
    const m = await converged({ fabric: 'pod4x32' });
    const r = await drift(m);
    expect(r.findings).toEqual([]);
    expect(r.links).toHaveLength(128);
  });

  it('reads exactly the tables the convergence checks use', async () => {
    const m = await memoryFabric();
    const tables = (db: string, sep: string) =>
      new Set(
        buildChecks(m.session.loaded.intents)
          .filter((c) => c.db === db)
          .map((c) => {
            const e = c.expect;
            const key = e.type === 'only-keys' ? e.prefix : e.type === 'lldp' ? e.key : e.keys[0]!;
            return key.slice(0, key.indexOf(sep));
          }),
      );
    expect(tables('STATE_DB', '|')).toEqual(new Set(STATE_TABLES));
    expect(tables('APPL_DB', ':')).toEqual(new Set(APPL_TABLES));
  });

  it('its STATE_DB and APPL_DB reads expect what the checks look up: a converged switch in one round trip', async () => {
    const m = await converged();
    const asked = recordExpects(m, ['leaf1', 'spine1']);
    expect((await drift(m)).findings).toEqual([]);
    for (const name of ['leaf1', 'spine1']) {
      const checks = buildChecks(m.session.loaded.intents).filter((c) => c.switch === name);
      for (const db of ['STATE_DB', 'APPL_DB'] as const) {
        const asks = asked.get(`${name} ${db}`)!;
        const want = new Set(asks);
        // Every key a check looks up, once each.
        for (const c of checks.filter((c) => c.db === db)) for (const k of lookedUp(c)) expect(want.has(k), `${name} ${c.id}: ${k}`).toBe(true);
        expect(want.size).toBe(asks.length);
        // Everything the converged switch holds in the tables read was expected, the ports the
        // fabric does not use included: nothing is left for a second round trip.
        const held = heldInCheckedTables(m, name, db);
        expect(held.length).toBeGreaterThan(40);
        expect(held.filter((k) => !want.has(k)), `${name} ${db}`).toEqual([]);
      }
    }
  });
});

describe('config drift: the change `clos apply` makes, classified', () => {
  it('a field edited on the switch is changed-outside, remediated by exactly that field', async () => {
    const m = await converged();
    cfg(m, 'leaf1').set('PORT|Ethernet120', { ...cfg(m, 'leaf1').get('PORT|Ethernet120')!, description: 'hand edit' });
    const r = await drift(m);
    expect(r.findings).toHaveLength(1);
    const f = r.findings[0]!;
    expect(f).toMatchObject({
      id: 'leaf1/changed-outside/PORT|Ethernet120',
      switch: 'leaf1',
      object: 'PORT|Ethernet120',
      class: 'changed-outside',
      severity: 'warning',
      expected: 'description=spine1:Ethernet0',
      actual: 'description=hand edit',
      detail: 'clos last applied description=spine1:Ethernet0',
      link: 'leaf1 -- spine1',
      causedBy: null,
      remediation: { kind: 'apply', text: 'clos apply: update PORT|Ethernet120 description=spine1:Ethernet0', change: { op: 'update', key: 'PORT|Ethernet120', set: { description: 'spine1:Ethernet0' }, impact: 'none' } },
    });
    expect(r.links.find((l) => l.id === 'leaf1 -- spine1')!.state).toBe('warning');
    // The remediation is what apply does: apply, and drift is empty.
    await applyFabric(m.session, await planFabric(m.session));
    expect((await drift(m)).findings).toEqual([]);
  });

  it('a deleted BGP_NEIGHBOR is missing; the session and routes that go with it point at it', async () => {
    const m = await converged();
    cfg(m, 'leaf1').delete('BGP_NEIGHBOR|10.1.0.0');
    // What bgpcfgd and bgpmon do next: the peer leaves FRR; spine1's side of it goes Active;
    // routes through spine1 go.
    set(m, 'leaf1', 'STATE_DB', 'BGP_PEER_CONFIGURED_TABLE|10.1.0.0', undefined);
    set(m, 'leaf1', 'STATE_DB', 'NEIGH_STATE_TABLE|10.1.0.0', undefined);
    set(m, 'spine1', 'STATE_DB', 'NEIGH_STATE_TABLE|10.1.0.1', { state: 'Active', peerType: 'e-BGP' });
    for (const dest of ['10.0.0.4', '10.0.0.5', '10.0.0.6']) merge(m, 'leaf1', 'APPL_DB', `ROUTE_TABLE:${dest}`, { nexthop: '10.1.0.2', ifname: 'Ethernet124' });
    set(m, 'leaf1', 'APPL_DB', 'ROUTE_TABLE:10.0.0.1', undefined);
    set(m, 'spine1', 'APPL_DB', 'ROUTE_TABLE:10.0.0.3', undefined);
    for (const leaf of ['leaf2', 'leaf3', 'leaf4']) merge(m, leaf, 'APPL_DB', 'ROUTE_TABLE:10.0.0.3', { nexthop: '10.1.0.x', ifname: 'Ethernet124' });
    const r = await drift(m);
    const missing = byId(r, 'leaf1/missing/BGP_NEIGHBOR|10.1.0.0')!;
    expect(missing).toMatchObject({
      class: 'missing',
      severity: 'error',
      actual: '(absent)',
      detail: 'clos applied this entry; it was removed outside clos',
      link: 'leaf1 -- spine1',
      remediation: { kind: 'apply', change: { op: 'add', key: 'BGP_NEIGHBOR|10.1.0.0' } },
    });
    expect(missing.expected).toBe('admin_status=up asn=65100 holdtime=9 keepalive=3 local_addr=10.1.0.1 name=spine1 nhopself=0 rrclient=0');
    expect(missing.remediation.text).toBe(`clos apply: add BGP_NEIGHBOR|10.1.0.0 ${missing.expected}`);
    onlyRoot(r, missing);
    expect(r.findings.filter((f) => f.class === 'missing')).toHaveLength(1);
    const session = byId(r, 'leaf1/not-converged/BGP session leaf1 10.1.0.1 -- spine1 10.1.0.0')!;
    expect(session.actual).toBe('leaf1 (peer 10.1.0.0): no session, not consumed by bgpcfgd; spine1 (peer 10.1.0.1): state Active');
    expect(r.findings.filter((f) => f.object.startsWith('route to'))).toHaveLength(3 + 1 + 1 + 3);
  });

  it('an unknown BGP_NEIGHBOR is foreign (BGP_NEIGHBOR is owned whole); apply deletes it', async () => {
    const m = await converged();
    cfg(m, 'leaf2').set('BGP_NEIGHBOR|10.99.0.1', { asn: '64999', admin_status: 'up', name: 'rogue' });
    set(m, 'leaf2', 'STATE_DB', 'BGP_PEER_CONFIGURED_TABLE|10.99.0.1', { asn: '64999' });
    set(m, 'leaf2', 'STATE_DB', 'NEIGH_STATE_TABLE|10.99.0.1', { state: 'Active', peerType: 'e-BGP' });
    const r = await drift(m);
    const extra = byId(r, 'leaf2/foreign/BGP_NEIGHBOR|10.99.0.1')!;
    expect(extra).toMatchObject({
      class: 'foreign',
      severity: 'warning',
      expected: '(absent: clos owns this scope)',
      actual: 'asn=64999 admin_status=up name=rogue',
      link: null,
      remediation: { kind: 'apply', text: 'clos apply: delete BGP_NEIGHBOR|10.99.0.1 (whole entry) (session removed)', change: { op: 'delete', after: null } },
    });
    onlyRoot(r, extra);
    expect(r.findings.map((f) => f.object)).toEqual(['BGP_NEIGHBOR|10.99.0.1', 'BGP session 10.99.0.1 (not in the fabric file)']);
    const plans = await planFabric(m.session);
    expect(plans.filter(hasWork).map((p) => p.changes.map((c) => `${c.op} ${c.key}`))).toEqual([['delete BGP_NEIGHBOR|10.99.0.1']]);
    await applyFabric(m.session, plans);
    set(m, 'leaf2', 'STATE_DB', 'NEIGH_STATE_TABLE|10.99.0.1', undefined);
    expect((await drift(m)).findings).toEqual([]);
  });

  it('a fabric file changed since the last apply is mismatch (info: apply pending); an edit on top of it is changed-outside', async () => {
    const m = await converged();
    const text = readFileSync(m.file, 'utf8').replace('keepalive: 3, holdtime: 9', 'keepalive: 5, holdtime: 15');
    writeFileSync(m.file, text);
    const loaded = await loadFabric(m.file, { writeLock: false });
    const session = new FabricSession(loaded, m.session.inventory, m.session.inventoryFile, m.session.state, m.session.opts);
    cfg(m, 'spine2').set('BGP_NEIGHBOR|10.1.0.3', { ...cfg(m, 'spine2').get('BGP_NEIGHBOR|10.1.0.3')!, holdtime: '30' });
    const r = await driftFabric(session);
    expect(r.findings).toHaveLength(16); // every neighbor of every switch
    expect(r.findings.every((f) => f.remediation.change?.op === 'replace' && f.remediation.change.impact === 'session-reset')).toBe(true);
    const edited = byId(r, 'spine2/changed-outside/BGP_NEIGHBOR|10.1.0.3')!;
    expect(edited).toMatchObject({ severity: 'warning', expected: 'holdtime=15 keepalive=5', actual: 'holdtime=30 keepalive=3', detail: expect.stringContaining('clos last applied holdtime=9 keepalive=3') });
    const pending = byId(r, 'leaf1/mismatch/BGP_NEIGHBOR|10.1.0.0')!;
    expect(pending).toMatchObject({ severity: 'info', expected: 'holdtime=15 keepalive=5', actual: 'holdtime=9 keepalive=3' });
    expect(pending.detail).toMatch(/^the switch holds what clos last applied; the fabric file changed since/);
    expect(pending.remediation.text).toBe('clos apply: replace BGP_NEIGHBOR|10.1.0.0 holdtime=15 keepalive=5 (session reset)');
  });

  it('a switch clos never applied: intended entries are missing (error), fields mismatch (warning)', async () => {
    const m = await memoryFabric();
    const r = await drift(m);
    const leaf1 = r.findings.filter((f) => f.switch === 'leaf1' && f.remediation.kind === 'apply');
    const plan = (await planFabric(m.session)).find((p) => p.switch === 'leaf1')!;
    // Drift is the plan, classified: one finding per change, the change itself as remediation.
    const ops = (xs: { op: string; key: string }[]) => xs.map((c) => `${c.op} ${c.key}`).sort();
    expect(ops(leaf1.map((f) => f.remediation.change!))).toEqual(ops([...plan.changes]));
    expect(byId(r, 'leaf1/missing/BGP_NEIGHBOR|10.1.0.0')!.severity).toBe('error');
    expect(byId(r, 'leaf1/mismatch/PORT|Ethernet120')).toMatchObject({ severity: 'warning', detail: 'clos has not applied this switch yet' });
  });
});

describe('operational drift', () => {
  it('a link set down is ONE finding at the end that was shut; sessions, LLDP and routes follow from it', async () => {
    const m = await converged();
    // `ip link set Ethernet120 down` on leaf1: portsyncd mirrors it; spine1 loses carrier.
    linkDown(m);
    const r = await drift(m);
    const link = byId(r, 'leaf1/not-converged/link leaf1:Ethernet120 -- spine1:Ethernet0')!;
    expect(link).toMatchObject({
      severity: 'error',
      expected: 'both ends admin up, oper up, mtu 9100',
      actual: 'leaf1 Ethernet120: admin down, oper down; spine1 Ethernet0: admin up, oper down',
      link: 'leaf1 -- spine1',
      remediation: { kind: 'investigate', change: null },
    });
    expect(link.remediation.text).toMatch(/^leaf1 Ethernet120 is administratively down on the switch while CONFIG_DB PORT\|Ethernet120 says up: bring it up \(`sudo config interface startup Ethernet120` on leaf1\)/);
    onlyRoot(r, link);
    expect(r.findings.map((f) => f.object)).toEqual(['BGP session leaf1 10.1.0.1 -- spine1 10.1.0.0', 'link leaf1:Ethernet120 -- spine1:Ethernet0', 'route to leaf1 10.0.0.3/32']);
    expect(r.links.find((l) => l.id === 'leaf1 -- spine1')).toMatchObject({ state: 'error', findings: 2 });
    expect(r.switches.find((s) => s.name === 'leaf2')!.state).toBe('ok'); // affected, not broken
  });

  it('a cable pulled (no carrier at either end) names the cable to check', async () => {
    const m = await converged();
    merge(m, 'leaf3', 'STATE_DB', 'PORT_TABLE|Ethernet124', { netdev_oper_status: 'down' });
    merge(m, 'spine2', 'STATE_DB', 'PORT_TABLE|Ethernet8', { netdev_oper_status: 'down' });
    const r = await drift(m);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ switch: 'leaf3', object: 'link leaf3:Ethernet124 -- spine2:Ethernet8', remediation: { text: 'no carrier between leaf3 Ethernet124 and spine2 Ethernet8: check the cable and optics at both ends' } });
  });

  it('two swapped cables are two cabling findings with the physical move; sessions follow', async () => {
    const m = await converged();
    // leaf1's uplinks swapped at the leaf: Ethernet120 now reaches spine2, Ethernet124 spine1.
    const lldp = (sys: string, port: string) => ({ lldp_rem_sys_name: sys, lldp_rem_port_id: port, lldp_rem_port_id_subtype: '7' });
    set(m, 'leaf1', 'APPL_DB', 'LLDP_ENTRY_TABLE:Ethernet120', lldp('spine2', 'fortyGigE0/0'));
    set(m, 'leaf1', 'APPL_DB', 'LLDP_ENTRY_TABLE:Ethernet124', lldp('spine1', 'fortyGigE0/0'));
    set(m, 'spine1', 'APPL_DB', 'LLDP_ENTRY_TABLE:Ethernet0', lldp('leaf1', 'fortyGigE0/124'));
    set(m, 'spine2', 'APPL_DB', 'LLDP_ENTRY_TABLE:Ethernet0', lldp('leaf1', 'fortyGigE0/120'));
    for (const [s, ip] of [['leaf1', '10.1.0.0'], ['leaf1', '10.1.0.2'], ['spine1', '10.1.0.1'], ['spine2', '10.1.0.3']] as const) set(m, s, 'STATE_DB', `NEIGH_STATE_TABLE|${ip}`, { state: 'Active' });
    const r = await drift(m);
    const cabling = r.findings.filter((f) => f.class === 'cabling');
    expect(cabling.map((f) => [f.switch, f.object, f.expected, f.actual, f.remediation.kind, f.remediation.text])).toEqual([
      [
        'leaf1',
        'cable leaf1:Ethernet120 -- spine1:Ethernet0',
        'leaf1 Ethernet120 cabled to spine1:Ethernet0',
        'leaf1 Ethernet120 sees spine2:Ethernet0; spine1 Ethernet0 sees leaf1:Ethernet124',
        'physical',
        'move the cable on leaf1 Ethernet120 from spine2:Ethernet0 to spine1:Ethernet0',
      ],
      [
        'leaf1',
        'cable leaf1:Ethernet124 -- spine2:Ethernet0',
        'leaf1 Ethernet124 cabled to spine2:Ethernet0',
        'leaf1 Ethernet124 sees spine1:Ethernet0; spine2 Ethernet0 sees leaf1:Ethernet120',
        'physical',
        'move the cable on leaf1 Ethernet124 from spine1:Ethernet0 to spine2:Ethernet0',
      ],
    ]);
    expect(roots(r).map((f) => f.id)).toEqual(cabling.map((f) => f.id));
    const sessions = r.findings.filter((f) => f.object.startsWith('BGP session'));
    expect(sessions.map((f) => [f.link, f.causedBy])).toEqual([
      ['leaf1 -- spine1', cabling[0]!.id],
      ['leaf1 -- spine2', cabling[1]!.id],
    ]);
  });

  it('routes missing or with fewer next hops than spines, and an address not applied', async () => {
    const m = await converged();
    set(m, 'leaf3', 'APPL_DB', 'ROUTE_TABLE:10.0.0.6', undefined);
    merge(m, 'leaf4', 'APPL_DB', 'ROUTE_TABLE:10.0.0.3', { nexthop: '10.1.0.12' });
    set(m, 'spine2', 'STATE_DB', 'INTERFACE_TABLE|Loopback0|10.0.0.2/32', undefined);
    const r = await drift(m);
    expect(r.findings.map((f) => [f.switch, f.object, f.actual, f.causedBy])).toEqual([
      ['spine2', 'address 10.0.0.2/32 on Loopback0', 'INTERFACE_TABLE|Loopback0|10.0.0.2/32 absent', null],
      ['leaf3', 'route to leaf4 10.0.0.6/32', 'no route', null],
      ['leaf4', 'route to leaf1 10.0.0.3/32', '1 next hop(s): 10.1.0.12', null],
    ]);
    expect(r.findings[2]!.expected).toBe('in APPL_DB ROUTE_TABLE with 2 next hop(s) (one per spine)');
  });

  it('legacy-vs: a session down and an unexpected peer in FRR; vtysh that fails is unreachable (vtysh)', async () => {
    const m = await converged({ flavour: 'legacy-vs' });
    sw(m, 'leaf4').frrPeers['10.1.0.14'] = { remoteAs: 65100, state: 'Idle' };
    sw(m, 'leaf3').frrPeers['192.0.2.9'] = { remoteAs: 64999, state: 'Active' };
    const connect = m.session.opts.connect!;
    const session = new FabricSession(m.session.loaded, m.session.inventory, m.session.inventoryFile, m.session.state, {
      ...m.session.opts,
      connect: async (name) => {
        const link = await connect(name);
        if (name !== 'leaf2') return link;
        return { ...link, exec: { endpoint: 'fake-exec leaf2', run: async () => ({ code: 1, stdout: '', stderr: 'vtysh: connection refused' }) } };
      },
    });
    const r = await driftFabric(session);
    expect(r.findings.map((f) => [f.switch, f.class, f.object, f.actual])).toEqual([
      ['leaf2', 'unreachable', 'vtysh (BGP state)', 'EXEC_FAILED: leaf2 (fake-exec leaf2): vtysh failed: vtysh: connection refused'],
      ['leaf3', 'not-converged', 'BGP session 192.0.2.9 (not in the fabric file)', 'peer 192.0.2.9 state Active'],
      ['leaf4', 'not-converged', 'BGP session leaf4 10.1.0.15 -- spine2 10.1.0.14', 'leaf4 (peer 10.1.0.14): state Idle; spine2: Established'],
    ]);
    expect(r.findings[0]!.remediation.text).toBe('check that leaf2 is up and answers at fake-exec leaf2');
    expect(r.findings[1]!.remediation.text).toContain('router bgp 65103');
  });

  it('a dead bgpd under stale STATE_DB is a finding: routing daemon down, with the exec endpoint', async () => {
    const m = await converged();
    sw(m, 'spine1').daemons = ['zebra']; // bgpd killed: bgpmon left NEIGH_STATE_TABLE Established
    const r = await drift(m);
    expect(r.findings.map((f) => [f.switch, f.class, f.object, f.actual])).toEqual([
      ['spine1', 'unreachable', 'routing daemons (zebra, bgpd)', 'ROUTING_DAEMON_DOWN: routing daemon down: bgpd not running: STATE_DB sessions and APPL_DB routes are stale'],
    ]);
    expect(r.findings[0]!.severity).toBe('error');
  });

  it('a switch that does not answer is one unreachable finding with switch, endpoint and cause', async () => {
    const m = await converged();
    sw(m, 'spine2').transport.reachable = false;
    const r = await drift(m);
    expect(r.findings).toEqual([
      {
        id: 'spine2/unreachable/switch',
        switch: 'spine2',
        object: 'switch',
        class: 'unreachable',
        severity: 'error',
        expected: 'answers at memory:spine2',
        actual: 'UNREACHABLE: spine2 (memory:spine2): cannot connect: switch is down',
        detail: 'nothing else is known about this switch',
        link: null,
        causedBy: null,
        remediation: { kind: 'investigate', text: 'check that spine2 is up and answers at memory:spine2', change: null },
      },
    ]);
    expect(r.summary).toMatchObject({ switches: 6, unreachable: 1, findings: 1, rootCauses: 1, error: 1 });
    expect(r.switches.find((s) => s.name === 'spine2')).toMatchObject({ state: 'error', endpoint: 'memory:spine2' });
  });
});

describe('drift: the startup config', () => {
  it('a startup config that lacks what runs is unsaved (what differs named); a save clears it; a hand edit of the running config is not also unsaved', async () => {
    const m = await converged();
    expect((await drift(m)).findings).toEqual([]);
    const leaf1 = sw(m, 'leaf1');
    leaf1.startup = new Map([...leaf1.startup].filter(([k]) => !k.startsWith('BGP_NEIGHBOR|')));
    let r = await drift(m);
    expect(r.findings.map((f) => [f.id, f.class, f.severity])).toEqual([['leaf1/unsaved/startup config', 'unsaved', 'warning']]);
    expect(r.findings[0]!.actual).toMatch(/^2 key\(s\) differ: BGP_NEIGHBOR\|10\.1\.0\.\d+ \(not in the startup config\)/);
    expect(r.findings[0]!.remediation).toMatchObject({ kind: 'investigate', text: expect.stringContaining('config save -y'), change: null });
    await (await m.session.link('leaf1')).exec!.run(['config', 'save', '-y']);
    expect((await drift(m)).findings).toEqual([]);
    // Running edited, startup still clos's: changed-outside only (apply fixes and saves it).
    cfg(m, 'leaf1').set('PORT|Ethernet120', { ...cfg(m, 'leaf1').get('PORT|Ethernet120')!, mtu: '1500' });
    r = await drift(m);
    expect(r.findings.filter((f) => f.class === 'unsaved')).toEqual([]);
    expect(roots(r).map((f) => f.class)).toEqual(['changed-outside']);
  });

  it('a startup config that cannot be read is a finding of its own object', async () => {
    const m = await converged();
    sw(m, 'leaf2').startupText = '{not json';
    const r = await drift(m);
    expect(r.findings.map((f) => [f.switch, f.class, f.object])).toEqual([['leaf2', 'unreachable', 'startup config (/etc/sonic/config_db.json)']]);
  });
});
