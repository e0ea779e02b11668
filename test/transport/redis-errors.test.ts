// Connection failures of the Redis transport say what happened, with switch and endpoint, against
// real redis-servers: a refused port, a unix socket that does not exist, a socket file whose
// server was killed, and a server killed (SIGKILL, by the pid this test recorded) while a
// transaction is in flight. Reads, the transaction and a watch (ioredis) phrase them alike.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change } from '../../src/core/diff/diff.ts';
import { RedisTransport } from '../../src/transport/redis.ts';
import { SwitchError } from '../../src/transport/transport.ts';
import { freePort } from '../support/net.ts';

let dir: string;
const started: ChildProcess[] = [];

/** A redis-server on a unix socket of its own; its pid is the child's (recorded here). */
async function startRedis(name: string): Promise<{ socket: string; pid: number; exited: Promise<unknown> }> {
  const socket = join(dir, `${name}.sock`);
  const p = spawn('redis-server', ['--port', '0', '--unixsocket', socket, '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  started.push(p);
  const exited = new Promise((r) => p.once('exit', r));
  const deadline = Date.now() + 10_000;
  while (!existsSync(socket)) {
    if (Date.now() > deadline || p.exitCode !== null) throw new Error('redis-server did not start');
    await sleep(20);
  }
  return { socket, pid: p.pid!, exited };
}

async function failure(p: Promise<unknown>): Promise<SwitchError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SwitchError);
  return e as SwitchError;
}

const ADD: Change[] = [{ op: 'add', key: 'VLAN|Vlan10', set: { vlanid: '10' }, after: { vlanid: '10' }, impact: 'none' }] as Change[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'clos-redis-errors-'));
});

afterAll(async () => {
  for (const p of started) {
    if (p.exitCode !== null || p.signalCode !== null || p.pid === undefined) continue;
    const exited = new Promise((r) => p.once('exit', r));
    process.kill(p.pid, 'SIGCONT');
    process.kill(p.pid, 'SIGKILL');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('a switch that does not accept the connection', () => {
  it('a refused port: "connection refused: nothing listens on host:port"', async () => {
    const port = await freePort();
    const t = new RedisTransport('leaf1', { host: '127.0.0.1', port });
    const words = `leaf1 (redis 127.0.0.1:${port}): cannot connect: connection refused: nothing listens on 127.0.0.1:${port} (service down or wrong port)`;
    try {
      for (const e of [await failure(t.read('CONFIG_DB')), await failure(t.apply(ADD)), await failure(t.watch('STATE_DB', ['PORT_TABLE'], () => undefined))]) {
        expect(e.code).toBe('UNREACHABLE');
        expect(e.message).toBe(words);
      }
    } finally {
      await t.close();
    }
  });

  it('a unix socket that does not exist: "no such socket"', async () => {
    const socket = join(dir, 'nobody-here.sock');
    const t = new RedisTransport('leaf2', { socket });
    const words = `leaf2 (redis unix:${socket}): cannot connect: no such socket ${socket} (redis is not running there, or the path is wrong)`;
    try {
      for (const e of [await failure(t.read('CONFIG_DB')), await failure(t.apply(ADD)), await failure(t.watch('STATE_DB', ['PORT_TABLE'], () => undefined))]) {
        expect(e.code).toBe('UNREACHABLE');
        expect(e.message).toBe(words);
      }
    } finally {
      await t.close();
    }
  });

  it('a socket file whose server was killed: "connection refused … no server behind it"', async () => {
    const r = await startRedis('dead');
    const exited = new Promise((res) => started.at(-1)!.once('exit', res));
    process.kill(r.pid, 'SIGKILL');
    await exited;
    expect(existsSync(r.socket)).toBe(true); // a killed redis leaves its socket file behind
    const t = new RedisTransport('leaf3', { socket: r.socket });
    try {
      const e = await failure(t.read('CONFIG_DB'));
      expect(e.code).toBe('UNREACHABLE');
      expect(e.message).toBe(`leaf3 (redis unix:${r.socket}): cannot connect: connection refused on unix:${r.socket} (a socket file with no server behind it)`);
    } finally {
      await t.close();
    }
  });
});

describe('a switch that goes away during an operation', () => {
  it('killed mid-transaction: "connection lost mid-transaction … may have been applied", then refused', async () => {
    const r = await startRedis('victim');
    const t = new RedisTransport('spine1', { socket: r.socket, commandTimeoutMs: 5_000 });
    try {
      expect((await t.read('CONFIG_DB')).size).toBe(0); // connected
      // Stopped, the server cannot answer: the transaction waits in its socket. Killed then, the
      // kernel resets the connection with the transaction unanswered.
      process.kill(r.pid, 'SIGSTOP');
      const pending = failure(t.apply(ADD));
      await sleep(100);
      process.kill(r.pid, 'SIGKILL');
      const e = await pending;
      expect(e.code).toBe('UNREACHABLE');
      // The server's sockets are all closed once it has exited (its connection may be reset
      // before its listening socket is gone: a connect then would be reset, not refused).
      await r.exited;
      expect(e.message).toMatch(
        new RegExp(
          `^spine1 \\(redis unix:${r.socket.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\): state unknown: transaction sent, connection lost mid-transaction \\((reset by the server \\(ECONNRESET\\)|the server closed the connection)\\), before its reply: it may have been applied, whole$`,
        ),
      );
      // What comes next says the server is gone, not "connection lost" again.
      const next = await failure(t.read('CONFIG_DB'));
      expect(next.message).toBe(`spine1 (redis unix:${r.socket}): cannot connect: connection refused on unix:${r.socket} (a socket file with no server behind it)`);
    } finally {
      await t.close();
    }
  });

  it('killed between reads: "connection lost during a read"', async () => {
    const r = await startRedis('victim2');
    const t = new RedisTransport('spine2', { socket: r.socket, commandTimeoutMs: 5_000 });
    try {
      await t.read('CONFIG_DB');
      process.kill(r.pid, 'SIGSTOP');
      const pending = failure(t.read('STATE_DB', ['PORT_TABLE']));
      await sleep(100);
      process.kill(r.pid, 'SIGKILL');
      const e = await pending;
      expect(e.code).toBe('UNREACHABLE');
      expect(e.message).toMatch(/^spine2 \(redis unix:\S+\): connection lost during a read \((reset by the server \(ECONNRESET\)|the server closed the connection)\)$/);
    } finally {
      await t.close();
    }
  });
});
