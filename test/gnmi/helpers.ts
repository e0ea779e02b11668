// Helpers of the gNMI tests: a redis-server of the test's own on a 127.0.1.4x address (its pid
// recorded, stopped by that pid only), and certificates made with the openssl CLI.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

export interface TestRedis {
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  db(index: number): Redis;
  stop(): Promise<void>;
}

/** redis-server --port 6379 --bind <host>, keyspace notifications on as in SONiC. */
export async function startTestRedis(host: string): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'clos-gnmi-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', '6379', '--bind', host, '--save', '', '--appendonly', 'no', '--notify-keyspace-events', 'AKE', '--databases', '16', '--dir', dir],
    { stdio: 'ignore', detached: false },
  );
  const pid = child.pid!;
  const clients: Redis[] = [];
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = new Redis({ host, port: 6379, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    let info: string | undefined;
    try {
      await probe.connect();
      info = await probe.info('server');
    } catch {
      info = undefined;
    }
    probe.disconnect();
    if (info !== undefined) {
      // Another run's server on the same address must not be taken for ours.
      if (Number(/process_id:(\d+)/.exec(info)?.[1]) === pid) break;
      if (child.exitCode === null) process.kill(pid, 'SIGTERM');
      throw new Error(`${host}:6379 is already served by another redis-server (ours, pid ${pid}, could not bind): is another run of this test going on?`);
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`redis-server on ${host}:6379 did not start (pid ${pid})`);
    await sleep(50);
  }
  return {
    host,
    port: 6379,
    pid,
    db(index: number) {
      const r = new Redis({ host, port: 6379, db: index, maxRetriesPerRequest: 1 });
      r.on('error', () => {});
      clients.push(r);
      return r;
    },
    async stop() {
      for (const c of clients.splice(0)) c.disconnect();
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        process.kill(pid, 'SIGTERM');
        await Promise.race([exited, sleep(5000)]);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Pki {
  readonly dir: string;
  readonly ca: string; // PEM paths
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** A CA that signed nothing here. */
  readonly otherCa: string;
  pem(path: string): Buffer;
  remove(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/** A CA, a server certificate for `ip` (SAN IP and DNS localhost), a client certificate, and an
 *  unrelated CA. EC keys: fast to make. */
export function makePki(ip: string): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'clos-gnmi-pki-'));
  mkdirSync(dir, { recursive: true });
  const key = (name: string) => openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', name], dir);
  const ca = (name: string, cn: string) => {
    key(`${name}.key`);
    openssl(['req', '-x509', '-new', '-key', `${name}.key`, '-sha256', '-days', '2', '-subj', `/CN=${cn}`, '-out', `${name}.pem`], dir);
  };
  const leaf = (name: string, cn: string, ext: string) => {
    key(`${name}.key`);
    openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`], dir);
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.pem`], dir);
  };
  ca('ca', 'clos test CA');
  ca('other-ca', 'some other CA');
  leaf('server', 'leaf1', `subjectAltName=IP:${ip},DNS:localhost,DNS:leaf1\nextendedKeyUsage=serverAuth\n`);
  leaf('client', 'clos', 'extendedKeyUsage=clientAuth\n');
  return {
    dir,
    ca: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
    otherCa: join(dir, 'other-ca.pem'),
    pem: (p: string) => readFileSync(p),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Polls until the check holds (event-driven code under test; the poll only observes). */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}
