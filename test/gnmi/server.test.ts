// The emulated switch's gNMI server against our client, over real gRPC on 127.0.1.40:8080 and a
// redis-server of the test's own on 127.0.1.40:6379: SONiC's path rules and JSON shapes for Get,
// Set as one transaction (a write rejected midway leaves nothing), Subscribe in every mode, and
// the gNOI restart of a service.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Change } from '../../src/core/diff/diff.ts';
import { GnmiClient, GnmiError, type Subscription } from '../../src/gnmi/client.ts';
import { getTablesRequest, jsonOf, restartServiceRequest, setRequestFor, subscribeTablesRequest } from '../../src/gnmi/messages.ts';
import { writePath } from '../../src/gnmi/paths.ts';
import { startGnmiServer, type GnmiServer } from '../../src/gnmi/server.ts';
import type { Notification, SetRequest } from '../../src/gnmi/types.ts';
import { eventually, startTestRedis, type TestRedis } from './helpers.ts';

const HOST = '127.0.1.40';
const CONFIG_DB = 4;
const STATE_DB = 6;
const APPL_DB = 0;

let redis: TestRedis;
let server: GnmiServer;
let client: GnmiClient;
const restarts: string[] = [];
const subs: Subscription[] = [];

const ch = (c: Omit<Change, 'impact'>): Change => ({ impact: 'none', ...c });
const enc = (v: unknown) => ({ json_ietf_val: new TextEncoder().encode(JSON.stringify(v)) });
const cfg = () => redis.db(CONFIG_DB);

async function grpcError(p: Promise<unknown>): Promise<GnmiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GnmiError) return e;
    throw e;
  }
  throw new Error('the call succeeded');
}

beforeAll(async () => {
  redis = await startTestRedis(HOST);
  server = await startGnmiServer({
    switchName: 'leaf1',
    redis: { host: HOST, port: 6379 },
    address: `${HOST}:8080`,
    restartService: async (name) => {
      if (name !== 'bgp') throw new Error(`no service ${name}`);
      restarts.push(name);
    },
  });
  client = new GnmiClient({ host: HOST, port: 8080, deadlineMs: 5000 });
});

afterEach(async () => {
  for (const s of subs.splice(0)) s.close();
  await cfg().flushdb();
  await redis.db(STATE_DB).flushdb();
  await redis.db(APPL_DB).flushdb();
});

afterAll(async () => {
  client?.close();
  await server?.close();
  await redis?.stop();
});

describe('Capabilities', () => {
  it('announces gNMI 0.10.0, the sonic-db model and JSON_IETF', async () => {
    const caps = await client.capabilities();
    expect(caps.gNMI_version).toBe('0.10.0');
    expect(caps.supported_models).toEqual([{ name: 'sonic-db', organization: 'SONiC', version: '0.1.0' }]);
    expect(caps.supported_encodings).toContain('JSON_IETF');
  });
});

