// The Redis transport against a real redis-server: a change set in one transaction with its
// read-back, a command refused at run time, and a hung switch (redis paused with SIGSTOP) during
// a write: the transaction goes unanswered, yet redis has the whole MULTI…EXEC in its socket
// buffer and runs it, whole, when it resumes — so the transport must say "unknown, may still be
// applied", never "nothing applied", and must not queue anything more behind it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect as netConnect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change } from '../../src/core/diff/diff.ts';
import type { Fields } from '../../src/core/diff/flat.ts';
import { connections } from '../../src/transport/budget.ts';
import { RedisTransport } from '../../src/transport/redis.ts';
import { DB_ID, SwitchError } from '../../src/transport/transport.ts';

let dir: string;
let server: ChildProcess;
let socket: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clos-redis-timeout-'));
  socket = join(dir, 'r.sock');
  server = spawn('redis-server', ['--port', '0', '--unixsocket', socket, '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while (!existsSync(socket)) {
    if (Date.now() > deadline || server.exitCode !== null) throw new Error('redis-server did not start');
    await sleep(20);
  }
});

afterAll(async () => {
  if (server.pid !== undefined && server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    process.kill(server.pid, 'SIGCONT');
    process.kill(server.pid, 'SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

const changes: Change[] = [
  { op: 'add', key: 'INTERFACE|Ethernet0', set: {}, impact: 'none' },
  { op: 'add', key: 'INTERFACE|Ethernet0|10.1.0.1/31', set: {}, impact: 'none' },
  { op: 'add', key: 'BGP_NEIGHBOR|10.1.0.0', set: { asn: '65100', admin_status: 'up' }, impact: 'none' },
] as Change[];

describe('RedisTransport against a paused redis', () => {
  it('a transaction that gets no reply fails as TIMEOUT, "may still be applied"; it runs whole once redis resumes', async () => {
    const t = new RedisTransport('leaf1', { socket, commandTimeoutMs: 500 });
    const probe = new Redis({ path: socket, db: DB_ID.CONFIG_DB });
    try {
      expect((await t.read('CONFIG_DB')).size).toBe(0); // connected before the pause
      process.kill(server.pid!, 'SIGSTOP');
      const t0 = Date.now();
      const err = await t.apply(changes).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SwitchError);
      expect((err as SwitchError).code).toBe('TIMEOUT');
      expect((err as SwitchError).message).toBe(
        `leaf1 (redis unix:${socket}): state unknown: transaction sent, no reply within 500 ms (redis hung, paused or overloaded): it may still be applied, whole, when the switch answers again`,
      );
      expect((err as SwitchError).outcome).toBe('unknown');
      expect(Date.now() - t0).toBeLessThan(2_000);
      process.kill(server.pid!, 'SIGCONT');
      const deadline = Date.now() + 5_000;
      while ((await probe.exists('BGP_NEIGHBOR|10.1.0.0')) === 0) {
        if (Date.now() > deadline) throw new Error('the queued transaction never ran after SIGCONT');
        await sleep(20);
      }
      expect(await probe.hgetall('BGP_NEIGHBOR|10.1.0.0')).toEqual({ asn: '65100', admin_status: 'up' });
      expect((await probe.keys('INTERFACE|*')).sort()).toEqual(['INTERFACE|Ethernet0', 'INTERFACE|Ethernet0|10.1.0.1/31']);
      // The timed-out connection was dropped; the next call reconnects and works.
      expect([...(await t.read('CONFIG_DB', ['BGP_NEIGHBOR'])).keys()]).toEqual(['BGP_NEIGHBOR|10.1.0.0']);
    } finally {
      process.kill(server.pid!, 'SIGCONT');
      probe.disconnect();
      await t.close();
    }
  });

  it('a read that gets no reply fails as TIMEOUT, naming the switch and the endpoint', async () => {
    const t = new RedisTransport('leaf2', { socket, commandTimeoutMs: 300 });
    try {
      await t.read('CONFIG_DB'); // connected before the pause
      process.kill(server.pid!, 'SIGSTOP');
      await expect(t.read('CONFIG_DB')).rejects.toThrow(`leaf2 (redis unix:${socket}): no reply within 300 ms (redis hung, paused or overloaded)`);
      // A new connection to the hung server: the kernel accepts it, the handshake gets no reply.
      const t0 = Date.now();
      await expect(t.read('STATE_DB')).rejects.toThrow(`leaf2 (redis unix:${socket}): connected, but no reply within 300 ms (redis hung, paused or overloaded)`);
      expect(Date.now() - t0).toBeLessThan(1_500);
    } finally {
      process.kill(server.pid!, 'SIGCONT');
      await t.close();
    }
  });
});

/** A unix-socket proxy to the redis-server that passes the server's answers on in slices of
 *  `slice` bytes every `everyMs` (a big reply streaming in over a slow link, or to a busy
 *  controller), and none past `stopAfter` bytes (a server that stops mid-reply). */
async function tricklingProxy(path: string, slice: number, everyMs: number, stopAfter = Number.POSITIVE_INFINITY): Promise<{ close: () => Promise<void> }> {
  const socks: Socket[] = [];
  const timers: NodeJS.Timeout[] = [];
  const proxy = createServer((client) => {
    const upstream = netConnect({ path: socket });
    socks.push(client, upstream);
    let queued = Buffer.alloc(0);
    let passed = 0;
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => (queued = Buffer.concat([queued, d])));
    timers.push(
      setInterval(() => {
        const n = Math.min(slice, queued.length, stopAfter - passed);
        if (n <= 0) return;
        client.write(queued.subarray(0, n));
        queued = queued.subarray(n);
        passed += n;
      }, everyMs),
    );
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => proxy.listen(path, r));
  return {
    close: () => {
      for (const t of timers) clearInterval(t);
      for (const s of socks) s.destroy();
      return new Promise((r) => proxy.close(() => r()));
    },
  };
}

describe('RedisTransport read timeout: a silent server, not a long reply', () => {
  const KEYS = 4_000;
  beforeAll(async () => {
    const r = new Redis({ path: socket, db: DB_ID.APPL_DB });
    const m = r.multi();
    for (let i = 0; i < KEYS; i++) m.hset(`TRICKLE_TABLE:10.${i >> 8}.${i & 255}.0/24`, { nexthop: '10.0.0.1,10.0.0.3,10.0.0.5,10.0.0.7', ifname: 'Ethernet248,Ethernet252,Ethernet240,Ethernet244' });
    await m.exec();
    r.disconnect();
  });

  it('a reply that keeps coming, slower in all than the timeout, is read whole', async () => {
    const proxy = await tricklingProxy(join(dir, 'trickle.sock'), 32 * 1024, 100);
    const t = new RedisTransport('spine7', { socket: join(dir, 'trickle.sock'), commandTimeoutMs: 400 });
    try {
      const t0 = Date.now();
      const got = await t.read('APPL_DB', ['TRICKLE_TABLE']);
      expect(Date.now() - t0).toBeGreaterThan(1_000); // over 300 KiB at 32 KiB per 100 ms
      expect(got.size).toBe(KEYS);
      expect(got.get('TRICKLE_TABLE:10.15.159.0/24')).toEqual({ nexthop: '10.0.0.1,10.0.0.3,10.0.0.5,10.0.0.7', ifname: 'Ethernet248,Ethernet252,Ethernet240,Ethernet244' });
    } finally {
      await t.close();
      await proxy.close();
    }
  });

  it('a reply that stops coming fails as TIMEOUT once the server has been silent for the timeout, saying how much came', async () => {
    const proxy = await tricklingProxy(join(dir, 'stall.sock'), 32 * 1024, 50, 100_000);
    const t = new RedisTransport('spine8', { socket: join(dir, 'stall.sock'), commandTimeoutMs: 400 });
    try {
      const t0 = Date.now();
      const err = await t.read('APPL_DB', ['TRICKLE_TABLE']).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SwitchError);
      expect((err as SwitchError).code).toBe('TIMEOUT');
      expect((err as SwitchError).message).toMatch(new RegExp(`^spine8 \\(redis unix:\\S+stall\\.sock\\): the reply stopped: nothing for 400 ms after [\\d,]+ bytes of it \\(redis hung, paused or overloaded\\)$`));
      const bytes = Number(/after ([\d,]+) bytes/.exec((err as SwitchError).message)![1]!.replaceAll(',', ''));
      expect(bytes).toBeGreaterThan(60_000); // the listing and the first slices of the values
      expect(bytes).toBeLessThanOrEqual(100_000);
      expect(Date.now() - t0).toBeLessThan(3_000);
    } finally {
      await t.close();
      await proxy.close();
    }
  });
});

describe('RedisTransport: a reply that stops part-way, on a write and on a subscription', () => {
  const FIELDS = 8_000;
  beforeAll(async () => {
    // One entry big enough that a write's read-back of it is over 100,000 bytes.
    const r = new Redis({ path: socket, db: DB_ID.CONFIG_DB });
    await r.hset('STALL_TABLE|big', Object.fromEntries(Array.from({ length: FIELDS }, (_, i) => [`field${i}`, `value-of-field-${i}`])));
    r.disconnect();
  });

  it('a transaction whose answer stops coming: TIMEOUT, state unknown, saying how much came', async () => {
    const proxy = await tricklingProxy(join(dir, 'stall-apply.sock'), 32 * 1024, 50, 100_000);
    const t = new RedisTransport('leaf9', { socket: join(dir, 'stall-apply.sock'), commandTimeoutMs: 400 });
    try {
      const err = await t.apply([{ op: 'update', key: 'STALL_TABLE|big', set: { field0: 'changed' }, impact: 'none' }] as Change[]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SwitchError);
      expect((err as SwitchError).code).toBe('TIMEOUT');
      expect((err as SwitchError).outcome).toBe('unknown');
      expect((err as SwitchError).message).toMatch(
        /^leaf9 \(redis unix:\S+stall-apply\.sock\): state unknown: transaction sent, the reply stopped: nothing for 400 ms after [\d,]+ bytes of it \(redis hung, paused or overloaded\): it may still be applied, whole, when the switch answers again$/,
      );
      const bytes = Number(/after ([\d,]+) bytes/.exec((err as SwitchError).message)![1]!.replaceAll(',', ''));
      expect(bytes).toBeGreaterThan(50_000);
      expect(bytes).toBeLessThanOrEqual(100_000);
    } finally {
      await t.close();
      await proxy.close();
    }
  });

  it('a subscription whose answer stops part-way: TIMEOUT naming PSUBSCRIBE and the bytes', async () => {
    // The subscriber's handshake answer (+OK, 5 bytes) passes, then 15 bytes of the first
    // PSUBSCRIBE answer (about 60 bytes), then nothing.
    const proxy = await tricklingProxy(join(dir, 'stall-sub.sock'), 1024, 20, 20);
    const t = new RedisTransport('leaf10', { socket: join(dir, 'stall-sub.sock'), commandTimeoutMs: 400 });
    try {
      const t0 = Date.now();
      const err = await t.watch('STATE_DB', ['PORT_TABLE', 'NEIGH_STATE_TABLE'], () => undefined).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SwitchError);
      expect((err as SwitchError).code).toBe('TIMEOUT');
      expect((err as SwitchError).message).toMatch(/^leaf10 \(redis unix:\S+stall-sub\.sock\): the reply to PSUBSCRIBE stopped: nothing for 400 ms after [\d,]+ bytes of it \(redis hung, paused or overloaded\)$/);
      expect(Date.now() - t0).toBeLessThan(3_000);
    } finally {
      await t.close();
      await proxy.close();
    }
  });
});

describe('RedisTransport.close', () => {
  it('leaves no socket open to a paused redis (nothing keeps the process alive)', async () => {
    const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'PipeWrap').length;
    // Sockets the tests before closed (ended, not destroyed) go once redis answers their FIN.
    for (let last = -1; last !== sockets(); await sleep(100)) last = sockets();
    const before = sockets();
    const t = new RedisTransport('leaf5', { socket, commandTimeoutMs: 300 });
    try {
      await t.read('CONFIG_DB');
      const unwatch = await t.watch('STATE_DB', ['BGP_PEER_CONFIGURED_TABLE'], () => undefined);
      expect(sockets()).toBe(before + 2); // the connection (reads and transactions) and the subscriber
      process.kill(server.pid!, 'SIGSTOP');
      const t0 = Date.now();
      await t.close();
      await unwatch();
      await sleep(50);
      // QUIT, or a FIN the paused server never answers, would hold each socket until SIGCONT.
      expect(sockets()).toBe(before);
      expect(Date.now() - t0).toBeLessThan(1_000);
    } finally {
      process.kill(server.pid!, 'SIGCONT');
    }
  });
});

