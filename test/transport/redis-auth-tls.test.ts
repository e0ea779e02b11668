// The Redis transport's credentials and TLS, against real redis-servers: a password (default
// user), an ACL user, and TLS with a CA. Reads and the transaction share the RESP connection;
// both must authenticate the same way and fail the same way (REJECTED on a wrong
// password, naming switch and endpoint, and nothing written).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.ts';
import type { Change } from '../../src/core/diff/diff.ts';
import { RedisTransport } from '../../src/transport/redis.ts';
import { DB_ID, SwitchError } from '../../src/transport/transport.ts';

let dir: string;
const servers: ChildProcess[] = [];
let authSocket: string;
let tlsPort: number;

const ADD: Change[] = [{ op: 'add', key: 'INTERFACE|Ethernet0', set: {}, after: {}, impact: 'none' }] as Change[];

async function start(args: string[], ready: () => boolean): Promise<void> {
  const p = spawn('redis-server', ['--save', '', '--appendonly', 'no', '--dir', dir, ...args], { stdio: 'ignore' });
  servers.push(p);
  const deadline = Date.now() + 10_000;
  while (!ready()) {
    if (Date.now() > deadline || p.exitCode !== null) throw new Error(`redis-server ${args.join(' ')} did not start`);
    await sleep(20);
  }
  if (p.exitCode !== null) throw new Error(`redis-server ${args.join(' ')} exited`);
}

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** A CA and a server certificate for 127.0.0.1, signed by it. */
function makeCa(name: string): void {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clos-redis-auth-'));
  authSocket = join(dir, 'auth.sock');
  await start(['--port', '0', '--unixsocket', authSocket, '--requirepass', 's3cret', '--user', 'clos', 'on', '>pw2', '~*', '&*', '+@all', '--user', 'reader', 'on', '>pw3', '~*', '+multi', '+exec', '+select', '+keys', '+hgetall', '--user', 'nokeys', 'on', '>pw4', '~*', '+multi', '+exec', '+select', '+hgetall', '--user', 'nohash', 'on', '>pw5', '~*', '+multi', '+exec', '+select', '+keys'], () => {
    if (!existsSync(authSocket)) return false;
    try {
      return execFileSync('redis-cli', ['-s', authSocket, '--user', 'clos', '--pass', 'pw2', '--no-auth-warning', 'PING'], { encoding: 'utf8' }).trim() === 'PONG';
    } catch {
      return false;
    }
  });

  makeCa('ca');
  makeCa('other-ca');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=leaf1', '-keyout', 'server.key', '-out', 'server.csr');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'san.ext', '-out', 'server.crt');
  tlsPort = await freePort();
  const tlsArgs = ['--port', '0', '--bind', '127.0.0.1', '--tls-port', String(tlsPort), '--tls-cert-file', join(dir, 'server.crt'), '--tls-key-file', join(dir, 'server.key'), '--tls-ca-cert-file', join(dir, 'ca.crt'), '--tls-auth-clients', 'no'];
  let listening = false;
  await start(tlsArgs, () => {
    try {
      execFileSync('redis-cli', ['--tls', '--cacert', join(dir, 'ca.crt'), '-h', '127.0.0.1', '-p', String(tlsPort), 'PING'], { stdio: 'pipe' });
      listening = true;
    } catch {
      // not yet
    }
    return listening;
  });
}, 60_000);

afterAll(async () => {
  await Promise.all(
    servers.map((s) =>
      s.exitCode === null
        ? new Promise((r) => {
            s.once('exit', r);
            s.kill('SIGTERM');
          })
        : undefined,
    ),
  );
  rmSync(dir, { recursive: true, force: true });
});

