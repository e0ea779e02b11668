// The gNMI transport over real gRPC against the emulated switch's server, next to the Redis
// transport: the same change sets leave the same databases; errors name the switch, the
// endpoint and the gRPC status (server down, wrong password, wrong CA, a Set rejected midway);
// TLS and mutual TLS with certificates made here; watches survive a server restart; the
// routing-service restart goes through gNOI. Redis servers of the test's own on 127.0.1.41/42.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change } from '../../src/core/diff/diff.ts';
import { diffConfig } from '../../src/core/diff/diff.ts';
import { flatten, type Fields } from '../../src/core/diff/flat.ts';
import { ownershipOf } from '../../src/core/diff/ownership.ts';
import { CONFIG_READ_TABLES } from '../../src/core/adoption/refusals.ts';
import { compileDc1 } from '../support/dc1.ts';
import { MANAGEMENT, l2Preset, t1Preset } from '../support/factory-presets.ts';
import type { ConfigDb } from '../../src/core/model.ts';
import { MANAGED_TABLES } from '../../src/core/render/render.ts';
import { startGnmiServer, type GnmiServer, type GnmiServerOptions } from '../../src/gnmi/server.ts';
import type { InventorySwitch } from '../../src/inventory/schema.ts';
import { inventorySwitchSchema } from '../../src/inventory/schema.ts';
import { restartRouting, saveConfig } from '../../src/services/routing.ts';
import { connectSwitch } from '../../src/transport/connect.ts';
import { GnmiTransport, gnoiExecChannel, type GnmiEndpoint } from '../../src/transport/gnmi.ts';
import { RedisTransport } from '../../src/transport/redis.ts';
import { SwitchError } from '../../src/transport/transport.ts';
import { readFileSync } from 'node:fs';
import { eventually, makePki, startTestRedis, type Pki, type TestRedis } from './helpers.ts';

const A = '127.0.1.41'; // redis + gNMI servers of the switch under test
const B = '127.0.1.42'; // a second redis, written through the Redis transport for comparison
const CONFIG_DB = 4;

let ra: TestRedis;
let rb: TestRedis;
let pki: Pki;
const servers: GnmiServer[] = [];
const transports: { close(): Promise<void> }[] = [];
const restarts: string[] = [];

async function serve(extra: Partial<GnmiServerOptions> & { address: string }): Promise<GnmiServer> {
  const s = await startGnmiServer({ switchName: 'leaf1', redis: { host: A, port: 6379 }, restartService: async (n) => void restarts.push(n), ...extra });
  servers.push(s);
  return s;
}

function gnmi(ep: Partial<GnmiEndpoint> & { port: number }): GnmiTransport {
  const t = new GnmiTransport('leaf1', { host: A, deadlineMs: 3000, ...ep });
  transports.push(t);
  return t;
}

async function rejection(p: Promise<unknown>): Promise<SwitchError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof SwitchError) return e;
    throw e;
  }
  throw new Error('the call succeeded');
}

const leaf1Intent = compileDc1().intents.find((s) => s.name === 'leaf1')!;
const leaf1Ownership = ownershipOf(leaf1Intent);
const golden = (name: string) => flatten(JSON.parse(readFileSync(new URL(`../golden/dc1/${name}.config_db.json`, import.meta.url), 'utf8')) as ConfigDb);

/** A docker-sonic-vs-like factory CONFIG_DB: ports down, metadata with a MAC only. */
async function factory(r: TestRedis): Promise<void> {
  const db = r.db(CONFIG_DB);
  await db.flushdb();
  for (let i = 0; i < 32; i++) await db.hset(`PORT|Ethernet${i * 4}`, { admin_status: 'down', alias: `fortyGigE0/${i * 4}`, lanes: `${i * 4 + 1}`, index: `${i}`, speed: '40000', mtu: '9100' });
  await db.hset('DEVICE_METADATA|localhost', { mac: '52:54:00:00:00:01', hwsku: 'Force10-S6000' });
}

