// verify against a real redis-server over a unix socket: the wait is driven by keyspace
// notifications, as on a SONiC switch (notify-keyspace-events AKE).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Check } from '../../src/core/checks/checks.ts';
import { verifyFabric } from '../../src/services/verify.ts';
import { RedisTransport } from '../../src/transport/redis.ts';
import { DB_ID } from '../../src/transport/transport.ts';

let dir: string;
let server: ChildProcess | undefined;
let socket: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clos-verify-redis-'));
  socket = join(dir, 'r.sock');
  server = spawn('redis-server', ['--port', '0', '--unixsocket', socket, '--save', '', '--appendonly', 'no', '--notify-keyspace-events', 'AKE', '--dir', dir], {
    stdio: 'ignore',
  });
  const deadline = Date.now() + 10_000;
  while (!existsSync(socket)) {
    if (Date.now() > deadline || server.exitCode !== null) throw new Error('redis-server did not start');
    await new Promise((r) => setTimeout(r, 20));
  }
});

afterAll(async () => {
  const s = server;
  if (s?.pid !== undefined && s.exitCode === null) {
    const exited = new Promise((r) => s.once('exit', r));
    process.kill(s.pid, 'SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('verify over Redis', () => {
  it('passes once STATE_DB entries arrive, woken by keyspace notifications', async () => {
    const checks: Check[] = [
      { id: 'port Ethernet0 up (STATE_DB)', switch: 'leaf1', kind: 'port', db: 'STATE_DB', expect: { type: 'fields', keys: ['PORT_TABLE|Ethernet0'], fields: { state: 'ok', netdev_oper_status: 'up' } } },
      { id: 'session 10.0.0.0 (spine1) Established', switch: 'leaf1', kind: 'bgp-session', db: 'STATE_DB', expect: { type: 'fields', keys: ['NEIGH_STATE_TABLE|10.0.0.0'], fields: { state: 'Established' } } },
      { id: 'address 10.0.0.1/31 on Ethernet0 (APPL_DB)', switch: 'leaf1', kind: 'address', db: 'APPL_DB', expect: { type: 'fields', keys: ['INTF_TABLE:Ethernet0:10.0.0.1/31'], fields: {} } },
    ];
    const transport = new RedisTransport('leaf1', { socket });
    const writer = new Redis({ path: socket, db: DB_ID.STATE_DB });
    const appl = new Redis({ path: socket, db: DB_ID.APPL_DB });
    try {
      const t0 = Date.now();
      const run = verifyFabric({ links: [{ name: 'leaf1', transport, close: () => transport.close() }], checks, timeoutMs: 20_000 });
      await new Promise((r) => setTimeout(r, 300));
      await writer.hset('PORT_TABLE|Ethernet0', { state: 'ok', netdev_oper_status: 'up', admin_status: 'up' });
      await writer.hset('NEIGH_STATE_TABLE|10.0.0.0', { state: 'Active', peerType: 'e-BGP' });
      await new Promise((r) => setTimeout(r, 200));
      await appl.hset('INTF_TABLE:Ethernet0:10.0.0.1/31', { NULL: 'NULL' });
      await writer.hset('NEIGH_STATE_TABLE|10.0.0.0', { state: 'Established' });
      const lastWrite = Date.now() - t0;
      const r = await run;
      const ended = Date.now() - t0;

      expect(r.converged).toBe(true);
      expect(r.switches[0]!.endpoint).toBe(`redis unix:${socket}`);
      const [port, session, address] = r.switches[0]!.checks;
      expect(port!.timeToConvergeMs).toBeGreaterThanOrEqual(290);
      expect(session!.timeToConvergeMs).toBeGreaterThanOrEqual(490);
      expect(address).toMatchObject({ pass: true, seen: 'present' });
      // Woken by the notifications: well before the budget, right after the last write.
      expect(ended - lastWrite).toBeLessThan(1_000);
    } finally {
      await transport.close();
      writer.disconnect();
      appl.disconnect();
    }
  });
});