describe('RedisTransport.read', () => {
  it('reads a whole database sorted, skips a key that is not a hash, drops the filler; a write after reads of other databases still lands in CONFIG_DB', async () => {
    const t = new RedisTransport('leaf12', { socket });
    const probe = new Redis({ path: socket, db: DB_ID.CONFIG_DB });
    const state = new Redis({ path: socket, db: DB_ID.STATE_DB });
    try {
      await probe.flushdb();
      await probe.set('CONFIG_DB_INITIALIZED', '1');
      await probe.hset('PORT|Ethernet8', { mtu: '9100' });
      await probe.hset('INTERFACE|Ethernet0', { NULL: 'NULL' });
      await probe.hset('PORTCHANNEL|PortChannel1', { mtu: '9100', NULL: 'NULL' });
      await probe.hset('PORT|Ethernet0', { mtu: '1500' });
      await state.hset('PORT_TABLE|Ethernet0', { state: 'ok' });
      expect([...(await t.read('CONFIG_DB'))]).toEqual([
        ['INTERFACE|Ethernet0', {}],
        ['PORTCHANNEL|PortChannel1', { mtu: '9100' }],
        ['PORT|Ethernet0', { mtu: '1500' }],
        ['PORT|Ethernet8', { mtu: '9100' }],
      ]);
      expect([...(await t.read('STATE_DB', ['PORT_TABLE']))]).toEqual([['PORT_TABLE|Ethernet0', { state: 'ok' }]]);
      await t.apply([{ op: 'add', key: 'VLAN|Vlan12', set: { vlanid: '12' }, after: { vlanid: '12' }, impact: 'none' }] as Change[]);
      expect(await probe.hgetall('VLAN|Vlan12')).toEqual({ vlanid: '12' });
      expect(await state.exists('VLAN|Vlan12')).toBe(0);
    } finally {
      await probe.flushdb();
      await state.del('PORT_TABLE|Ethernet0');
      probe.disconnect();
      state.disconnect();
      await t.close();
    }
  });
});

