// Helpers of the end-to-end tests: a fabric file in a temp dir, the lab around it (always torn
// down, and its namespaces checked gone), and the switch seen the way an operator would see it:
// redis, iproute2, ping. Waits are bounded polls that fail with what they last saw.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect } from 'vitest';
import { flatten, type Fields } from '../../src/core/diff/flat.ts';
import { loadFabric, type LoadedFabric } from '../../src/io/fabric.ts';
import { labDown } from '../../src/lab/down.ts';
import { labExec } from '../../src/lab/exec.ts';
import { parseFactory } from '../../src/lab/factory.ts';
import { labUp } from '../../src/lab/lab.ts';
import { isAlive, readRecords, type ProcessRecord } from '../../src/lab/processes.ts';
import { allStates, readState, type SwitchState } from '../../src/lab/state.ts';
import { type CliRun, runCli } from '../support/cli.ts';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const CONFIG_DB = 4;
export const STATE_DB = 6;

/** dc1's fabric file under another fabric name (and optionally edited), in a fresh temp dir.
 *  The lock is not copied: `lab up` allocates (the same values as dc1's lock: same algorithm). */
export function tempFabric(name: string, edit: (text: string) => string = (t) => t): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), `clos-${name}-`));
  const file = join(dir, `${name}.fabric.yaml`);
  writeFileSync(file, edit(dc1Text(name)));
  return { dir, file };
}

export function dc1Text(name: string): string {
  const text = readFileSync(join(ROOT, 'topologies/dc1.fabric.yaml'), 'utf8');
  const out = text.replace(/^fabric: dc1$/m, `fabric: ${name}`);
  if (out === text) throw new Error('topologies/dc1.fabric.yaml has no "fabric: dc1" line any more');
  return out;
}

/** What apply does once rack r3 is added to a converged dc1, as statusByApply gives it. */
export const RACK3_APPLIED: Readonly<Record<string, string>> = {
  spine1: 'applied',
  spine2: 'applied',
  leaf1: 'unchanged',
  leaf2: 'unchanged',
  leaf3: 'unchanged',
  leaf4: 'unchanged',
  leaf5: 'applied, restarted',
  leaf6: 'applied, restarted',
};

/** Each switch's apply status, with ", restarted" where its routing was restarted. */
export function statusByApply(outcomes: ApplyJson['outcomes']): Record<string, string> {
  return Object.fromEntries(outcomes.map((o) => [o.switch, `${o.status}${o.restarted ? ', restarted' : ''}`]));
}

/** Adds rack r3 (leaf5, leaf6) after the last rack of a dc1-shaped file. */
export function withRack3(text: string): string {
  return withRack(text, 3);
}

/** Adds rack rN (leaf 2N-1, leaf 2N) right after rack rN-1 of a dc1-shaped file. */
export function withRack(text: string, n: number): string {
  const rack = (i: number) => `  - name: r${i}\n    leaves: [leaf${2 * i - 1}, leaf${2 * i}]\n`;
  const out = text.replace(rack(n - 1), `${rack(n - 1)}${rack(n)}`);
  if (out === text) throw new Error(`cannot find rack r${n - 1} to add r${n} after it`);
  return out;
}

/** Namespaces of this fabric's lab. A prefix match alone would also take those of a fabric
 *  whose name extends this one (t-e2e vs t-e2e-gnmi): namespaces another lab's state file
 *  names are not ours (a lab records them before creating them). */
export function namespacesOf(fabric: string): string[] {
  const others = new Set(allStates().filter((st) => st.fabric !== fabric).flatMap((st) => Object.values(st.switches).map((s) => s.namespace)));
  const out = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => n.startsWith(`clos-${fabric}-`) && !others.has(n))
    .sort();
}

/** `lab up` of a fabric file on `addresses`; switches it adds start in `factory` state
 *  (`--factory vs|t1|l2|FILE`, default vs). */