describe('Get on a DB target', () => {
  beforeAll(() => undefined);

  it('a table-level reply is keyed by key without the table name, as redis has the hashes', async () => {
    await redis.db(STATE_DB).hset('NEIGH_STATE_TABLE|10.0.0.57', { peerType: 'e-BGP', state: 'Established' });
    await redis.db(STATE_DB).hset('INTERFACE_TABLE|Ethernet0|10.0.0.1/31', { state: 'ok' });
    const r = await client.get({ prefix: { target: 'STATE_DB' }, path: [{ elem: [{ name: 'NEIGH_STATE_TABLE' }] }, { elem: [{ name: 'INTERFACE_TABLE' }] }], encoding: 'JSON_IETF' });
    expect(r.notification!.map((n) => jsonOf(n.update![0]!.val))).toEqual([{ '10.0.0.57': { peerType: 'e-BGP', state: 'Established' } }, { 'Ethernet0|10.0.0.1/31': { state: 'ok' } }]);
    expect(r.notification![0]!.prefix).toMatchObject({ target: 'STATE_DB' });
  });

  it('an entry, a composite key as one elem or two, a field as string_val', async () => {
    await redis.db(STATE_DB).hset('INTERFACE_TABLE|Ethernet0|10.0.0.1/31', { state: 'ok' });
    const get = (...names: string[]) => client.get({ prefix: { target: 'STATE_DB' }, path: [{ elem: names.map((name) => ({ name })) }], encoding: 'JSON_IETF' });
    const one = await get('INTERFACE_TABLE', 'Ethernet0|10.0.0.1/31');
    expect(jsonOf(one.notification![0]!.update![0]!.val)).toEqual({ state: 'ok' });
    const two = await get('INTERFACE_TABLE', 'Ethernet0', '10.0.0.1/31');
    expect(jsonOf(two.notification![0]!.update![0]!.val)).toEqual({ state: 'ok' });
    const field = await get('INTERFACE_TABLE', 'Ethernet0', '10.0.0.1/31', 'state');
    expect(field.notification![0]!.update![0]!.val).toMatchObject({ string_val: 'ok', value: 'string_val' });
  });

  it('NOT_FOUND for a missing key or an unknown database; UNIMPLEMENTED for an encoding SONiC lacks', async () => {
    const missing = await grpcError(client.get({ prefix: { target: 'CONFIG_DB' }, path: [{ elem: [{ name: 'PORT' }, { name: 'Ethernet99' }] }] }));
    expect(missing.codeName).toBe('NOT_FOUND');
    expect(missing.details).toContain('PORT|Ethernet99');
    expect((await grpcError(client.get({ prefix: { target: 'NOPE_DB' }, path: [{ elem: [{ name: 'PORT' }] }] }))).codeName).toBe('NOT_FOUND');
    expect((await grpcError(client.get({ prefix: { target: 'CONFIG_DB' }, path: [{ elem: [{ name: 'PORT' }] }], encoding: 'ASCII' }))).codeName).toBe('UNIMPLEMENTED');
  });

  it('an empty table is {}; origin sonic-db reads config_db.json form (NULL dropped, lists as arrays)', async () => {
    await cfg().hset('VLAN|Vlan10', { vlanid: '10', 'dhcp_servers@': 'a,b' });
    await cfg().hset('INTERFACE|Ethernet0', { NULL: 'NULL' });
    const empty = await client.get(getTablesRequest('CONFIG_DB', ['BGP_NEIGHBOR']));
    expect(jsonOf(empty.notification![0]!.update![0]!.val)).toEqual({});
    const native = await client.get({ path: [{ origin: 'sonic-db', elem: [{ name: 'CONFIG_DB' }, { name: 'localhost' }] }], encoding: 'JSON_IETF' });
    expect(jsonOf(native.notification![0]!.update![0]!.val)).toEqual({ VLAN: { Vlan10: { vlanid: '10', dhcp_servers: ['a', 'b'] } }, INTERFACE: { Ethernet0: {} } });
    const raw = await client.get(getTablesRequest('CONFIG_DB', ['INTERFACE', 'VLAN']));
    expect(raw.notification!.map((n) => jsonOf(n.update![0]!.val))).toEqual([{ Ethernet0: { NULL: 'NULL' } }, { Vlan10: { vlanid: '10', 'dhcp_servers@': 'a,b' } }]);
  });
});