describe('RedisTransport.apply', () => {
  it('writes the change set in one transaction and returns what it reads back in it', async () => {
    const t = new RedisTransport('leaf3', { socket });
    const probe = new Redis({ path: socket, db: DB_ID.CONFIG_DB });
    try {
      await probe.flushdb();
      await probe.hset('PORT|Ethernet0', { admin_status: 'down', alias: 'fortyGigE0/0', description: 'old' });
      await probe.hset('VLAN|Vlan9', { vlanid: '9' });
      const receipt = await t.apply([
        { op: 'delete', key: 'VLAN|Vlan9', before: { vlanid: '9' }, impact: 'none' },
        { op: 'update', key: 'PORT|Ethernet0', set: { admin_status: 'up' }, unset: ['description'], before: { admin_status: 'down', alias: 'fortyGigE0/0', description: 'old' }, after: { admin_status: 'up', alias: 'fortyGigE0/0' }, impact: 'none' },
        { op: 'add', key: 'INTERFACE|Ethernet0', set: {}, after: {}, impact: 'none' },
        { op: 'add', key: 'INTERFACE|Ethernet0|10.1.0.1/31', set: {}, after: {}, impact: 'none' },
      ] as Change[]);
      // Entries without fields are held as {NULL: NULL} and read back as {} (present, no fields);
      // the deleted key is absent.
      expect(receipt && Object.fromEntries(receipt.readBack)).toEqual({
        'PORT|Ethernet0': { admin_status: 'up', alias: 'fortyGigE0/0' },
        'INTERFACE|Ethernet0': {},
        'INTERFACE|Ethernet0|10.1.0.1/31': {},
      });
      expect(await probe.hgetall('INTERFACE|Ethernet0')).toEqual({ NULL: 'NULL' });
      expect(await probe.exists('VLAN|Vlan9')).toBe(0);
    } finally {
      probe.disconnect();
      await t.close();
    }
  });

  it('an added key someone wrote between plan and apply is read back as it is: a field it had, a field besides, the filler', async () => {
    const t = new RedisTransport('leaf6', { socket });
    const probe = new Redis({ path: socket, db: DB_ID.CONFIG_DB });
    try {
      await probe.flushdb();
      // Plan found none of these; since then one got an asn of its own and a field clos does not
      // write, one a VRF, and one was created empty (SONiC's NULL filler).
      await probe.hset('BGP_NEIGHBOR|10.1.0.0', { asn: '64999', holdtime: '9' });
      await probe.hset('INTERFACE|Ethernet8', { vrf_name: 'Vrf1' });
      await probe.hset('INTERFACE|Ethernet4|10.1.0.5/31', { NULL: 'NULL' });
      const receipt = await t.apply([
        { op: 'add', key: 'BGP_NEIGHBOR|10.1.0.0', set: { asn: '65100', admin_status: 'up' }, after: { asn: '65100', admin_status: 'up' }, impact: 'none' },
        { op: 'add', key: 'INTERFACE|Ethernet8', set: {}, after: {}, impact: 'none' },
        { op: 'add', key: 'INTERFACE|Ethernet4|10.1.0.5/31', set: { scope: 'global' }, after: { scope: 'global' }, impact: 'none' },
        { op: 'add', key: 'INTERFACE|Ethernet12', set: {}, after: {}, impact: 'none' },
      ] as Change[]);
      expect(receipt && Object.fromEntries(receipt.readBack)).toEqual({
        'BGP_NEIGHBOR|10.1.0.0': { asn: '65100', admin_status: 'up', holdtime: '9' },
        'INTERFACE|Ethernet8': { vrf_name: 'Vrf1' },
        'INTERFACE|Ethernet4|10.1.0.5/31': { scope: 'global' },
        'INTERFACE|Ethernet12': {},
      });
    } finally {
      probe.disconnect();
      await t.close();
    }
  });

  it('a command refused at run time fails the switch naming the command (the rest ran: the caller restores)', async () => {
    const t = new RedisTransport('leaf4', { socket });
    const probe = new Redis({ path: socket, db: DB_ID.CONFIG_DB });
    try {
      await probe.flushdb();
      await probe.set('PORT|Ethernet4', 'not a hash');
      const err = await t.apply([
        { op: 'add', key: 'INTERFACE|Ethernet4', set: {}, after: {}, impact: 'none' },
        { op: 'update', key: 'PORT|Ethernet4', set: { admin_status: 'up' }, before: {}, after: { admin_status: 'up' }, impact: 'none' },
      ] as Change[]).then(() => undefined, (e: unknown) => e as SwitchError);
      expect(err?.code).toBe('REJECTED');
      expect(err?.message).toMatch(new RegExp(`^leaf4 \\(redis unix:\\S+\\): command 2 of the transaction failed: WRONGTYPE`));
    } finally {
      probe.disconnect();
      await t.close();
    }
  });
});