export async function upLab(file: string, addresses: string, factory?: string) {
  return labUp(file, { addresses, bgpmonIntervalMs: 500, ...(factory ? { factory: parseFactory(factory) } : {}) });
}

/** Did any test of this suite (or file) fail? For afterAll(suite). */
export function anyFailed(suite: { tasks?: readonly unknown[]; result?: { state?: string } }): boolean {
  if (suite.result?.state === 'fail') return true;
  return (suite.tasks ?? []).some((t) => anyFailed(t as { tasks?: readonly unknown[]; result?: { state?: string } }));
}

/** What an engineer needs after a failed run, before the lab is gone: every daemon's log and
 *  startup file, and per switch FRR's and the kernel's view. Into test-artifacts/ (ignored by
 *  git); returns the directory. */
export function saveArtifacts(fabric: string): string | undefined {
  const st = readState(fabric);
  if (!st) return undefined;
  const out = join(ROOT, 'test-artifacts', `${fabric}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(out, { recursive: true });
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
    return `$ ${cmd} ${args.join(' ')}\n${r.stdout ?? ''}${r.stderr ?? ''}\n`;
  };
  for (const f of readdirSync(st.dir)) if (/\.(log|json|jsonl|yaml)$/.test(f)) cpSync(join(st.dir, f), join(out, f));
  for (const sw of Object.values(st.switches)) {
    const d = join(out, sw.name);
    mkdirSync(d, { recursive: true });
    if (existsSync(sw.dir)) for (const f of readdirSync(sw.dir)) if (/\.(log|out|conf)$/.test(f)) cpSync(join(sw.dir, f), join(d, f));
    const vty = (c: string) => run('vtysh', ['--vty_socket', sw.dir, '-c', c]);
    writeFileSync(
      join(d, 'state.txt'),
      [vty('show running-config'), vty('show bgp summary'), vty('show ip bgp'), vty('show ip route'), run('ip', ['-n', sw.namespace, 'addr']), run('ip', ['-n', sw.namespace, 'route'])].join('\n'),
    );
  }
  return out;
}

/** Tears the lab down and proves it: no namespace of the fabric is left. */
export async function downLab(fabric: string, dir?: string, suite?: Parameters<typeof anyFailed>[0]): Promise<void> {
  if (suite && anyFailed(suite)) {
    const where = saveArtifacts(fabric);
    if (where) console.error(`e2e ${fabric}: a test failed; lab logs and FRR/kernel state saved in ${where}`);
  }
  try {
    await labDown(fabric);
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  const left = namespacesOf(fabric);
  if (left.length > 0) throw new Error(`lab down left namespaces of ${fabric}: ${left.join(', ')}`);
}

export function labSwitch(fabric: string, name: string): SwitchState {
  const s = readState(fabric)?.switches[name];
  if (!s) throw new Error(`no switch ${name} in the lab of ${fabric}`);
  return s;
}

export function redisOf(sw: SwitchState, db = CONFIG_DB): Redis {
  const r = new Redis({ path: join(sw.dir, 'redis.sock'), db, lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => null });
  r.on('error', () => {});
  return r;
}

/** Every key of a switch's CONFIG_DB with its value (hashes as objects, strings as strings),
 *  sorted: for exact before/after comparisons. */
export async function dumpConfigDb(sw: SwitchState): Promise<Record<string, unknown>> {
  const r = redisOf(sw);
  try {
    await r.connect();
    const keys = (await r.keys('*')).sort();
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = (await r.type(k)) === 'hash' ? await r.hgetall(k) : await r.get(k);
    return out;
  } finally {
    r.disconnect();
  }
}

/** Waits until a switch's CONFIG_DB holds every `desired` entry (its fields at least), 10 s
 *  at most (polling every 20 ms); returns the whole CONFIG_DB then. */
export async function waitHolding(fabric: string, sw: string, desired: ReadonlyMap<string, Fields>, what: string): Promise<Record<string, unknown>> {
  return waitUntil(
    what,
    () => dumpConfigDb(labSwitch(fabric, sw)),
    (db) => [...desired].every(([k, f]) => db[k] !== undefined && Object.entries(f).every(([n, v]) => (db[k] as Record<string, string>)[n] === v)),
    10_000,
    20,
  );
}

/** Each BGP session of a switch, peer address → state, as bgpmon writes STATE_DB's
 *  NEIGH_STATE_TABLE. */
export async function sessions(fabric: string, name: string): Promise<Record<string, string>> {
  const r = redisOf(labSwitch(fabric, name), STATE_DB);
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
export async function dropped(fabric: string, name: string): Promise<Record<string, number>> {
  const r = await labExec(fabric, name, ['vtysh', '-c', 'show bgp summary json'], { stdio: 'pipe' });
  const peers = (JSON.parse(r.stdout || '{}') as { ipv4Unicast?: { peers?: Record<string, { connectionsDropped?: number }> } }).ipv4Unicast?.peers ?? {};
  return Object.fromEntries(Object.entries(peers).map(([ip, p]) => [ip, p.connectionsDropped ?? -1]));
}

/** Records every state written to NEIGH_STATE_TABLE on these switches until stopped
 *  ("spine1 10.0.0.1 Established", "… deleted"), through keyspace subscriptions. */
export async function watchSessions(fabric: string, names: readonly string[]): Promise<{ log: string[]; stop: () => Promise<void> }> {
  const log: string[] = [];
  const subs: Redis[] = [];
  for (const name of names) {
    const sub = redisOf(labSwitch(fabric, name), STATE_DB);
    const reader = redisOf(labSwitch(fabric, name), STATE_DB);
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

/** `clos bringup FILE --racks RACK` on a running fabric while every session of the `existing`
 *  switches is watched: the run exits 0, every state written for an existing session during
 *  it was Established, FRR dropped no connection of one, and each of `newLeaves` has its two
 *  sessions Established. Returns the run's output. */
export async function bringupRackWatched(fabric: string, file: string, rack: string, existing: readonly string[], newLeaves: readonly string[], timeout = '60s'): Promise<CliRun> {
  const before = Object.fromEntries(await Promise.all(existing.map(async (s) => [s, await dropped(fabric, s)] as const)));
  const known = Object.fromEntries(await Promise.all(existing.map(async (s) => [s, await sessions(fabric, s)] as const)));
  const watch = await watchSessions(fabric, existing);
  let r: CliRun;
  try {
    r = await runCli('bringup', file, '--racks', rack, '--timeout', timeout);
  } finally {
    await watch.stop();
  }
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  const old = watch.log.filter((l) => {
    const [s, peer] = l.split(' ') as [string, string];
    return known[s]?.[peer] !== undefined;
  });
  expect(old.filter((l) => !l.endsWith(' Established'))).toEqual([]);
  for (const s of existing) {
    const now = await dropped(fabric, s);
    for (const [peer, n] of Object.entries(before[s]!)) expect(`${s} ${peer} ${now[peer]}`).toBe(`${s} ${peer} ${n}`);
  }
  for (const s of newLeaves) expect(Object.values(await sessions(fabric, s)), s).toEqual(['Established', 'Established']);
  return r;
}

/** /proc/PID/stat field 3: T when stopped by a signal. */
function procState(pid: number): string {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ')[0]!;
}

/** The recorded redis-server of one switch of an e2e lab, paused (SIGSTOP) and resumed by its
 *  pid: found in beforeAll once the lab is up, resumed in afterAll (before the lab goes down)
 *  if a test left it stopped. */
export class PausedRedis {
  record: ProcessRecord | undefined;
  stopped = false;

  constructor(
    readonly fabric: string,
    readonly sw: string,
  ) {
    beforeAll(async () => {
      const st = readState(fabric);
      if (!st) throw new Error(`no lab of ${fabric}`);
      this.record = (await readRecords(st.records)).filter((r) => r.name === 'redis' && r.switch === sw && isAlive(r)).at(-1);
      expect(this.record, `the recorded redis of ${sw}`).toBeDefined();
    });
    afterAll(async () => {
      if (this.stopped) await this.signal('SIGCONT').catch(() => undefined);
    });
  }

  get pid(): number {
    if (!this.record) throw new Error(`no recorded redis of ${this.sw}`);
    return this.record.pid;
  }

  /** Signals it, only after checking the record still names the same process (pid, start
   *  time, command name), and waits until it took effect. */
  async signal(sig: 'SIGSTOP' | 'SIGCONT'): Promise<void> {
    if (!this.record || !isAlive(this.record)) throw new Error(`the recorded redis of ${this.sw} (pid ${this.record?.pid}) is gone`);
    process.kill(this.record.pid, sig);
    this.stopped = sig === 'SIGSTOP';
    await waitUntil(`redis of ${this.sw} ${sig === 'SIGSTOP' ? 'stopped' : 'running'}`, () => procState(this.pid), (s) => (sig === 'SIGSTOP' ? s === 'T' : s !== 'T'), 5_000, 5);
  }
}

export interface NextHop {
  readonly gateway: string;
  readonly dev: string;
  readonly flags: readonly string[];
}

/** The kernel's route to a prefix inside a switch (single path and ECMP in one shape). */
export function kernelRoute(ns: string, dst: string): NextHop[] {
  const routes = JSON.parse(execFileSync('ip', ['-n', ns, '-j', 'route', 'show', dst], { encoding: 'utf8' }) || '[]') as {
    gateway?: string;
    dev?: string;
    flags?: string[];
    nexthops?: { gateway: string; dev: string; flags?: string[] }[];
  }[];
  const r = routes[0];
  if (!r) return [];
  if (r.nexthops) return r.nexthops.map((n) => ({ gateway: n.gateway, dev: n.dev, flags: n.flags ?? [] }));
  return r.gateway ? [{ gateway: r.gateway, dev: r.dev ?? '', flags: r.flags ?? [] }] : [];
}

/** Next hops the kernel would use (not dead, link not down), as "dev via gateway", sorted. */
export function liveNextHops(ns: string, dst: string): string[] {
  return kernelRoute(ns, dst)
    .filter((n) => !n.flags.includes('dead') && !n.flags.includes('linkdown'))
    .map((n) => `${n.dev} via ${n.gateway}`)
    .sort();
}

/** `count` pings inside a namespace from a source address; true when all came back. */
export function ping(ns: string, from: string, to: string, count = 1): boolean {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'ping', '-n', '-q', '-c', String(count), '-i', '0.2', '-W', '2', '-I', from, to], { encoding: 'utf8' });
  if (r.error || /exec of "ping" failed/.test(r.stderr)) throw new Error('ping is not installed (Debian package iputils-ping)');
  return r.status === 0 && new RegExp(`${count} packets transmitted, ${count} received`).test(r.stdout);
}

export function rxPackets(ns: string, dev: string): number {
  const j = JSON.parse(execFileSync('ip', ['-n', ns, '-s', '-j', 'link', 'show', 'dev', dev], { encoding: 'utf8' })) as { stats64: { rx: { packets: number } } }[];
  return j[0]!.stats64.rx.packets;
}

export function setLink(ns: string, dev: string, state: 'up' | 'down'): void {
  execFileSync('ip', ['-n', ns, 'link', 'set', dev, state]);
}

/** Polls `probe` until `ok` accepts its value; fails after timeoutMs naming what was awaited
 *  and the last value (or error) seen. */
export async function waitUntil<T>(what: string, probe: () => T | Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      last = v;
      if (ok(v)) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await sleep(everyMs);
  }
}

/** Elapsed-time recorder for the report lines the tests print. */
export function stopwatch(): () => string {
  const t0 = Date.now();
  return () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
}

export interface PlanJson {
  allocationChanges: { kind: string; object: string; field: string; from?: string; to?: string }[];
  switches: {
    switch: string;
    endpoint: string;
    flavour: string | null;
    firstBringUp: boolean;
    impact: string;
    changes: { op: string; key: string; set: Record<string, string> | null; unset: string[]; impact: string }[];
    frr: { pending: boolean; lines: string[]; missing: string[] } | null;
    error: { code: string; message: string } | null;
  }[];
}

export interface ApplyJson {
  outcomes: {
    switch: string;
    endpoint: string;
    status: 'applied' | 'unchanged' | 'failed' | 'failed-to-save';
    changes: number;
    saved?: 'saved' | 'no-save' | 'failed';
    flavour?: string;
    restarted: boolean;
    frrConfigured: boolean;
    notes: string[];
    error?: { code: string; message: string };
  }[];
}

/** The failing checks of a verify report, one line each, for failure messages. */
export function failingChecks(report: { switches: { name: string; error: string | null; checks: { id: string; pass: boolean; seen: string }[] }[] }): string[] {
  return report.switches.flatMap((s) => (s.error ? [`${s.name}: ${s.error}`] : s.checks.filter((c) => !c.pass).map((c) => `${s.name}: ${c.id}: ${c.seen}`)));
}

/** The /31 of a cable: the spine takes the even address, the leaf the odd one. */
export function ends(p2p: string): { spine: string; leaf: string } {
  const [a, b, c, d] = p2p.split('/')[0]!.split('.').map(Number) as [number, number, number, number];
  return { spine: `${a}.${b}.${c}.${d}`, leaf: `${a}.${b}.${c}.${d + 1}` };
}

/** The lab of one e2e test file and what its tests ask of it (see e2eLab). */
export class E2eLab {
  dir = '';
  file = '';
  readonly timings: string[] = [];
  /** Time since this lab's first `lab up` started. */
  sinceUp: () => string = () => '';
  private loaded: LoadedFabric | undefined;

  constructor(
    readonly name: string,
    readonly addresses: string,
    /** What state the switches `lab up` adds start in (`--factory`); vs when not given. */
    readonly factory?: string,
  ) {}

  /** `lab up` again (after the fabric file gained switches: they start in the lab's factory state). */
  up = () => upLab(this.file, this.addresses, this.factory);

  /** The fabric file as last loaded (load() again after editing it). */
  get fabric(): LoadedFabric {
    if (!this.loaded) throw new Error(`the fabric of ${this.name} is not loaded`);
    return this.loaded;
  }

  load = async (): Promise<LoadedFabric> => {
    this.loaded = await loadFabric(this.file, { writeLock: false });
    return this.loaded;
  };

  ns = (sw: string): string => labSwitch(this.name, sw).namespace;
  loopback = (sw: string): string => this.fabric.allocation.switches.get(sw)!.loopback;
  link = (leaf: string, spine: string) => this.fabric.allocation.links.get(`${leaf} -- ${spine}`)!;

  planJson = async (...extra: string[]): Promise<{ code: number; plan: PlanJson }> => {
    const r = await runCli('plan', this.file, '--json', ...extra);
    expect(r.stderr).toBe('');
    return { code: r.code, plan: JSON.parse(r.stdout) as PlanJson };
  };

  /** What a first bring-up must write: every desired entry the factory state does not already
   *  hold (field subset), and nothing else. */
  fullConfigKeys = (sw: string, factory: Record<string, unknown>): string[] => {
    const desired = flatten(this.fabric.configs.get(sw)!);
    const held = (k: string, f: Fields) => {
      const have = factory[k] as Record<string, string> | undefined;
      return have !== undefined && Object.entries(f).every(([n, v]) => have[n] === v);
    };
    return [...desired].filter(([k, f]) => !held(k, f)).map(([k]) => k).sort();
  };

  /** The CONFIG_DB keys a spine gains when `leaves` are cabled to it: per leaf its port, the
   *  port's interface and /31 address, the device neighbor and the BGP neighbor. */
  spineKeysFor = (spine: string, leaves: readonly string[]): string[] =>
    leaves.flatMap((leaf) => {
      const l = this.link(leaf, spine);
      const ip = ends(l.p2p);
      return [`PORT|${l.spinePort}`, `INTERFACE|${l.spinePort}`, `INTERFACE|${l.spinePort}|${ip.spine}/31`, `DEVICE_NEIGHBOR|${l.spinePort}`, `DEVICE_NEIGHBOR_METADATA|${leaf}`, `BGP_NEIGHBOR|${ip.leaf}`];
    });

  /** verify (with `extra` arguments) converges within `timeout`, every check passing; the time
   *  goes into the timings under `label`. */
  verifyConverges = async (extra: string[] = [], label = 'verify', timeout = '60s'): Promise<void> => {
    const t = stopwatch();
    const r = await runCli('verify', this.file, ...extra, '--timeout', timeout, '--format', 'json');
    const report = JSON.parse(r.stdout) as { converged: boolean; summary: { checks: number; timeToConvergeMs: number | null }; switches: Parameters<typeof failingChecks>[0]['switches'] };
    expect(failingChecks(report)).toEqual([]);
    expect(report.converged).toBe(true);
    expect(r.code).toBe(0);
    this.timings.push(`${label}: ${report.summary.checks} checks, converged after ${report.summary.timeToConvergeMs} ms (command ${t()})`);
  };

  /** Nothing left to do: plan exits 0 and drift finds nothing (with `extra` arguments to both). */
  expectSettled = async (...extra: string[]): Promise<void> => {
    const p = await runCli('plan', this.file, ...extra);
    expect(p.code, p.stdout).toBe(0);
    const d = await runCli('drift', this.file, ...extra, '--format', 'json');
    expect(JSON.parse(d.stdout).findings).toEqual([]);
    expect(d.code).toBe(0);
  };

  /** `clos lab exec FILE SW -- argv` on each of `switches` at once, every one exiting 0. */
  execAll = async (switches: readonly string[], ...argv: string[]): Promise<void> => {
    await Promise.all(switches.map(async (s) => expect((await runCli('lab', 'exec', this.file, s, '--', ...argv)).code, `${s}: ${argv.join(' ')}`).toBe(0)));
  };

  /** A switch's startup config (its /etc/sonic/config_db.json), as `config save` wrote it. */
  startup = async (sw: string): Promise<Record<string, Record<string, unknown>>> =>
    JSON.parse((await labExec(this.name, sw, ['cat', '/etc/sonic/config_db.json'], { stdio: 'pipe' })).stdout) as Record<string, Record<string, unknown>>;
}

/** dc1 as fabric `name` (through `edit`) in a temp dir, its lab up on `addresses` in beforeAll
 *  (after taking down what a run that died before its afterAll left; with `added`, lab up must
 *  have added exactly those switches) and its fabric loaded; in afterAll the lab is taken down
 *  (artifacts saved when a test failed), no namespace of it left, and the timings printed. */
export function e2eLab(name: string, addresses: string, opts: { edit?: (text: string) => string; added?: readonly string[]; what?: string; factory?: string } = {}): E2eLab {
  const lab = new E2eLab(name, addresses, opts.factory);
  beforeAll(async () => {
    ({ dir: lab.dir, file: lab.file } = tempFabric(name, opts.edit));
    await downLab(name);
    lab.sinceUp = stopwatch();
    const up = await lab.up();
    if (opts.added) expect([...up.added].sort()).toEqual([...opts.added].sort());
    lab.timings.push(`lab up ${opts.what ?? '2×4'}${opts.factory ? ` --factory ${opts.factory}` : ''}: ${lab.sinceUp()}`);
    await lab.load();
  }, 120_000);
  afterAll(async (suite) => {
    await downLab(name, lab.dir, suite);
    expect(namespacesOf(name)).toEqual([]);
    console.log(`e2e ${name}:\n  ${lab.timings.join('\n  ')}`);
  }, 120_000);
  return lab;
}
