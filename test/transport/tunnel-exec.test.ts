// Reaching a localhost-only redis through a stdio stream (the `via` of the inventory), and the
// ssh/docker exec channels, without sshd or a Docker engine: the tunnel is driven by the same
// bash /dev/tcp bridge `docker exec` runs inside a container, and `ssh` is a stand-in on PATH
// that records its argv.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.ts';
import type { Change } from '../../src/core/diff/diff.ts';
import { execChannel, runProcess } from '../../src/transport/exec.ts';
import { RedisTransport } from '../../src/transport/redis.ts';
import { SwitchError } from '../../src/transport/transport.ts';
import { BRIDGE, openTunnel, tunnelCommand } from '../../src/transport/tunnel.ts';

let dir: string;
let redis: ChildProcess;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clos-tunnel-'));
  port = await freePort();
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  probe.on('error', () => {});
  for (let i = 0; ; i++) {
    try {
      await probe.connect();
      break;
    } catch {
      if (i > 200) throw new Error('redis-server did not start');
      await sleep(25);
    }
  }
  probe.disconnect();
});

afterAll(() => {
  redis.kill('SIGTERM'); // only the server this file started
  rmSync(dir, { recursive: true, force: true });
});

describe('tunnel (inventory `via`)', () => {
  it('builds the ssh and docker-exec stream commands', () => {
    expect(tunnelCommand({ kind: 'ssh', host: '192.0.2.10', port: 2222, user: 'admin' }, '127.0.0.1', 6379)).toEqual([
      'ssh', '-p', '2222', '-o', 'BatchMode=yes', '-W', '127.0.0.1:6379', '--', 'admin@192.0.2.10',
    ]);
    const docker = tunnelCommand({ kind: 'docker-exec', container: 'clab-dc1-leaf1' }, '127.0.0.1', 6379);
    expect(docker).toEqual(['docker', 'exec', '-i', '--', 'clab-dc1-leaf1', 'bash', '-c', BRIDGE, 'bash', '127.0.0.1', '6379']);
  });

  it('carries the Redis transport (reads and the transaction) through a stdio bridge, and closes', async () => {
    // The very script `docker exec -i <container> bash -c …` would run, run here without Docker.
    const docker = tunnelCommand({ kind: 'docker-exec', container: 'c' }, '127.0.0.1', port);
    const bridge = docker.slice(docker.indexOf('bash'));
    const tunnel = await openTunnel(bridge);
    const t = new RedisTransport('leaf1', { host: '127.0.0.1', port: tunnel.port });
    try {
      const change = { op: 'add', key: 'PORT|Ethernet0', set: { admin_status: 'up' }, after: { admin_status: 'up' }, impact: 'none' } as Change;
      await t.apply([change]);
      expect((await t.read('CONFIG_DB', ['PORT'])).get('PORT|Ethernet0')).toEqual({ admin_status: 'up' });
      // The write really reached the server behind the tunnel.
      const direct = new Redis({ port, host: '127.0.0.1', db: 4 });
      expect(await direct.hgetall('PORT|Ethernet0')).toEqual({ admin_status: 'up' });
      direct.disconnect();
    } finally {
      await t.close();
      await tunnel.close();
    }
  });
});

describe('exec channels', () => {
  it('runs a command and returns its exit code and output', async () => {
    const r = await runProcess('leaf1', 'local', 'bash', ['-c', 'echo out; echo err >&2; exit 3']);
    expect(r).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('a command that hangs fails as TIMEOUT, naming the switch and the endpoint', async () => {
    const err = await runProcess('leaf1', 'ssh admin@192.0.2.1:22', 'sleep', ['5'], 200).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SwitchError);
    expect((err as SwitchError).code).toBe('TIMEOUT');
    expect((err as SwitchError).message).toMatch(/^leaf1 \(ssh admin@192\.0\.2\.1:22\): /);
  });

  it('a missing program fails as EXEC_FAILED', async () => {
    const err = await runProcess('leaf1', 'local', 'no-such-program-clos', []).catch((e: unknown) => e);
    expect((err as SwitchError).code).toBe('EXEC_FAILED');
  });

  it('ssh runs the command on the switch with batch mode and the arguments quoted for its shell', async () => {
    const bin = join(dir, 'bin');
    const log = join(dir, 'ssh-argv');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'ssh'), `#!/bin/bash\nprintf '%s\\n' "$@" > ${log}\necho '{"ipv4Unicast":{}}'\n`);
    chmodSync(join(bin, 'ssh'), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      const ch = execChannel('leaf1', { kind: 'ssh', host: '192.0.2.10', port: 2222, user: 'admin' })!;
      expect(ch.endpoint).toBe('ssh admin@192.0.2.10:2222');
      const r = await ch.run(['vtysh', '-c', 'show bgp summary json']);
      expect(r.stdout.trim()).toBe('{"ipv4Unicast":{}}');
      expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([
        '-p', '2222', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '--', 'admin@192.0.2.10', 'vtysh', '-c', "'show bgp summary json'",
      ]);
    } finally {
      process.env.PATH = path;
    }
  });
});