describe('RedisTransport credentials', () => {
  it('with the password, reads and the transaction both authenticate', async () => {
    const t = new RedisTransport('leaf1', { socket: authSocket, password: 's3cret' });
    try {
      expect((await t.read('CONFIG_DB')).size).toBe(0);
      const receipt = await t.apply(ADD);
      expect(receipt && [...receipt.readBack.keys()]).toEqual(['INTERFACE|Ethernet0']);
    } finally {
      await t.close();
    }
  });

  it('an ACL user with its password works the same', async () => {
    const t = new RedisTransport('leaf2', { socket: authSocket, username: 'clos', password: 'pw2' });
    try {
      expect([...(await t.read('CONFIG_DB', ['INTERFACE'])).keys()]).toEqual(['INTERFACE|Ethernet0']);
      await t.apply([{ op: 'delete', key: 'INTERFACE|Ethernet0', before: {}, impact: 'none' }] as Change[]);
    } finally {
      await t.close();
    }
  });

  it('a read needs only +multi, +exec, +select, +keys and +hgetall; without one it is REJECTED, saying what it needs', async () => {
    const seed = new Redis({ path: authSocket, password: 's3cret', db: DB_ID.APPL_DB });
    const reader = new RedisTransport('leaf4', { socket: authSocket, username: 'reader', password: 'pw3' });
    const denied = new RedisTransport('leaf5', { socket: authSocket, username: 'nokeys', password: 'pw4' });
    const noHgetall = new RedisTransport('leaf6', { socket: authSocket, username: 'nohash', password: 'pw5' });
    try {
      await seed.hset('ROUTE_TABLE:10.1.0.0/31', { nexthop: '10.0.0.1', ifname: 'Ethernet0' });
      expect([...(await reader.read('APPL_DB', ['ROUTE_TABLE']))]).toEqual([['ROUTE_TABLE:10.1.0.0/31', { nexthop: '10.0.0.1', ifname: 'Ethernet0' }]]);
      // With expected keys (read with the listing) the same commands, the same result.
      expect([...(await reader.read('APPL_DB', ['ROUTE_TABLE'], { expect: ['ROUTE_TABLE:10.1.0.0/31', 'ROUTE_TABLE:10.9.0.0/31'] }))]).toEqual([['ROUTE_TABLE:10.1.0.0/31', { nexthop: '10.0.0.1', ifname: 'Ethernet0' }]]);
      const err = await denied.read('APPL_DB', ['ROUTE_TABLE']).then(() => undefined, (e: unknown) => e as SwitchError);
      expect(err?.code).toBe('REJECTED');
      expect(err?.message).toMatch(/^leaf5 \(redis unix:.*\): read refused: .*NOPERM.*keys.*the redis user needs \+multi, \+exec, \+select, \+keys, \+hgetall\)$/);
      // The expected keys' transaction refused (no +hgetall): the read is refused, saying so.
      const noHash = await noHgetall.read('APPL_DB', ['ROUTE_TABLE'], { expect: ['ROUTE_TABLE:10.1.0.0/31'] }).then(() => undefined, (e: unknown) => e as SwitchError);
      expect(noHash?.code).toBe('REJECTED');
      expect(noHash?.message).toMatch(/^leaf6 \(redis unix:.*\): read refused: .*NOPERM.*hgetall.*the redis user needs \+multi, \+exec, \+select, \+keys, \+hgetall\)$/);
    } finally {
      await seed.del('ROUTE_TABLE:10.1.0.0/31');
      seed.disconnect();
      await reader.close();
      await denied.close();
      await noHgetall.close();
    }
  });

  it('a wrong password is REJECTED, naming switch and endpoint, and writes nothing', async () => {
    const t = new RedisTransport('leaf3', { socket: authSocket, password: 'hunter2-bad' });
    const probe = new Redis({ path: authSocket, password: 's3cret', db: DB_ID.CONFIG_DB });
    try {
      const err = await t.apply(ADD).then(() => undefined, (e: unknown) => e as SwitchError);
      expect(err).toBeInstanceOf(SwitchError);
      expect(err?.code).toBe('REJECTED');
      expect(err?.message).toMatch(new RegExp(`^leaf3 \\(redis unix:${authSocket.replace(/[./-]/g, '\\$&')}\\): authentication failed: WRONGPASS`));
      expect(err?.message).not.toContain('hunter2'); // the password itself is never in a message
      await expect(t.read('CONFIG_DB')).rejects.toThrow(/authentication failed/);
      expect(await probe.exists('INTERFACE|Ethernet0')).toBe(0);
    } finally {
      probe.disconnect();
      await t.close();
    }
  });
});

describe('RedisTransport over TLS', () => {
  it('with the CA that signed the server, reads and the transaction both go over TLS', async () => {
    const t = new RedisTransport('spine1', { host: '127.0.0.1', port: tlsPort, tls: { ca: join(dir, 'ca.crt') } });
    try {
      expect(t.endpoint).toBe(`redis 127.0.0.1:${tlsPort} (TLS)`);
      expect((await t.read('CONFIG_DB')).size).toBe(0);
      const receipt = await t.apply(ADD);
      expect(receipt && Object.fromEntries(receipt.readBack)).toEqual({ 'INTERFACE|Ethernet0': {} });
    } finally {
      await t.close();
    }
  });

  it('with another CA, the transaction is refused before anything is sent', async () => {
    const t = new RedisTransport('spine2', { host: '127.0.0.1', port: tlsPort, tls: { ca: join(dir, 'other-ca.crt') } });
    try {
      const err = await t.apply([{ op: 'add', key: 'VLAN|Vlan7', set: { vlanid: '7' }, after: { vlanid: '7' }, impact: 'none' }] as Change[]).then(
        () => undefined,
        (e: unknown) => e as SwitchError,
      );
      expect(err?.code).toBe('UNREACHABLE');
      expect(err?.message).toMatch(new RegExp(`^spine2 \\(redis 127\\.0\\.0\\.1:${tlsPort} \\(TLS\\)\\): cannot connect: .*certificate`));
      expect(err?.message).toBe(`spine2 (redis 127.0.0.1:${tlsPort} (TLS)): cannot connect: TLS handshake failed: the server certificate chain ends in a CA that is not trusted (tls.ca) (SELF_SIGNED_CERT_IN_CHAIN)`);
    } finally {
      await t.close();
    }
  });

  it('without TLS to a TLS port: the reset is said, with the likely cause', async () => {
    const t = new RedisTransport('spine3', { host: '127.0.0.1', port: tlsPort });
    try {
      const err = await t.read('CONFIG_DB').then(() => undefined, (e: unknown) => e as SwitchError);
      expect(err?.code).toBe('UNREACHABLE');
      expect(err?.message).toBe(`spine3 (redis 127.0.0.1:${tlsPort}): cannot connect: the server reset the connection while connecting (a TLS port? then the inventory needs redis.tls)`);
    } finally {
      await t.close();
    }
  });
});