async function dump(r: TestRedis): Promise<Record<string, Record<string, string>>> {
  const db = r.db(CONFIG_DB);
  const out: Record<string, Record<string, string>> = {};
  for (const k of (await db.keys('*')).sort()) out[k] = await db.hgetall(k);
  return out;
}

beforeAll(async () => {
  [ra, rb] = await Promise.all([startTestRedis(A), startTestRedis(B)]);
  pki = makePki(A);
});

afterAll(async () => {
  for (const t of transports.splice(0)) await t.close().catch(() => undefined);
  for (const s of servers.splice(0)) await s.close();
  await Promise.all([ra?.stop(), rb?.stop()]);
  pki?.remove();
});

describe('the same change sets over gNMI and over Redis', () => {
  it('leave identical databases (bring-up of a leaf, then updates, a replace, deletes)', async () => {
    await serve({ address: `${A}:8080` });
    await Promise.all([factory(ra), factory(rb)]);
    const viaGnmi = gnmi({ port: 8080 });
    const viaRedis = new RedisTransport('leaf1', { host: B, port: 6379 });
    transports.push(viaRedis);

    const apply = async (desired: Map<string, Fields>, lastApplied?: Map<string, Fields>) => {
      const [a, b] = await Promise.all([viaGnmi.read('CONFIG_DB', MANAGED_TABLES), viaRedis.read('CONFIG_DB', MANAGED_TABLES)]);
      expect(a).toEqual(b);
      const changes = diffConfig({ desired, actual: a, ownership: leaf1Ownership, ...(lastApplied ? { lastApplied } : {}) });
      await Promise.all([viaGnmi.apply(changes), viaRedis.apply(changes)]);
      expect(await dump(ra)).toEqual(await dump(rb));
      expect(diffConfig({ desired, actual: await viaGnmi.read('CONFIG_DB', MANAGED_TABLES), ownership: leaf1Ownership, ...(lastApplied ? { lastApplied } : {}) })).toEqual([]);
      return changes;
    };
    const first = golden('leaf1');
    const bringUp = await apply(first);
    expect(bringUp.length).toBeGreaterThan(20);
    // leaf1's intent becomes leaf2's: field updates, BGP neighbors replaced (asn), keys removed.
    const second = golden('leaf2');
    const changes = await apply(second, first);
    const ops = new Set(changes.map((c) => c.op));
    expect(ops.has('update') && ops.has('delete') && ops.has('add')).toBe(true);
    // A neighbor's asn changes: bgpcfgd needs delete + re-add, the diff says replace.
    const third = new Map(second);
    const [nKey, nFields] = [...third].find(([k]) => k.startsWith('BGP_NEIGHBOR|'))!;
    third.set(nKey, { ...nFields, asn: '65000' });
    expect((await apply(third, second)).map((c) => c.op)).toEqual(['replace']);
    // read() without tables reads the whole database.
    expect(await viaGnmi.read('CONFIG_DB')).toEqual(await viaRedis.read('CONFIG_DB'));
  });

  it('adopt leaf1 from SONiC t1 and l2 factory states: the same foreign deletes and writes, identical databases', async () => {
    const viaGnmi = gnmi({ port: 8080 });
    const viaRedis = new RedisTransport('leaf1', { host: B, port: 6379 });
    transports.push(viaRedis);
    for (const preset of [t1Preset, l2Preset]) {
      await Promise.all(
        [ra, rb].map(async (r) => {
          const db = r.db(CONFIG_DB);
          await db.flushdb();
          const tx = db.multi();
          for (const [k, v] of [...preset(leaf1Intent.platform), ...MANAGEMENT]) tx.hset(k, Object.keys(v).length ? v : { NULL: 'NULL' });
          await tx.exec();
        }),
      );
      const [a, b] = await Promise.all([viaGnmi.read('CONFIG_DB', CONFIG_READ_TABLES), viaRedis.read('CONFIG_DB', CONFIG_READ_TABLES)]);
      expect(a).toEqual(b);
      const desired = golden('leaf1');
      const changes = diffConfig({ desired, actual: a, ownership: leaf1Ownership });
      const foreign = changes.filter((c) => c.foreign).map((c) => c.key);
      expect(foreign.length).toBeGreaterThan(20);
      await Promise.all([viaGnmi.apply(changes), viaRedis.apply(changes)]);
      const after = await dump(ra);
      expect(after).toEqual(await dump(rb));
      for (const k of foreign) expect(after[k], k).toBeUndefined();
      for (const k of MANAGEMENT.keys()) expect(after[k], k).toBeDefined();
      expect(diffConfig({ desired, actual: await viaGnmi.read('CONFIG_DB', CONFIG_READ_TABLES), ownership: leaf1Ownership })).toEqual([]);
    }
  });

  it('watch reports changed keys (not the initial snapshot) and survives a server restart', async () => {
    const server = servers.find((s) => s.address === `${A}:8080`)!;
    const t = gnmi({ port: 8080 });
    const seen: string[] = [];
    const unwatch = await t.watch('CONFIG_DB', ['PORT'], (k) => seen.push(k));
    await ra.db(CONFIG_DB).hset('PORT|Ethernet0', { mtu: '1500' });
    await eventually(() => seen.includes('PORT|Ethernet0'));
    expect(seen.every((k) => k === 'PORT|Ethernet0')).toBe(true);

    await server.close();
    servers.splice(servers.indexOf(server), 1);
    await ra.db(CONFIG_DB).hset('PORT|Ethernet4', { mtu: '1500' }); // while the server is down
    await serve({ address: `${A}:8080` });
    await eventually(() => seen.includes('PORT|Ethernet4'), 10_000);
    seen.length = 0;
    await ra.db(CONFIG_DB).hset('PORT|Ethernet8', { mtu: '1500' });
    await eventually(() => seen.includes('PORT|Ethernet8'));
    await unwatch();
  });
});