describe('RedisTransport connections', () => {
  it('reads of several databases and the transaction share one connection; watches of every database share one more', async () => {
    const t = new RedisTransport('leaf5', { socket });
    const probe = new Redis({ path: socket });
    const seen: string[] = [];
    try {
      const before = Number((await probe.info('clients')).match(/connected_clients:(\d+)/)![1]);
      await probe.config('SET', 'notify-keyspace-events', 'KA');
      await Promise.all([t.read('CONFIG_DB', ['PORT']), t.read('STATE_DB', ['PORT_TABLE']), t.read('APPL_DB', ['ROUTE_TABLE'])]);
      await t.apply([{ op: 'add', key: 'VLAN|Vlan5', set: { vlanid: '5' }, after: { vlanid: '5' }, impact: 'none' }] as Change[]);
      const unwatchState = await t.watch('STATE_DB', ['PORT_TABLE'], (k) => seen.push(`state ${k}`));
      const unwatchAppl = await t.watch('APPL_DB', ['ROUTE_TABLE'], (k) => seen.push(`appl ${k}`));
      expect(Number((await probe.info('clients')).match(/connected_clients:(\d+)/)![1]) - before).toBe(2);
      await probe.select(DB_ID.STATE_DB);
      await probe.hset('PORT_TABLE|Ethernet0', { state: 'ok' });
      await probe.select(DB_ID.APPL_DB);
      await probe.hset('ROUTE_TABLE:10.0.0.1', { nexthop: '10.64.0.0' });
      await probe.hset('INTF_TABLE:Ethernet0', { NULL: 'NULL' }); // not watched
      for (const deadline = Date.now() + 5_000; seen.length < 2 && Date.now() < deadline; ) await sleep(10);
      expect(seen.sort()).toEqual(['appl ROUTE_TABLE:10.0.0.1', 'state PORT_TABLE|Ethernet0']);
      await unwatchAppl();
      await probe.hset('ROUTE_TABLE:10.0.0.2', { nexthop: '10.64.0.0' });
      await probe.select(DB_ID.STATE_DB);
      await probe.hset('PORT_TABLE|Ethernet4', { state: 'ok' });
      for (const deadline = Date.now() + 5_000; seen.length < 3 && Date.now() < deadline; ) await sleep(10);
      await sleep(50);
      expect(seen.slice(2)).toEqual(['state PORT_TABLE|Ethernet4']);
      await unwatchState();
    } finally {
      probe.disconnect();
      await t.close();
    }
  });
});

