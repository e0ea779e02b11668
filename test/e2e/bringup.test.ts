// `clos bringup` on the emulated fabric (real redis, FRR, lldpd and the switch agent), fabric
// t-bringup on 127.0.1.224/28: dc1 (2 spines × 4 leaves) brought up whole, then
// - rack r3 added to the running, converged fabric: the new leaves and the spines converge, and
//   no existing session leaves Established at any time (keyspace subscriptions on every existing
//   switch's STATE_DB NEIGH_STATE_TABLE record every state written during the run, and FRR's
//   own counters of dropped connections do not move);
// - rack r4 cabled wrongly (leaf7's two uplinks swapped in its namespace): the run stops before
//   any BGP change, names the ports, and the spines' CONFIG_DB is byte-identical to before;
// - rack r4 cabled right, spine2's link to leaf7 taken down as spine2's stage starts: spine2
//   rolls back to exactly its checkpoint (its CONFIG_DB as before the run), exit 13;
// - the same rack again, the `clos bringup` process killed (SIGKILL) in spine2's stage: a
//   `clos bringup --resume` finishes it.
// The lab is always torn down, even when a test fails.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/bringup/record.ts';
import { labDown } from '../../src/lab/down.ts';
import { labExec } from '../../src/lab/exec.ts';
import { labUp } from '../../src/lab/lab.ts';
import { readState } from '../../src/lab/state.ts';
import { stateDirFor } from '../../src/io/state-dir.ts';
import { dc1Text } from '../bringup/fabric.ts';
import { runCli } from '../support/cli.ts';

const FABRIC = 't-bringup';
const ADDRESSES = '127.0.1.224/28';
const OLD = ['spine1', 'spine2', 'leaf1', 'leaf2', 'leaf3', 'leaf4'];
const dir = mkdtempSync(join(tmpdir(), 'clos-e2e-bringup-'));
const file = join(dir, `${FABRIC}.fabric.yaml`);
const stateDir = stateDirFor(file, FABRIC);

const text = (extraRacks: number) => dc1Text(extraRacks).replace(/^fabric: dc1$/m, `fabric: ${FABRIC}`);
const sw = (name: string) => {
  const s = readState(FABRIC)?.switches[name];
  if (!s) throw new Error(`no ${name} in the lab`);
  return s;
};
function redis(name: string, db: number): Redis {
  const r = new Redis({ path: join(sw(name).dir, 'redis.sock'), db, lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => null });
  r.on('error', () => {});
  return r;
}

/** A switch's whole CONFIG_DB, every key and field, as one sorted text. */
async function configDump(name: string): Promise<string> {
  const r = redis(name, 4);
  await r.connect();
  try {
    const keys = (await r.keys('*')).sort();
    const out: string[] = [];
    for (const k of keys) {
      const type = await r.type(k);
      const v = type === 'hash' ? await r.hgetall(k) : await r.get(k);
      out.push(`${k} ${JSON.stringify(type === 'hash' ? Object.fromEntries(Object.entries(v as Record<string, string>).sort()) : v)}`);
    }
    return out.join('\n');
  } finally {
    r.disconnect();
  }
}

async function sessions(name: string): Promise<Record<string, string>> {
  const r = redis(name, 6);
  await r.connect();
  try {
    const out: Record<string, string> = {};
    for (const k of await r.keys('NEIGH_STATE_TABLE|*')) out[k.slice(18)] = (await r.hget(k, 'state')) ?? '?';
    return out;
  } finally {
    r.disconnect();
  }
}

/** FRR's per-peer count of dropped connections (a session that left Established counts). */
async function dropped(name: string): Promise<Record<string, number>> {
  const r = await labExec(FABRIC, name, ['vtysh', '-c', 'show bgp summary json'], { stdio: 'pipe' });
  const peers = (JSON.parse(r.stdout || '{}') as { ipv4Unicast?: { peers?: Record<string, { connectionsDropped?: number }> } }).ipv4Unicast?.peers ?? {};
  return Object.fromEntries(Object.entries(peers).map(([ip, p]) => [ip, p.connectionsDropped ?? -1]));
}