describe('errors name the switch, the endpoint and the gRPC status', () => {
  it('server down: UNREACHABLE, gRPC UNAVAILABLE', async () => {
    const t = gnmi({ port: 8099 });
    const e = await rejection(t.read('CONFIG_DB', ['PORT']));
    expect(e.code).toBe('UNREACHABLE');
    expect(e.message).toMatch(/^leaf1 \(gnmi 127\.0\.1\.41:8099\): .*gRPC UNAVAILABLE \(14\)/);
    expect(e.message).toContain('switch unreachable (connection refused: nothing listens on 127.0.1.41:8099 (service down or wrong port)): gRPC UNAVAILABLE (14)');
    expect((await rejection(t.watch('STATE_DB', ['PORT_TABLE'], () => undefined))).code).toBe('UNREACHABLE');
  });

  it('a Set rejected midway: REJECTED, gRPC UNKNOWN, nothing applied', async () => {
    await factory(ra);
    await ra.db(CONFIG_DB).set('VLAN|Vlan30', 'not a hash');
    const t = gnmi({ port: 8080 });
    const changes: Change[] = [
      { op: 'update', key: 'PORT|Ethernet0', set: { admin_status: 'up' }, before: {}, after: {}, impact: 'none' },
      { op: 'add', key: 'VLAN|Vlan20', set: { vlanid: '20' }, impact: 'none' },
      { op: 'add', key: 'VLAN|Vlan30', set: { vlanid: '30' }, impact: 'none' },
    ];
    const e = await rejection(t.apply(changes));
    expect(e.code).toBe('REJECTED');
    expect(e.message).toMatch(/^leaf1 \(gnmi 127\.0\.1\.41:8080\): Set of 3 change\(s\), nothing applied refused: gRPC UNKNOWN \(2\): .*WRONGTYPE/);
    expect(await ra.db(CONFIG_DB).hget('PORT|Ethernet0', 'admin_status')).toBe('down');
    expect(await ra.db(CONFIG_DB).exists('VLAN|Vlan20')).toBe(0);
    await ra.db(CONFIG_DB).del('VLAN|Vlan30');
  });

  it('a Set past its deadline (the switch stops answering): TIMEOUT, state unknown, never "nothing applied"', async () => {
    await factory(ra);
    const t = gnmi({ port: 8080, deadlineMs: 100 });
    const change: Change = { op: 'update', key: 'PORT|Ethernet0', set: { admin_status: 'up' }, before: {}, after: {}, impact: 'none' };
    // The emulated sonic-gnmi writes to this redis: paused, the Set gets no reply.
    process.kill(ra.pid, 'SIGSTOP');
    let e: SwitchError;
    try {
      e = await rejection(t.apply([change]));
    } finally {
      process.kill(ra.pid, 'SIGCONT');
    }
    expect(e.code).toBe('TIMEOUT');
    expect(e.outcome).toBe('unknown');
    expect(e.message).toMatch(/^leaf1 \(gnmi 127\.0\.1\.41:8080\): state unknown: Set of 1 change\(s\) sent, no reply in time: gRPC DEADLINE_EXCEEDED/);
    expect(e.message).not.toMatch(/nothing applied/);
  });

  it('password auth: the right username/password pass, a wrong one is UNAUTHENTICATED', async () => {
    await serve({ address: `${A}:8081`, auth: { username: 'admin', password: 's3cret' } });
    expect((await gnmi({ port: 8081, username: 'admin', password: 's3cret' }).read('CONFIG_DB', ['PORT'])).size).toBeGreaterThan(0);
    const e = await rejection(gnmi({ port: 8081, username: 'admin', password: 'wrong' }).read('CONFIG_DB', ['PORT']));
    expect(e.code).toBe('REJECTED');
    expect(e.message).toContain('authentication refused: gRPC UNAUTHENTICATED (16): Unauthenticated');
    expect(e.message).not.toContain('wrong');
    expect((await rejection(gnmi({ port: 8081 }).apply([{ op: 'add', key: 'VLAN|Vlan9', set: {}, impact: 'none' }]))).message).toContain('UNAUTHENTICATED');
  });
});