describe('Set with origin sonic-db', () => {
  it('applies a change set: keys with "/" unescaped, lists, NULL placeholder, field-level update and delete', async () => {
    await client.set(
      setRequestFor([
        ch({ op: 'add', key: 'PORT|Ethernet0', set: { admin_status: 'up', mtu: '9100', description: 'to spine1' } }),
        ch({ op: 'add', key: 'INTERFACE|Ethernet0', set: {} }),
        ch({ op: 'add', key: 'INTERFACE|Ethernet0|10.0.0.1/31', set: {} }),
        ch({ op: 'add', key: 'VLAN|Vlan10', set: { vlanid: '10', 'dhcp_servers@': 'a,b' } }),
      ]),
    );
    expect(await cfg().hgetall('INTERFACE|Ethernet0|10.0.0.1/31')).toEqual({ NULL: 'NULL' });
    expect(await cfg().hgetall('VLAN|Vlan10')).toEqual({ vlanid: '10', 'dhcp_servers@': 'a,b' });
    await client.set(
      setRequestFor([
        ch({ op: 'update', key: 'PORT|Ethernet0', set: { mtu: '1500' }, unset: ['description'], before: {}, after: { admin_status: 'up', mtu: '1500' } }),
        ch({ op: 'update', key: 'INTERFACE|Ethernet0', set: { vrf_name: 'Vrf1' }, before: {}, after: { vrf_name: 'Vrf1' } }),
        ch({ op: 'delete', key: 'VLAN|Vlan10' }),
      ]),
    );
    expect(await cfg().hgetall('PORT|Ethernet0')).toEqual({ admin_status: 'up', mtu: '1500' });
    expect(await cfg().hgetall('INTERFACE|Ethernet0')).toEqual({ vrf_name: 'Vrf1' });
    expect(await cfg().exists('VLAN|Vlan10')).toBe(0);
  });

  it('a key-level update replaces the entry; a table-level update replaces the TABLE (why clos never sends one)', async () => {
    await cfg().hset('PORT|Ethernet0', { admin_status: 'up', lanes: '1,2,3,4' });
    await cfg().hset('PORT|Ethernet4', { admin_status: 'up', lanes: '5,6,7,8' });
    await client.set({ update: [{ path: writePath('CONFIG_DB', 'PORT', 'Ethernet0'), val: enc({ admin_status: 'down' }) }] });
    expect(await cfg().hgetall('PORT|Ethernet0')).toEqual({ admin_status: 'down' });
    await client.set({ update: [{ path: writePath('CONFIG_DB', 'PORT'), val: enc({ Ethernet8: { admin_status: 'up' } }) }] });
    expect((await cfg().keys('PORT|*')).sort()).toEqual(['PORT|Ethernet8']);
  });

  it('JSON_IETF only: any other encoding is refused with SONiC\'s message, nothing written', async () => {
    const e = await grpcError(
      client.set({
        update: [
          { path: writePath('CONFIG_DB', 'PORT', 'Ethernet0', 'mtu'), val: enc('9100') },
          { path: writePath('CONFIG_DB', 'PORT', 'Ethernet0', 'admin_status'), val: { string_val: 'up' } },
        ],
      }),
    );
    expect(e.details).toBe('Value encoding is not IETF JSON');
    expect(await cfg().exists('PORT|Ethernet0')).toBe(0);
  });

  it('targets CONFIG_DB and APPL_DB only', async () => {
    const e = await grpcError(client.set({ update: [{ path: { origin: 'sonic-db', elem: [{ name: 'STATE_DB' }, { name: 'localhost' }, { name: 'PORT_TABLE' }, { name: 'Ethernet0' }] }, val: enc({ state: 'ok' }) }] }));
    expect(e.details).toBe('Set RPC does not support STATE_DB');
    await client.set(setRequestFor([ch({ op: 'add', key: 'ROUTE_TABLE:10.1.0.2/32', set: { nexthop: '10.0.0.0' } })], 'APPL_DB'));
    expect(await redis.db(APPL_DB).hgetall('ROUTE_TABLE:10.1.0.2/32')).toEqual({ nexthop: '10.0.0.0' });
  });

  it('a Set naming only the database writes nothing (as SONiC)', async () => {
    await cfg().hset('PORT|Ethernet0', { admin_status: 'up' });
    const db = { origin: 'sonic-db', elem: [{ name: 'CONFIG_DB' }, { name: 'localhost' }] };
    const full: SetRequest = { delete: [db], update: [{ path: db, val: enc({ PORT: { Ethernet4: { admin_status: 'up' } } }) }] };
    await client.set(full);
    await client.set({ delete: [db] });
    expect(await cfg().keys('*')).toEqual(['PORT|Ethernet0']);
  });

  it('origin other than sonic-db is not written (translib write disabled)', async () => {
    const e = await grpcError(client.set({ update: [{ path: { origin: 'openconfig', elem: [{ name: 'interfaces' }] }, val: enc({}) }] }));
    expect(e.codeName).toBe('UNIMPLEMENTED');
  });

  it('a write rejected midway restores the checkpoint: nothing applied, the error says so', async () => {
    await cfg().hset('PORT|Ethernet0', { admin_status: 'down', mtu: '9100' });
    await cfg().set('PORT|Ethernet8', 'not a hash'); // the third write fails with WRONGTYPE
    const e = await grpcError(
      client.set(
        setRequestFor([
          ch({ op: 'update', key: 'PORT|Ethernet0', set: { admin_status: 'up' }, before: {}, after: { admin_status: 'up', mtu: '9100' } }),
          ch({ op: 'add', key: 'PORT|Ethernet4', set: { admin_status: 'up' } }),
          ch({ op: 'add', key: 'PORT|Ethernet8', set: { admin_status: 'up' } }),
          ch({ op: 'add', key: 'PORT|Ethernet12', set: { admin_status: 'up' } }),
        ]),
      ),
    );
    expect(e.codeName).toBe('UNKNOWN');
    expect(e.details).toMatch(/WRONGTYPE.*checkpoint restored, nothing applied/);
    expect(await cfg().hgetall('PORT|Ethernet0')).toEqual({ admin_status: 'down', mtu: '9100' });
    expect(await cfg().exists('PORT|Ethernet4', 'PORT|Ethernet12')).toBe(0);
    expect(await cfg().get('PORT|Ethernet8')).toBe('not a hash');
  });
});