/** Records every state written to NEIGH_STATE_TABLE on these switches until stopped. */
async function watchSessions(names: readonly string[]): Promise<{ log: string[]; stop: () => Promise<void> }> {
  const log: string[] = [];
  const subs: Redis[] = [];
  for (const name of names) {
    const sub = redis(name, 6);
    const reader = redis(name, 6);
    await Promise.all([sub.connect(), reader.connect()]);
    sub.on('pmessage', (_p: string, channel: string, op: string) => {
      const key = channel.slice('__keyspace@6__:'.length);
      if (op === 'del') log.push(`${name} ${key.slice(18)} deleted`);
      else void reader.hget(key, 'state').then((s) => log.push(`${name} ${key.slice(18)} ${s}`));
    });
    await sub.psubscribe('__keyspace@6__:NEIGH_STATE_TABLE|*');
    subs.push(sub, reader);
  }
  return {
    log,
    stop: async () => {
      await sleep(200);
      for (const s of subs) s.disconnect();
    },
  };
}

function lock(): Record<string, { 'leaf-port': string; 'spine-port': string }> {
  return (parse(readFileSync(join(dir, `${FABRIC}.lock.yaml`), 'utf8')) as { links: Record<string, { 'leaf-port': string; 'spine-port': string }> }).links;
}

async function newestRecord(): Promise<RunRecord | undefined> {
  try {
    const ids = readdirSync(join(stateDir, 'bringup')).filter((f) => f.endsWith('.json')).sort();
    const last = ids.at(-1);
    return last ? (JSON.parse(readFileSync(join(stateDir, 'bringup', last), 'utf8')) as RunRecord) : undefined;
  } catch {
    return undefined;
  }
}

const ip = (ns: string, ...args: string[]) => execFileSync('ip', ['-n', ns, ...args], { encoding: 'utf8' });