describe('TLS', () => {
  it('TLS with the CA that signed the server certificate; a wrong CA is refused', async () => {
    await serve({ address: `${A}:50051`, tls: { cert: pki.pem(pki.serverCert), key: pki.pem(pki.serverKey) } });
    expect((await gnmi({ port: 50051, tls: { ca: pki.ca } }).read('CONFIG_DB', ['DEVICE_METADATA'])).size).toBe(1);
    const wrong = await rejection(gnmi({ port: 50051, tls: { ca: pki.otherCa } }).read('CONFIG_DB', ['DEVICE_METADATA']));
    expect(wrong.code).toBe('UNREACHABLE');
    expect(wrong.message).toMatch(/gnmi 127\.0\.1\.41:50051 \(TLS\).*gRPC UNAVAILABLE/);
    const plain = await rejection(gnmi({ port: 50051 }).read('CONFIG_DB', ['DEVICE_METADATA']));
    expect(plain.code).toBe('UNREACHABLE');
  });

  it('mutual TLS: a client certificate signed by the CA is required; with password auth on top', async () => {
    await serve({ address: `${A}:50052`, tls: { cert: pki.pem(pki.serverCert), key: pki.pem(pki.serverKey), ca: pki.pem(pki.ca) }, auth: { username: 'admin', password: 'pw' } });
    const ok = gnmi({ port: 50052, tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, servername: 'leaf1' }, username: 'admin', password: 'pw' });
    expect((await ok.read('CONFIG_DB', ['DEVICE_METADATA'])).size).toBe(1);
    const noCert = await rejection(gnmi({ port: 50052, tls: { ca: pki.ca }, username: 'admin', password: 'pw' }).read('CONFIG_DB', ['DEVICE_METADATA']));
    expect(noCert.code).toBe('UNREACHABLE');
  });

  it('the inventory names the TLS files and the password variable; connectSwitch builds the link', async () => {
    const entry: InventorySwitch = inventorySwitchSchema.parse({
      transport: 'redis',
      redis: { host: A },
      gnmi: { host: A, port: 50052, tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, servername: 'leaf1' }, username: 'admin', passwordEnv: 'LEAF1_GNMI_PW' },
    });
    const link = await connectSwitch('leaf1', entry, 'gnmi', { LEAF1_GNMI_PW: 'pw' });
    try {
      expect(link.transport.endpoint).toBe('gnmi 127.0.1.41:50052 (TLS)');
      expect((await link.transport.read('CONFIG_DB', ['DEVICE_METADATA'])).get('DEVICE_METADATA|localhost')).toMatchObject({ hwsku: 'Force10-S6000' });
      // A switch reached by gNMI only: the routing-service restart goes through gNOI.
      restarts.length = 0;
      await restartRouting(link);
      expect(restarts).toEqual(['bgp']);
      const vtysh = await link.exec!.run(['vtysh', '-c', 'show bgp summary json']);
      expect(vtysh.code).toBe(127);
      expect(vtysh.stderr).toContain('gNMI only');
    } finally {
      await link.close();
    }
  });
});

