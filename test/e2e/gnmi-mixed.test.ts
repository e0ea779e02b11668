// A fabric mixing both transports, as an operator's inventory would: spine1 and leaf1 over gNMI,
// leaf2 reachable by gNMI ONLY (no redis block, no exec channel: its first bring-up's routing
// restart must go through gNOI), the rest over Redis. leaf1's switch first rejects its Set
// midway (a key of another type stands where a BGP neighbor goes): leaf1 is left exactly as it
// was and reported with switch, endpoint and gRPC status, the others come up; once the obstacle
// is gone, leaf1 comes up too. verify converges; afterwards the whole fabric reads the same over
// either transport. Fabric t-e2e-mixed, addresses 127.0.1.48/28.
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadFabric, type LoadedFabric } from '../../src/io/fabric.ts';
import { inventorySchema, type Inventory } from '../../src/inventory/schema.ts';
import { renderInventory } from '../../src/inventory/write.ts';
import { readState } from '../../src/lab/state.ts';
import { runCli } from '../support/cli.ts';
import { downLab, dumpConfigDb, failingChecks, labSwitch, namespacesOf, ping, redisOf, tempFabric, upLab, type ApplyJson, type PlanJson } from './helpers.ts';

const FABRIC = 't-e2e-mixed';
const ADDRESSES = '127.0.1.48/28';
const SWITCHES = ['spine1', 'spine2', 'leaf1', 'leaf2', 'leaf3', 'leaf4'];
const OVER_GNMI = new Set(['spine1', 'leaf1', 'leaf2']);
let dir: string;
let file: string;
let inventory: string;
let fabric: LoadedFabric;

/** gNMI at the switch's address; the lab's redis through its unix socket (same host). */
const endpoint = (sw: string) => (OVER_GNMI.has(sw) ? `gnmi ${labSwitch(FABRIC, sw).address}:8080` : `redis unix:${join(labSwitch(FABRIC, sw).dir, 'redis.sock')}`);

beforeAll(async () => {
  ({ dir, file } = tempFabric(FABRIC));
  await downLab(FABRIC);
  await upLab(file, ADDRESSES);
  fabric = await loadFabric(file, { writeLock: false });
  const lab = inventorySchema.parse(parse(readFileSync(readState(FABRIC)!.inventory, 'utf8')));
  const switches: Inventory['switches'] = {};
  for (const [name, entry] of Object.entries(lab.switches)) {
    if (name === 'leaf2') switches[name] = { transport: 'gnmi', flavour: 'sonic', gnmi: entry.gnmi! };
    else switches[name] = { ...entry, transport: OVER_GNMI.has(name) ? 'gnmi' : 'redis' };
  }
  inventory = join(dir, 'mixed.inventory.yaml');
  writeFileSync(inventory, renderInventory({ ...lab, switches }));
}, 90_000);

afterAll(async () => {
  await downLab(FABRIC, dir);
  expect(namespacesOf(FABRIC)).toEqual([]);
}, 90_000);

describe('one fabric, switches over gNMI (one of them gNMI-only) and over Redis', () => {
  it('plan reaches each switch by its own transport', async () => {
    const r = await runCli('plan', file, '--inventory', inventory, '--json');
    expect(r.code).toBe(10);
    const plan = JSON.parse(r.stdout) as PlanJson;
    expect(plan.switches.map((p) => [p.switch, p.endpoint, p.error, p.firstBringUp])).toEqual(SWITCHES.map((s) => [s, endpoint(s), null, true]));
  });

  it('apply: leaf1\'s Set rejected midway leaves leaf1 untouched, named with its endpoint and gRPC status; the others come up', async () => {
    const peer = [...Object.keys(fabric.configs.get('leaf1')!.BGP_NEIGHBOR ?? {})][0]!;
    const r1 = redisOf(labSwitch(FABRIC, 'leaf1'));
    await r1.connect();
    await r1.set(`BGP_NEIGHBOR|${peer}`, 'not a hash'); // BGP_NEIGHBOR is written last
    const before = await dumpConfigDb(labSwitch(FABRIC, 'leaf1'));
    const r = await runCli('apply', file, '--inventory', inventory, '--yes', '--json');
    expect(r.code).toBe(1);
    const { outcomes } = JSON.parse(r.stdout) as ApplyJson;
    const leaf1 = outcomes.find((o) => o.switch === 'leaf1')!;
    expect([leaf1.status, leaf1.restarted, leaf1.error?.code]).toEqual(['failed', false, 'REJECTED']);
    expect(leaf1.error!.message).toMatch(new RegExp(`^leaf1 \\(${endpoint('leaf1').replace(/\./g, '\\.')}\\): Set of \\d+ change\\(s\\), nothing applied refused: gRPC UNKNOWN \\(2\\): .*WRONGTYPE.*checkpoint restored, nothing applied`));
    expect(await dumpConfigDb(labSwitch(FABRIC, 'leaf1'))).toEqual(before);
    const others = outcomes.filter((o) => o.switch !== 'leaf1');
    expect(others.map((o) => [o.switch, o.status, o.restarted, o.endpoint, o.error ?? null])).toEqual(SWITCHES.filter((s) => s !== 'leaf1').map((s) => [s, 'applied', true, endpoint(s), null]));
    await r1.del(`BGP_NEIGHBOR|${peer}`);
    r1.disconnect();
  });

  it('once the obstacle is gone, apply brings leaf1 up too; the gNMI-only leaf2 needs nothing more', async () => {
    const r = await runCli('apply', file, '--inventory', inventory, '--yes', '--json');
    const { outcomes } = JSON.parse(r.stdout) as ApplyJson;
    expect(Object.fromEntries(outcomes.map((o) => [o.switch, `${o.status}${o.restarted ? ', restarted' : ''}`]))).toEqual({
      spine1: 'unchanged',
      spine2: 'unchanged',
      leaf1: 'applied, restarted',
      leaf2: 'unchanged',
      leaf3: 'unchanged',
      leaf4: 'unchanged',
    });
    expect(r.code).toBe(0);
  });

  it('verify converges with the mixed inventory', async () => {
    const r = await runCli('verify', file, '--inventory', inventory, '--timeout', '60s', '--format', 'json');
    const report = JSON.parse(r.stdout) as { converged: boolean; switches: Parameters<typeof failingChecks>[0]['switches'] };
    expect(failingChecks(report)).toEqual([]);
    expect(r.code).toBe(0);
    const l2 = labSwitch(FABRIC, 'leaf2').namespace;
    expect(ping(l2, fabric.allocation.switches.get('leaf2')!.loopback, fabric.allocation.switches.get('leaf3')!.loopback, 2)).toBe(true);
  }, 70_000);

  it('afterwards every switch is up to date whichever transport reads it', async () => {
    for (const args of [['--inventory', inventory], ['--transport', 'gnmi'], ['--transport', 'redis']]) {
      const r = await runCli('plan', file, ...args, '--json');
      const plan = JSON.parse(r.stdout) as PlanJson;
      expect({ args, pending: plan.switches.flatMap((p) => p.changes.map((c) => `${p.switch} ${c.key}`)) }).toEqual({ args, pending: [] });
      expect(r.code).toBe(0);
    }
  });
});
