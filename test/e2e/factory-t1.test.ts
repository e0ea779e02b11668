// dc1 on the emulated fabric from SONiC's t1 factory state (`lab up --factory t1`), through the
// CLI as an operator runs it, fabric t-fact1 on 127.0.1.64/28:
// - plan shows the adoption (factory Loopback0, port addresses, neighbours), apply takes every
//   switch over and saves it, verify converges, plan 0, drift 0 (so the startup config holds
//   what runs); the time from factory t1 to converged is printed (README);
// - `config reload -y`, then `reboot`, on every switch through `clos lab exec`: converged again
//   with no clos write in between, and plan still 0;
// - rack r3 arriving in t1 state, taken over by `clos bringup --racks r3` while every existing
//   session is watched (keyspace events of STATE_DB NEIGH_STATE_TABLE, FRR's dropped counters):
//   none leaves Established.
import { rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labExec } from '../../src/lab/exec.ts';
import { parseFactory } from '../../src/lab/factory.ts';
import { labUp } from '../../src/lab/lab.ts';
import { dc1Text } from '../bringup/fabric.ts';
import { runCli } from '../support/cli.ts';
import { downLab, dumpConfigDb, failingChecks, labSwitch, redisOf, STATE_DB, stopwatch, type ApplyJson } from './helpers.ts';

const FABRIC = 't-fact1';
const ADDRESSES = '127.0.1.64/28';
const OLD = ['spine1', 'spine2', 'leaf1', 'leaf2', 'leaf3', 'leaf4'];
const dir = mkdtempSync(join(tmpdir(), 'clos-e2e-fact1-'));
const file = join(dir, `${FABRIC}.fabric.yaml`);
const text = (extraRacks: number) => dc1Text(extraRacks).replace(/^fabric: dc1$/m, `fabric: ${FABRIC}`);
const timings: string[] = [];
let fromFactory: () => string;

const up = () => labUp(file, { addresses: ADDRESSES, bgpmonIntervalMs: 500, factory: parseFactory('t1') });

beforeAll(async () => {
  await downLab(FABRIC);
  writeFileSync(file, text(0));
  fromFactory = stopwatch();
  await up();
  timings.push(`lab up --factory t1 (6 switches): ${fromFactory()}`);
}, 120_000);

afterAll(async (suite) => {
  await downLab(FABRIC, undefined, suite);
  rmSync(dir, { recursive: true, force: true });
  console.log(`e2e ${FABRIC}:\n  ${timings.join('\n  ')}`);
}, 120_000);

async function verifyConverged(label: string): Promise<void> {
  const t = stopwatch();
  const r = await runCli('verify', file, '--timeout', '90s', '--format', 'json');
  const report = JSON.parse(r.stdout) as { converged: boolean; summary: { timeToConvergeMs: number | null }; switches: Parameters<typeof failingChecks>[0]['switches'] };
  expect(failingChecks(report)).toEqual([]);
  expect(r.code).toBe(0);
  timings.push(`${label}: converged after ${report.summary.timeToConvergeMs} ms (verify ${t()})`);
}

async function expectPlanEmpty(): Promise<void> {
  const r = await runCli('plan', file);
  expect(r.code, r.stdout).toBe(0);
}

async function sessions(name: string): Promise<Record<string, string>> {
  const r = redisOf(labSwitch(FABRIC, name), STATE_DB);
  await r.connect();
  try {
    const out: Record<string, string> = {};
    for (const k of await r.keys('NEIGH_STATE_TABLE|*')) out[k.slice(18)] = (await r.hget(k, 'state')) ?? '?';
    return out;
  } finally {
    r.disconnect();
  }
}

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
    const sub = redisOf(labSwitch(FABRIC, name), STATE_DB);
    const reader = redisOf(labSwitch(FABRIC, name), STATE_DB);
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