describe('Subscribe on a DB target', () => {
  const collect = (opts: Parameters<typeof subscribeTablesRequest>[2] & { tables?: string[]; db?: string } = {}) => {
    const got: { n: Notification; synced: boolean }[] = [];
    const syncs: number[] = [];
    const sub = client.subscribe(subscribeTablesRequest(opts.db ?? 'STATE_DB', opts.tables ?? ['NEIGH_STATE_TABLE'], opts), {
      onNotification: (n, synced) => got.push({ n, synced }),
      onSync: () => syncs.push(got.length),
    });
    subs.push(sub);
    return { sub, got, syncs, values: () => got.map((g) => jsonOf(g.n.update![0]!.val)) };
  };

  it('STREAM ON_CHANGE: the table first, sync, then each changed entry keyed by key, {} when deleted', async () => {
    const st = redis.db(STATE_DB);
    await st.hset('NEIGH_STATE_TABLE|10.0.0.1', { state: 'Active' });
    const s = collect();
    await s.sub.synced;
    expect(s.values()).toEqual([{ '10.0.0.1': { state: 'Active' } }]);
    expect(s.syncs).toEqual([1]);
    await st.hset('NEIGH_STATE_TABLE|10.0.0.1', { state: 'Established' });
    await eventually(() => s.got.length >= 2);
    await st.hset('NEIGH_STATE_TABLE|10.0.0.3', { state: 'Connect' });
    await eventually(() => s.got.length >= 3);
    await st.del('NEIGH_STATE_TABLE|10.0.0.3');
    await eventually(() => s.got.length >= 4);
    await st.hset('NEIGH_STATE_TABLE|10.0.0.1', { state: 'Established' }); // no change: not sent
    await new Promise((r) => setTimeout(r, 100));
    expect(s.got).toHaveLength(4);
    expect(s.values().slice(1)).toEqual([{ '10.0.0.1': { state: 'Established' } }, { '10.0.0.3': { state: 'Connect' } }, { '10.0.0.3': {} }]);
    expect(s.got.slice(1).every((g) => g.synced)).toBe(true);
  });

  it('SAMPLE: the table every interval (1 s minimum); shorter intervals refused', async () => {
    await redis.db(STATE_DB).hset('NEIGH_STATE_TABLE|10.0.0.1', { state: 'Active' });
    const s = collect({ subscriptionMode: 'SAMPLE', sampleIntervalMs: 1000 });
    await s.sub.synced;
    await eventually(() => s.got.length >= 2, 3000);
    expect(s.values()[1]).toEqual({ '10.0.0.1': { state: 'Active' } });
    const short = collect({ subscriptionMode: 'SAMPLE', sampleIntervalMs: 100 });
    const e = (await short.sub.synced.catch((x: unknown) => x)) as GnmiError;
    expect(e.codeName).toBe('INVALID_ARGUMENT');
    expect(e.details).toContain('It cannot be less than 1s');
  });

  it('TARGET_DEFINED is refused: "unsupported subscription mode"', async () => {
    const s = collect({ subscriptionMode: 'TARGET_DEFINED' });
    const e = (await s.sub.synced.catch((x: unknown) => x)) as GnmiError;
    expect(e.codeName).toBe('INVALID_ARGUMENT');
    expect(e.details).toContain('unsupported subscription mode');
  });

  it('ONCE: the values, sync_response, end of stream', async () => {
    await redis.db(APPL_DB).hset('ROUTE_TABLE:10.1.0.2/32', { nexthop: '10.0.0.0', ifname: 'Ethernet0' });
    const ns = await client.once(subscribeTablesRequest('APPL_DB', ['ROUTE_TABLE', 'LLDP_ENTRY_TABLE'], { mode: 'ONCE' }));
    expect(ns.map((n) => jsonOf(n.update![0]!.val))).toEqual([{ '10.1.0.2/32': { nexthop: '10.0.0.0', ifname: 'Ethernet0' } }, {}]);
  });

  it('POLL: a snapshot at subscription and after each Poll', async () => {
    const st = redis.db(STATE_DB);
    await st.hset('NEIGH_STATE_TABLE|10.0.0.1', { state: 'Active' });
    const s = collect({ mode: 'POLL' });
    await s.sub.synced;
    await st.hset('NEIGH_STATE_TABLE|10.0.0.1', { state: 'Established' });
    await new Promise((r) => setTimeout(r, 100));
    expect(s.got).toHaveLength(1); // POLL sends nothing on its own
    s.sub.poll();
    await eventually(() => s.syncs.length === 2);
    expect(s.values()).toEqual([{ '10.0.0.1': { state: 'Active' } }, { '10.0.0.1': { state: 'Established' } }]);
  });

  it('a missing key is NOT_FOUND at subscription', async () => {
    const sub = client.subscribe({ prefix: { target: 'STATE_DB' }, mode: 'STREAM', subscription: [{ path: { elem: [{ name: 'PORT_TABLE' }, { name: 'Ethernet99' }] }, mode: 'ON_CHANGE' }] });
    subs.push(sub);
    expect(((await sub.synced.catch((x: unknown) => x)) as GnmiError).codeName).toBe('NOT_FOUND');
  });
});

describe('gNOI System.KillProcess', () => {
  it('restarts a service by name (systemctl restart bgp); pids and other signals are refused', async () => {
    await client.killProcess(restartServiceRequest('bgp'));
    expect(restarts).toEqual(['bgp']);
    expect((await grpcError(client.killProcess({ name: 'bgp', signal: 'SIGNAL_KILL', restart: true }))).codeName).toBe('UNIMPLEMENTED');
    expect((await grpcError(client.killProcess({ pid: 42, signal: 'SIGNAL_TERM', restart: true }))).codeName).toBe('UNIMPLEMENTED');
    expect((await grpcError(client.killProcess(restartServiceRequest('swss')))).details).toContain('no service swss');
  });
});