describe('the routing restart over gNOI', () => {
  it('falls back to the inventory\'s exec channel when the switch does not serve gNOI System (UNIMPLEMENTED)', async () => {
    await startGnmiServer({ switchName: 'leaf1', redis: { host: A, port: 6379 }, address: `${A}:8082` }).then((s) => servers.push(s));
    const ran: string[][] = [];
    const exec = gnoiExecChannel(gnmi({ port: 8082 }), { endpoint: 'ssh admin@leaf1:22', run: async (argv) => (ran.push([...argv]), { code: 0, stdout: '', stderr: '' }) });
    expect(exec.endpoint).toBe('gnoi 127.0.1.41:8082, ssh admin@leaf1:22');
    expect((await exec.run(['systemctl', 'restart', 'bgp'])).code).toBe(0);
    expect(ran).toEqual([['sudo', 'systemctl', 'restart', 'bgp']]);
    const alone = await gnoiExecChannel(gnmi({ port: 8082 })).run(['systemctl', 'restart', 'bgp']);
    expect(alone.code).toBe(1);
    expect(alone.stderr).toMatch(/gRPC UNIMPLEMENTED \(12\): service control is not available/);
  });
});

describe('the save over gNOI', () => {
  it('config save -y is gNOI SonicService.ConfigSave; without it, the inventory\'s exec channel; with neither, SAVE_FAILED', async () => {
    const saves: number[] = [];
    await startGnmiServer({ switchName: 'leaf1', redis: { host: A, port: 6379 }, address: `${A}:8083`, saveConfig: async () => void saves.push(1) }).then((s) => servers.push(s));
    const link = { name: 'leaf1', transport: gnmi({ port: 8083 }), close: async () => {} };
    await saveConfig({ ...link, exec: gnoiExecChannel(link.transport) });
    expect(saves).toEqual([1]);
    // A sonic-gnmi without SonicService's save: the shell, with sudo over ssh.
    await startGnmiServer({ switchName: 'leaf1', redis: { host: A, port: 6379 }, address: `${A}:8084` }).then((s) => servers.push(s));
    const ran: string[][] = [];
    const old = gnmi({ port: 8084 });
    await saveConfig({ ...link, transport: old, exec: gnoiExecChannel(old, { endpoint: 'ssh admin@leaf1:22', run: async (argv) => (ran.push([...argv]), { code: 0, stdout: '', stderr: '' }) }) });
    expect(ran).toEqual([['sudo', 'config', 'save', '-y']]);
    const err = await saveConfig({ ...link, transport: old, exec: gnoiExecChannel(old) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SwitchError);
    expect(err).toMatchObject({ code: 'SAVE_FAILED', message: expect.stringMatching(/config save is not available/) });
  });
});