describe('dc1 from SONiC t1 factory state', () => {
  it('plan shows the adoption of every switch: factory Loopback0, port addresses and neighbours removed', async () => {
    const r = await runCli('plan', file, '--json');
    expect(r.code).toBe(10);
    const plan = JSON.parse(r.stdout) as { switches: { switch: string; adoption: { text: string; keys: string[] }[]; changes: { op: string; key: string }[] }[] };
    for (const p of plan.switches) {
      const removed = p.adoption.flatMap((g) => g.keys);
      expect(removed, p.switch).toContain('LOOPBACK_INTERFACE|Loopback0|10.1.0.1/32');
      expect(removed.filter((k) => k.startsWith('BGP_NEIGHBOR|')).length, p.switch).toBeGreaterThan(0);
      expect(removed.filter((k) => /^INTERFACE\|Ethernet\d+\|10\.0\./.test(k)).length, p.switch).toBeGreaterThan(0);
      for (const k of removed) expect(p.changes.find((c) => c.key === k)?.op, k).toBe('delete');
    }
    expect((await runCli('plan', file)).stdout).toContain('adoption: factory/foreign config removed');
  });

  it('apply takes every switch over and saves it; verify converges; plan 0; drift 0', async () => {
    const r = await runCli('apply', file, '--yes', '--json');
    expect(r.code, r.stdout).toBe(0);
    const { outcomes } = JSON.parse(r.stdout) as ApplyJson;
    expect(outcomes.map((o) => [o.switch, o.status, o.saved])).toEqual(OLD.map((s) => [s, 'applied', 'saved']));
    await verifyConverged('apply from t1');
    timings.push(`factory t1 to converged (lab up --factory t1 → apply → verify): ${fromFactory()}`);
    await expectPlanEmpty();
    const d = await runCli('drift', file, '--format', 'json');
    expect(JSON.parse(d.stdout).findings).toEqual([]);
    expect(d.code).toBe(0);
    // The startup config is clos's: its loopback, no factory one.
    const startup = JSON.parse((await labExec(FABRIC, 'leaf1', ['cat', '/etc/sonic/config_db.json'], { stdio: 'pipe' })).stdout) as Record<string, Record<string, unknown>>;
    expect(Object.keys(startup.LOOPBACK_INTERFACE ?? {})).not.toContain('Loopback0|10.1.0.1/32');
    const running = Object.keys(await dumpConfigDb(labSwitch(FABRIC, 'leaf1'))).filter((k) => k.startsWith('BGP_NEIGHBOR|'));
    expect(Object.keys(startup.BGP_NEIGHBOR ?? {}).map((k) => `BGP_NEIGHBOR|${k}`).sort()).toEqual(running.sort());
    expect(running).toHaveLength(2);
  }, 240_000);

  it('config reload -y on every switch: converged again with no clos write, plan still 0', async () => {
    const t = stopwatch();
    await Promise.all(OLD.map(async (s) => expect((await runCli('lab', 'exec', file, s, '--', 'config', 'reload', '-y')).code, s).toBe(0)));
    timings.push(`config reload -y on 6 switches: ${t()}`);
    await verifyConverged('after config reload');
    await expectPlanEmpty();
  }, 240_000);

  it('reboot on every switch: converged again with no clos write, plan still 0', async () => {
    const t = stopwatch();
    await Promise.all(OLD.map(async (s) => expect((await runCli('lab', 'exec', file, s, '--', 'reboot')).code, s).toBe(0)));
    timings.push(`reboot of 6 switches: ${t()}`);
    await verifyConverged('after reboot');
    await expectPlanEmpty();
  }, 240_000);

  it('rack r3 arriving in t1 state: bringup --racks r3 takes it over, no existing session leaves Established', async () => {
    writeFileSync(file, text(1));
    await up();
    const before = Object.fromEntries(await Promise.all(OLD.map(async (s) => [s, await dropped(s)] as const)));
    const existing = Object.fromEntries(await Promise.all(OLD.map(async (s) => [s, await sessions(s)] as const)));
    const watch = await watchSessions(OLD);
    const t = stopwatch();
    const r = await runCli('bringup', file, '--racks', 'r3', '--timeout', '60s');
    await watch.stop();
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    timings.push(`bringup --racks r3 from t1: ${t()}`);
    const old = watch.log.filter((l) => {
      const [s, peer] = l.split(' ') as [string, string];
      return existing[s]?.[peer] !== undefined;
    });
    expect(old.filter((l) => !l.endsWith(' Established'))).toEqual([]);
    for (const s of OLD) {
      const now = await dropped(s);
      for (const [peer, n] of Object.entries(before[s]!)) expect(`${s} ${peer} ${now[peer]}`).toBe(`${s} ${peer} ${n}`);
    }
    for (const s of ['leaf5', 'leaf6']) expect(Object.values(await sessions(s))).toEqual(['Established', 'Established']);
    await verifyConverged('after bringup --racks r3');
    await expectPlanEmpty();
    const d = await runCli('drift', file, '--format', 'json');
    expect(JSON.parse(d.stdout).findings).toEqual([]);
  }, 240_000);
});
