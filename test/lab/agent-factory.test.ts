// `clos lab up --factory`: switches come out of the box in SONiC's t1 or l2 preset state (the
// switch follows it: addresses, FRR, bridge), or in a brownfield FILE's; the factory state is
// also the startup config; a re-run keeps the running switches' state and gives new switches
// the factory it is given. Fabrics t-fact-t1 (1 spine, 1 then 2 leaves) and t-fact-l2 (1 spine,
// 1 leaf), addresses 127.0.1.192/28.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docToRedis, formatConfigDoc } from '../../src/lab/agent/db/config-file.ts';
import { startupConfigPath } from '../../src/lab/agent/db/startup.ts';
import { labDown } from '../../src/lab/down.ts';
import { type Factory, l2Config, t1Config } from '../../src/lab/factory.ts';
import type { LabState, SwitchState } from '../../src/lab/state.ts';
import { upTopology } from '../../src/lab/up.ts';
import { CONFIG_DB, frrPeers, kernelAddresses, kernelLink, STATE_DB, vtysh, waitFor } from './agent-helpers.ts';
import { clos } from './host-fixtures.ts';

const ADDRESSES = '127.0.1.192/28';
let tmp = '';
const up = async (fabric: string, leaves: number, factory: Factory): Promise<LabState> =>
  (await upTopology(clos(fabric, 1, leaves), { fabricFile: join(tmp, `${fabric}.fabric.yaml`), addresses: ADDRESSES, bgpmonIntervalMs: 500, factory })).state;

/** Every CONFIG_DB hash of a switch (full key → fields). */
async function configDb(s: SwitchState): Promise<Map<string, Record<string, string>>> {
  const r = new Redis({ path: join(s.dir, 'redis.sock'), db: CONFIG_DB });
  try {
    const keys = (await r.keys('*|*')).sort();
    return new Map(await Promise.all(keys.map(async (k) => [k, await r.hgetall(k)] as const)));
  } finally {
    r.disconnect();
  }
}
const preset = (s: SwitchState, make: typeof t1Config) => make({ name: s.name, hwsku: s.hwsku, ports: clos('x', 1, 1).switches[0]!.ports, mac: s.mac, mtu: 9100 });

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'clos-factory-'));
  await labDown('t-fact-t1');
  await labDown('t-fact-l2');
});
afterAll(async () => {
  await labDown('t-fact-t1');
  await labDown('t-fact-l2');
  rmSync(tmp, { recursive: true, force: true });
}, 60_000);

describe('--factory t1, then FILE for a new leaf', () => {
  let state: LabState;
  beforeAll(async () => {
    state = await up('t-fact-t1', 1, { kind: 't1' });
  }, 120_000);

  it('CONFIG_DB and the startup config are the t1 preset; the switch runs it', async () => {
    for (const s of Object.values(state.switches)) {
      const doc = preset(s, t1Config);
      expect(readFileSync(startupConfigPath(s.dir), 'utf8')).toBe(formatConfigDoc(doc));
      expect(await configDb(s)).toEqual(new Map([...docToRedis(doc)].sort(([a], [b]) => (a < b ? -1 : 1))));
    }
    const leaf = state.switches.leaf1!;
    // Loopback0 10.1.0.1/32 and the 31st port's (Ethernet120, natural order) 10.0.0.60/31.
    await waitFor('Loopback0 10.1.0.1/32', () => kernelAddresses(leaf, 'Loopback0').includes('10.1.0.1/32'));
    await waitFor('Ethernet120 10.0.0.60/31', () => kernelAddresses(leaf, 'Ethernet120').includes('10.0.0.60/31'));
    expect(kernelLink(leaf, 'Ethernet0').flags).toContain('UP'); // every port admin up
    expect(vtysh(leaf, 'show running-config')).toMatch(/^router bgp 65100$/m);
    // One neighbor per port: 32 on the leaf, whose every port has a netdev.
    await waitFor('32 factory neighbors in FRR', () => Object.keys(frrPeers(leaf)).length === 32, 30_000);
    expect(frrPeers(leaf)['10.0.0.61']?.remoteAs).toBe(64015);
  });

  it('a re-run with FILE: the new leaf gets its own file, the running switches keep their state', async () => {
    const dir = join(tmp, 'brownfield');
    mkdirSync(dir);
    const brown = { DEVICE_METADATA: { localhost: { hostname: 'old-name', bgp_asn: '64999', type: 'ToRRouter' } }, PORT: { Ethernet120: { admin_status: 'up', mtu: '9000' } }, PORTCHANNEL: { PortChannel1: { admin_status: 'up', mtu: '9100' } }, PORTCHANNEL_MEMBER: { 'PortChannel1|Ethernet120': {} } };
    writeFileSync(join(dir, 'leaf2.config_db.json'), JSON.stringify(brown));
    const before = readFileSync(startupConfigPath(state.switches.leaf1!.dir), 'utf8');
    state = await up('t-fact-t1', 2, { kind: 'file', path: dir, dir: true });
    const leaf2 = state.switches.leaf2!;
    expect(await configDb(leaf2)).toEqual(new Map([...docToRedis(brown)].sort(([a], [b]) => (a < b ? -1 : 1))));
    expect(JSON.parse(readFileSync(startupConfigPath(leaf2.dir), 'utf8'))).toEqual(brown);
    await waitFor('leaf2 Ethernet120 mtu 9000 from the file', () => kernelLink(leaf2, 'Ethernet120').mtu === 9000);
    expect(readFileSync(startupConfigPath(state.switches.leaf1!.dir), 'utf8')).toBe(before);
    expect((await configDb(state.switches.leaf1!)).get('DEVICE_METADATA|localhost')!.hostname).toBe('sonic');
  }, 120_000);
});

describe('--factory l2', () => {
  let state: LabState;
  beforeAll(async () => {
    await labDown('t-fact-t1'); // one lab of this file at a time: the host is shared
    state = await up('t-fact-l2', 1, { kind: 'l2' });
  }, 120_000);

  it('every port an untagged member of Vlan1000 and admin up, no addresses, no BGP', async () => {
    for (const s of Object.values(state.switches)) expect(await configDb(s)).toEqual(new Map([...docToRedis(preset(s, l2Config))].sort(([a], [b]) => (a < b ? -1 : 1))));
    const leaf = state.switches.leaf1!;
    await waitFor('Ethernet120 enslaved to the Vlan1000 bridge (the lab: a bridge per VLAN)', () => kernelLink(leaf, 'Ethernet120').master === 'Vlan1000');
    expect(kernelLink(leaf, 'Ethernet0').flags).toContain('UP');
    expect(kernelAddresses(leaf, 'Ethernet120')).toEqual([]);
    const r = new Redis({ path: join(leaf.dir, 'redis.sock'), db: STATE_DB });
    try {
      await waitFor('STATE_DB VLAN_MEMBER_TABLE for every port', async () => (await r.keys('VLAN_MEMBER_TABLE|Vlan1000|*')).length === 32);
    } finally {
      r.disconnect();
    }
    expect(Object.keys(frrPeers(leaf))).toEqual([]);
  });
});