beforeAll(async () => {
  await labDown(FABRIC); // a run that died before its afterAll
  writeFileSync(file, text(0));
  await labUp(file, { addresses: ADDRESSES, bgpmonIntervalMs: 500 });
  const r = await runCli('bringup', file, '--timeout', '90s');
  if (r.code !== 0) throw new Error(`whole-fabric bring-up failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
}, 240_000);

afterAll(async () => {
  await labDown(FABRIC);
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe('clos bringup on the emulated fabric', () => {
  it('the whole fabric came up: every session Established', async () => {
    for (const s of ['spine1', 'spine2']) expect(Object.values(await sessions(s))).toEqual(['Established', 'Established', 'Established', 'Established']);
    for (const s of ['leaf1', 'leaf2', 'leaf3', 'leaf4']) expect(Object.values(await sessions(s))).toEqual(['Established', 'Established']);
  });

  it('adds rack r3 to the running fabric: new sessions up, no existing session ever leaves Established', async () => {
    writeFileSync(file, text(1));
    await labUp(file, { addresses: ADDRESSES, bgpmonIntervalMs: 500 });
    const before = Object.fromEntries(await Promise.all(OLD.map(async (s) => [s, await dropped(s)] as const)));
    const existing = Object.fromEntries(await Promise.all(OLD.map(async (s) => [s, await sessions(s)] as const)));
    const watch = await watchSessions(OLD);
    const r = await runCli('bringup', file, '--racks', 'r3', '--timeout', '60s');
    await watch.stop();
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/spine spine2\s+passed/);
    // Every state written for an existing session during the run was Established.
    const old = watch.log.filter((l) => {
      const [s, peer] = l.split(' ') as [string, string];
      return existing[s]?.[peer] !== undefined;
    });
    expect(old.filter((l) => !l.endsWith(' Established'))).toEqual([]);
    // And FRR dropped no connection of an existing session.
    for (const s of OLD) {
      const now = await dropped(s);
      for (const [peer, n] of Object.entries(before[s]!)) expect(`${s} ${peer} ${now[peer]}`).toBe(`${s} ${peer} ${n}`);
    }
    for (const s of ['leaf5', 'leaf6']) expect(Object.values(await sessions(s))).toEqual(['Established', 'Established']);
    for (const s of ['spine1', 'spine2']) expect(Object.values(await sessions(s)).filter((x) => x === 'Established')).toHaveLength(6);
  }, 180_000);

  it('a miscabled new leaf: stops before any BGP change, names the ports, spines byte-identical', async () => {
    writeFileSync(file, text(2));
    await labUp(file, { addresses: ADDRESSES, bgpmonIntervalMs: 500 });
    // leaf7's uplinks swapped: what is plugged into Ethernet120 goes to spine2, and the other way.
    const ns = sw('leaf7').namespace;
    ip(ns, 'link', 'set', 'Ethernet120', 'name', 'swapTmp');
    ip(ns, 'link', 'set', 'Ethernet124', 'name', 'Ethernet120');
    ip(ns, 'link', 'set', 'swapTmp', 'name', 'Ethernet124');
    const spinesBefore = await Promise.all(['spine1', 'spine2'].map(configDump));
    const leavesBefore = await Promise.all(['leaf7', 'leaf8'].map(configDump));
    const r = await runCli('bringup', file, '--racks', 'r4', '--timeout', '30s');
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(13);
    const links = lock();
    const p1 = links['leaf7 -- spine1']!['spine-port'];
    const p2 = links['leaf7 -- spine2']!['spine-port'];
    expect(r.stdout).toContain(`leaf7 Ethernet120: intended spine1 ${p1}, seen spine2 ${p2}`);
    expect(r.stdout).toContain(`leaf7 Ethernet124: intended spine2 ${p2}, seen spine1 ${p1}`);
    expect(await Promise.all(['spine1', 'spine2'].map(configDump))).toEqual(spinesBefore);
    expect(await Promise.all(['leaf7', 'leaf8'].map(configDump))).toEqual(leavesBefore);
    expect(leavesBefore.join('\n')).not.toContain('BGP_NEIGHBOR');
    // Put the cables back the way the lock says.
    for (const p of ['Ethernet120', 'Ethernet124']) ip(ns, 'link', 'set', p, 'down');
    ip(ns, 'link', 'set', 'Ethernet120', 'name', 'swapTmp');
    ip(ns, 'link', 'set', 'Ethernet124', 'name', 'Ethernet120');
    ip(ns, 'link', 'set', 'swapTmp', 'name', 'Ethernet124');
  }, 180_000);

  it('a spine link down during its gate: that spine rolls back to exactly its checkpoint (exit 13)', async () => {
    const spine2Before = await configDump('spine2');
    const port = lock()['leaf7 -- spine2']!['spine-port'];
    const ns = sw('spine2').namespace;
    let cut = false;
    const watcher = setInterval(() => {
      void newestRecord().then((rec) => {
        const st = rec?.stages.find((s) => s.spec.id === 'spine spine2');
        if (!cut && st && st.status === 'running') {
          cut = true;
          ip(ns, 'link', 'set', port, 'down');
        }
      });
    }, 20);
    let r: Awaited<ReturnType<typeof runCli>>;
    try {
      r = await runCli('bringup', file, '--racks', 'r4', '--timeout', '15s');
    } finally {
      clearInterval(watcher);
    }
    expect(cut, `${r.stdout}\n${r.stderr}`).toBe(true);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(13);
    expect(r.stdout).toMatch(/spine2 rolled-back \(GATE_TIMEOUT: gate not passed within 15000 ms/);
    expect(r.stdout).toMatch(/spine spine1\s+passed/);
    expect(r.stdout).toMatch(/spine spine2\s+rolled-back/);
    expect(await configDump('spine2')).toBe(spine2Before);
    // The passed stages stay: spine1 has its sessions to the new leaves.
    expect(Object.values(await sessions('spine1')).filter((x) => x === 'Established')).toHaveLength(8);
  }, 180_000);

  it('a run killed in the middle of a spine stage is resumed with --resume', async () => {
    const child = spawn(process.execPath, [join(process.cwd(), 'bin/clos.js'), 'bringup', file, '--racks', 'r4', '--timeout', '60s'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let killedAt: string | undefined;
    for (let i = 0; i < 3000 && !killedAt; i++) {
      const rec = await newestRecord();
      const st = rec?.stages.find((s) => s.spec.id === 'spine spine2');
      if (rec?.status === 'running' && st?.status === 'running' && ['applying', 'gating'].includes(st.switches[0]!.step)) {
        child.kill('SIGKILL');
        killedAt = st.switches[0]!.step;
      } else await sleep(20);
    }
    await exited;
    expect(killedAt).toBeDefined();
    const killed = (await newestRecord())!;
    expect(killed.status).toBe('running');
    const r = await runCli('bringup', file, '--resume', '--timeout', '60s');
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const done = (await newestRecord())!;
    expect(done.id).toBe(killed.id);
    expect(done.attempts).toHaveLength(2);
    expect(done.stages.map((s) => s.status)).toEqual(['passed', 'passed', 'passed', 'passed', 'passed']);
    for (const s of ['spine1', 'spine2']) expect(Object.values(await sessions(s)).filter((x) => x === 'Established')).toHaveLength(8);
    for (const s of ['leaf7', 'leaf8']) expect(Object.values(await sessions(s))).toEqual(['Established', 'Established']);
  }, 180_000);
});