/** A unix socket in front of the redis-server that passes what the client sends at once, and
 *  holds the server's answers until released: what the client sent before any answer shows. */
async function holdingProxy(path: string): Promise<{ sentBeforeAnswer: () => string; sentAfterRelease: () => string; release: () => void; close: () => Promise<void> }> {
  let early = '';
  let late = '';
  let held = true;
  const waiting: (() => void)[] = [];
  const socks: Socket[] = [];
  const proxy = createServer((client) => {
    const upstream = netConnect({ path: socket });
    socks.push(client, upstream);
    client.on('data', (d) => {
      if (held) early += d.toString();
      else late += d.toString();
      upstream.write(d);
    });
    upstream.on('data', (d) => (held ? waiting.push(() => client.write(d)) : client.write(d)));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => proxy.listen(path, r));
  return {
    sentBeforeAnswer: () => early,
    sentAfterRelease: () => late,
    release: () => {
      held = false;
      for (const w of waiting.splice(0)) w();
    },
    close: () => {
      for (const s of socks) s.destroy();
      return new Promise((r) => proxy.close(() => r()));
    },
  };
}

describe('RedisTransport on a new connection', () => {
  it('a read goes out with AUTH/SELECT, not a round trip after them; a write waits for their answer', async () => {
    const probe = new Redis({ path: socket, db: DB_ID.APPL_DB });
    await probe.hset('HOLD_TABLE:10.9.0.0/31', { nexthop: '10.0.0.1' });
    const reading = await holdingProxy(join(dir, 'read-proxy.sock'));
    const writing = await holdingProxy(join(dir, 'write-proxy.sock'));
    const reader = new RedisTransport('leaf10', { socket: join(dir, 'read-proxy.sock') });
    const writer = new RedisTransport('leaf11', { socket: join(dir, 'write-proxy.sock') });
    try {
      const read = reader.read('APPL_DB', ['HOLD_TABLE']);
      const write = writer.apply([{ op: 'add', key: 'VLAN|Vlan9', set: { vlanid: '9' }, after: { vlanid: '9' }, impact: 'none' }] as Change[]);
      for (const deadline = Date.now() + 5_000; !/KEYS/.test(reading.sentBeforeAnswer()) && Date.now() < deadline; ) await sleep(10);
      await sleep(100);
      expect(reading.sentBeforeAnswer()).toMatch(/SELECT[\s\S]*MULTI[\s\S]*KEYS[\s\S]*HOLD_TABLE:\*[\s\S]*EXEC/);
      expect(writing.sentBeforeAnswer()).toMatch(/SELECT/);
      expect(writing.sentBeforeAnswer()).not.toMatch(/MULTI|HSET/);
      reading.release();
      writing.release();
      expect([...(await read)]).toEqual([['HOLD_TABLE:10.9.0.0/31', { nexthop: '10.0.0.1' }]]);
      await write;
      await probe.select(DB_ID.CONFIG_DB);
      expect(await probe.hgetall('VLAN|Vlan9')).toEqual({ vlanid: '9' });
    } finally {
      await probe.select(DB_ID.APPL_DB);
      await probe.del('HOLD_TABLE:10.9.0.0/31');
      await probe.select(DB_ID.CONFIG_DB);
      await probe.del('VLAN|Vlan9');
      probe.disconnect();
      await reader.close();
      await writer.close();
      await reading.close();
      await writing.close();
    }
  });
});

describe('RedisTransport.read with expected keys', () => {
  it('finding only expected keys is one round trip; a key not expected costs one more; the result is the same without expectations', async () => {
    const probe = new Redis({ path: socket, db: DB_ID.CONFIG_DB });
    const keys = ['PORT|Ethernet100', 'PORT|Ethernet104', 'PORT|Ethernet108', 'VLAN|Vlan77'];
    await probe.del(...keys);
    await probe.hset('PORT|Ethernet100', { mtu: '9100' });
    await probe.hset('PORT|Ethernet104', { NULL: 'NULL' });
    await probe.set('PORT|Ethernet108', 'not a hash');
    await probe.hset('VLAN|Vlan77', { vlanid: '77' });
    const plain = new RedisTransport('leaf13', { socket });
    try {
      const want = [...(await plain.read('CONFIG_DB', ['PORT', 'VLAN']))];
      expect(want.filter(([k]) => keys.includes(k))).toEqual([['PORT|Ethernet100', { mtu: '9100' }], ['PORT|Ethernet104', {}], ['VLAN|Vlan77', { vlanid: '77' }]]);
      // Expected: every key there (the one that is no hash too), one that does not exist, one of
      // a table not read; then only some of them.
      const there = [...(await probe.keys('PORT|*')), ...(await probe.keys('VLAN|*'))];
      const all = [...there, 'PORT|Ethernet112', 'BGP_NEIGHBOR|10.0.0.1'];
      const some = ['PORT|Ethernet100', 'PORT|Ethernet112', 'PORT|Ethernet108'];
      for (const [expectKeys, secondRound] of [[all, []], [some, there.filter((k) => !some.includes(k))]] as const) {
        const proxy = await holdingProxy(join(dir, 'expect-proxy.sock'));
        const t = new RedisTransport('leaf13', { socket: join(dir, 'expect-proxy.sock') });
        try {
          const read = t.read('CONFIG_DB', ['PORT', 'VLAN'], { expect: expectKeys });
          for (const deadline = Date.now() + 5_000; !/HGETALL/.test(proxy.sentBeforeAnswer()) && Date.now() < deadline; ) await sleep(10);
          await sleep(50);
          // The listing and the expected keys' values in the same write, before any answer.
          expect(proxy.sentBeforeAnswer()).toMatch(/KEYS[\s\S]*PORT\|\*[\s\S]*EXEC[\s\S]*MULTI[\s\S]*HGETALL[\s\S]*EXEC/);
          for (const k of expectKeys) expect(proxy.sentBeforeAnswer()).toContain(k);
          proxy.release();
          expect([...(await read)]).toEqual(want);
          const after = proxy.sentAfterRelease();
          if (secondRound.length === 0) expect(after).toBe('');
          else {
            expect(after).toMatch(/MULTI[\s\S]*HGETALL[\s\S]*EXEC/);
            expect(after.match(/HGETALL/g)).toHaveLength(secondRound.length);
            for (const k of secondRound) expect(after).toContain(k);
          }
        } finally {
          await t.close();
          await proxy.close();
        }
      }
    } finally {
      await probe.del(...keys);
      probe.disconnect();
      await plain.close();
    }
  });
});

describe('RedisTransport.read unordered, with expected keys', () => {
  it('holds the same entries as a plain read: every key expected and found, one expected that is absent, one listed not expected, a key that is no hash', async () => {
    const probe = new Redis({ path: socket, db: DB_ID.APPL_DB });
    const keys = ['ROUTE_TABLE:10.9.0.1', 'ROUTE_TABLE:10.9.0.2', 'ROUTE_TABLE:10.9.0.3', 'PORT_TABLE:Ethernet9'];
    await probe.del(...keys);
    await probe.hset('ROUTE_TABLE:10.9.0.1', { nexthop: '10.0.0.1,10.0.0.3', ifname: 'Ethernet0,Ethernet4' });
    await probe.hset('ROUTE_TABLE:10.9.0.2', { nexthop: '10.0.0.1,10.0.0.3', ifname: 'Ethernet0,Ethernet4' });
    await probe.hset('PORT_TABLE:Ethernet9', { oper_status: 'up' });
    const t = new RedisTransport('leaf14', { socket });
    const sorted = (m: Map<string, Fields>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));
    try {
      const tables = ['ROUTE_TABLE', 'PORT_TABLE'];
      const plain = sorted(await t.read('APPL_DB', tables));
      expect(plain.filter(([k]) => keys.includes(k)).map(([k]) => k)).toEqual(['PORT_TABLE:Ethernet9', 'ROUTE_TABLE:10.9.0.1', 'ROUTE_TABLE:10.9.0.2']);
      const there = [...(await probe.keys('ROUTE_TABLE:*')), ...(await probe.keys('PORT_TABLE:*'))];
      const cases = [there, [...there, 'ROUTE_TABLE:10.9.0.3'], there.slice(1), [...there].reverse()];
      for (const expectKeys of cases) expect(sorted(await t.read('APPL_DB', tables, { expect: expectKeys, unordered: true })), expectKeys.join(' ')).toEqual(plain);
      // A key of the tables that is no hash: listed, never an entry.
      await probe.set('ROUTE_TABLE:10.9.0.3', 'not a hash');
      expect(sorted(await t.read('APPL_DB', tables, { expect: [...there, 'ROUTE_TABLE:10.9.0.3'], unordered: true }))).toEqual(plain);
    } finally {
      await probe.del(...keys);
      probe.disconnect();
      await t.close();
    }
  });
});

describe('the descriptor budget', () => {
  it('beyond it, the connection idle for longest is closed and its switch reconnects on next use', async () => {
    const max = connections.max;
    const ts = ['leaf6', 'leaf7', 'leaf8'].map((n) => new RedisTransport(n, { socket }));
    const probe = new Redis({ path: socket });
    try {
      const clients = async () => Number((await probe.info('clients')).match(/connected_clients:(\d+)/)![1]) - 1;
      const base = connections.open;
      connections.max = base + 2;
      await probe.select(DB_ID.CONFIG_DB);
      await probe.hset('VLAN|Vlan8', { vlanid: '8' });
      for (const t of ts) expect([...(await t.read('CONFIG_DB', ['VLAN'])).keys()]).toContain('VLAN|Vlan8');
      expect(connections.open - base).toBe(2);
      expect(await clients()).toBeLessThanOrEqual(2 + base);
      // leaf6's connection was the one closed; it opens again, and a transaction goes through.
      await ts[0]!.apply([{ op: 'add', key: 'VLAN|Vlan9', set: { vlanid: '9' }, after: { vlanid: '9' }, impact: 'none' }] as Change[]);
      expect(await probe.hgetall('VLAN|Vlan9')).toEqual({ vlanid: '9' });
      expect(connections.open - base).toBe(2);
    } finally {
      connections.max = max;
      probe.disconnect();
      await Promise.all(ts.map((t) => t.close()));
    }
  });
});
