// `npm run bench:apply`: apply a full configuration to 64 redis-only emulated switches through
// clos's real services, next to the physical limit measured in the same run.
//
// - 64 redis-server processes (the lab's configuration and docker-sonic-vs factory CONFIG_DB,
//   src/lab/redis.ts), one per switch on its own 127.0.x.y:6379, recorded (pid, start time,
//   command name) and stopped by record only — never by name.
// - A fabric of 4 spines × 60 leaves on a 64-port platform, a server VLAN on every rack.
// - clos: FabricSession with a custom `connect` (RedisTransport over TCP + a no-op exec
//   channel, flavour hint sonic so nothing waits for bgpcfgd), `planFabric` then
//   `applyFabric`: per switch checkpoint file, one MULTI/EXEC, read back, applied scope saved.
//   All switches in parallel (--concurrency, default 64).
// - The limit: the same commands (MULTI, the same HSET/HDEL/DEL, EXEC per switch) as RESP,
//   piped by `redis-cli --pipe`, 64 in parallel.
// Each round starts from factory state and measures the limit and clos back to back; the table
// shows the median and the best of the rounds, and the median of the per-round ratios, over the
// rounds after the warm-up rounds (same work, left out: V8 still compiling), and the first,
// cold, round on its own row.
// Options: --rounds N (default 5), --warmup N (default 5), --concurrency N (default 64), --addresses CIDR (default
// 127.0.8.0/24: away from the labs' and the tests' 127.0.1.x-127.0.6.x, on the lab's redis port), --json, --cpu-prof DIR (a V8 CPU profile of
// each round's plan and of its apply, written to DIR as plan-N.cpuprofile and apply-N.cpuprofile).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { Change } from '../src/core/diff/diff.ts';
import type { PortDef } from '../src/core/model.ts';
import { loadFabric } from '../src/io/fabric.ts';
import { writeInventory } from '../src/inventory/write.ts';
import type { Inventory } from '../src/inventory/schema.ts';
import { pickAddresses } from '../src/lab/addresses.ts';
import { stopRecorded } from '../src/lab/processes.ts';
import { CONFIG_DB, loadConfigIfBlank, REDIS_PORT, startRedis, type RedisEndpoint } from '../src/lab/redis.ts';
import { factoryConfig } from '../src/lab/factory.ts';
import { allStates } from '../src/lab/state.ts';
import { switchMac } from '../src/lab/up.ts';
import { applyFabric } from '../src/services/apply.ts';
import { planFabric, type SwitchPlan } from '../src/services/plan.ts';
import { openSession } from '../src/services/session.ts';
import type { SwitchLink } from '../src/transport/connect.ts';
import { changeCommands, RedisTransport } from '../src/transport/redis.ts';
import { encodeCommands } from '../src/transport/resp.ts';
import { podBenchFabric } from './pod-fabric.ts';

const SPINES = 4;
const LEAVES = 60;

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const ROUNDS = Number(option('rounds', '5'));
// Rounds run first and left out of the medians: V8 compiles clos's hot paths over the first few
// (a cold round costs two to three times a warm one). The first of them is reported on its own:
// what one `clos apply` process, which plans and applies once, pays.
const WARMUP = Number(option('warmup', '5'));
const CONCURRENCY = Number(option('concurrency', '64'));

/** One round's times: clos's plan and apply, and the limit's. */
type Round = { planMs: number; applyMs: number; pipeMs: number };
const ADDRESSES = option('addresses', '127.0.8.0/24');
const JSON_OUT = process.argv.includes('--json');
const CPU_PROF = option('cpu-prof', '');

/** 4 spines × 60 leaves, racks of two leaves each with a server VLAN on 8 ports. */
export function benchFabric(name: string): string {
  return podBenchFabric({ name, description: 'bench', spines: SPINES, leaves: LEAVES });
}

// ---------------------------------------------------------------------------------------------
// The commands of a change set: exactly those the Redis transport sends (changeCommands).

type Command = string[];

/** Keys and fields a change set writes (the NULL placeholder is not a field). */
function volume(changes: readonly Change[]): { keys: number; fields: number } {
  let fields = 0;
  for (const c of changes) {
    const set = c.op === 'replace' ? (c.after ?? c.set ?? {}) : (c.set ?? {});
    fields += Object.keys(set).length + (c.unset?.length ?? 0);
  }
  return { keys: changes.length, fields };
}

// ---------------------------------------------------------------------------------------------

interface BenchSwitch {
  readonly name: string;
  readonly endpoint: RedisEndpoint;
  readonly dir: string;
  readonly ports: PortDef[];
}

async function mapConcurrent<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

async function resetToFactory(switches: readonly BenchSwitch[], fabric: string): Promise<void> {
  await mapConcurrent(switches, 16, async (s) => {
    const r = new Redis({ path: s.endpoint.socket, db: CONFIG_DB });
    try {
      await r.flushdb();
      await r.select(6); // STATE_DB: nothing there on a redis-only switch, but keep it so
      await r.flushdb();
    } finally {
      r.disconnect();
    }
    await loadConfigIfBlank(s.name, s.endpoint, factoryConfig({ kind: 'vs' }, { name: s.name, hwsku: '', ports: s.ports, mac: switchMac(fabric, s.name), mtu: 9100 }));
  });
}

/** One `redis-cli --pipe` per switch, started and connected BEFORE the clock starts (its
 *  start-up — process, connect, SELECT — is not what is measured, as clos's connections are
 *  open before apply too); `go` hands it the commands and resolves when it is done. */
interface Pipe {
  readonly go: (body: Buffer) => Promise<void>;
  readonly kill: () => void;
}

function startPipe(s: BenchSwitch): Pipe {
  const child = spawn('redis-cli', ['-h', s.endpoint.host, '-p', String(s.endpoint.port), '-n', String(CONFIG_DB), '--pipe'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  return {
    go: async (body) => {
      child.stdin.end(body);
      const code = await exited;
      if (code !== 0 || !/errors: 0,/.test(out)) throw new Error(`redis-cli --pipe to ${s.name} failed (exit ${code}): ${out.trim()}`);
    },
    kill: () => child.kill(),
  };
}

/** Waits until every switch's redis has the pipe's client connected (it has sent SELECT). */
async function pipesConnected(switches: readonly BenchSwitch[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await mapConcurrent(switches, 16, async (s) => {
    const r = new Redis({ path: s.endpoint.socket });
    try {
      for (;;) {
        const clients = (await r.client('LIST')) as string;
        if (clients.split('\n').some((l) => / cmd=select /.test(l))) return;
        if (Date.now() > deadline) throw new Error(`redis-cli --pipe did not connect to ${s.name} within ${timeoutMs} ms: ${clients}`);
        await sleep(10);
      }
    } finally {
      r.disconnect();
    }
  });
}

/** Runs fn, profiled when --cpu-prof is given (the figures of such a run include the
 *  profiler's cost: they are for finding where time goes, not for the table). */
async function profiled<T>(name: string, fn: () => Promise<T>): Promise<T> {
  if (!CPU_PROF) return fn();
  const { Session } = await import('node:inspector/promises');
  const s = new Session();
  s.connect();
  await s.post('Profiler.enable');
  await s.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await s.post('Profiler.stop');
    mkdirSync(CPU_PROF, { recursive: true });
    writeFileSync(join(CPU_PROF, `${name}.cpuprofile`), JSON.stringify(profile));
    s.disconnect();
  }
}

/** A process.cpuUsage() difference in ms (user + system). */
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'clos-bench-apply-'));
  const records = join(work, 'processes.jsonl');
  const name = 'bench-apply';
  try {
    const file = join(work, `${name}.fabric.yaml`);
    writeFileSync(file, benchFabric(name));
    const compiled = await loadFabric(file, { writeLock: true });
    const intents = compiled.intents;
    const taken = new Set(allStates().flatMap((st) => Object.values(st.switches).map((s) => s.address)));
    const addrs = await pickAddresses(ADDRESSES, intents.length, taken, REDIS_PORT);
    const template = readFileSync(new URL('../src/lab/sonic/database_config.json', import.meta.url), 'utf8');
    const switches: BenchSwitch[] = intents.map((s, i) => {
      const dir = join(work, s.name);
      mkdirSync(dir);
      return { name: s.name, dir, endpoint: { host: addrs[i]!, port: REDIS_PORT, socket: join(dir, 'redis.sock') }, ports: [...s.platform.ports] };
    });
    const t0 = Date.now();
    await mapConcurrent(switches, 8, (s) => startRedis({ switch: s.name, dir: s.dir, endpoint: s.endpoint, records, databaseConfigTemplate: template }));
    log(`started ${switches.length} redis-server on ${addrs[0]}…${addrs.at(-1)}:${REDIS_PORT} in ${Date.now() - t0} ms`);

    const inventory: Inventory = {
      version: 1,
      fabric: name,
      switches: Object.fromEntries(switches.map((s) => [s.name, { transport: 'redis' as const, flavour: 'sonic' as const, redis: { host: s.endpoint.host, port: REDIS_PORT } }])),
    };
    const inventoryFile = join(work, 'inventory.yaml');
    writeInventory(inventoryFile, inventory);
    const connect = async (n: string): Promise<SwitchLink> => {
      const s = switches.find((x) => x.name === n)!;
      const transport = new RedisTransport(n, { host: s.endpoint.host, port: s.endpoint.port });
      return {
        name: n,
        transport,
        exec: { endpoint: 'bench (no-op)', run: async () => ({ code: 0, stdout: '', stderr: '' }) },
        flavourHint: 'sonic',
        close: () => transport.close(),
      };
    };

    const rounds: Round[] = [];
    let total = { keys: 0, fields: 0, commands: 0, bytes: 0 };
    let first: Round | undefined; // the first warm-up round: cold
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      const warmup = round < WARMUP;
      // clos: plan (read + diff) and apply (checkpoint, MULTI/EXEC, read back, scope saved).
      await resetToFactory(switches, name);
      rmSync(join(work, '.clos'), { recursive: true, force: true });
      const session = await openSession(file, { writeLock: false }, { inventory: inventoryFile, connect, concurrency: CONCURRENCY });
      let plans: SwitchPlan[];
      let planMs: number;
      let applyMs: number;
      let planCpu: number;
      let applyCpu: number;
      try {
        const tp = performance.now();
        const cp = process.cpuUsage();
        plans = await profiled(`plan-${round + 1}`, () => planFabric(session));
        planMs = performance.now() - tp;
        planCpu = cpuMs(process.cpuUsage(cp));
        const failed = plans.filter((p) => p.error);
        if (failed.length) throw new Error(`plan failed on ${failed.map((p) => `${p.switch}: ${p.error!.message}`).join('; ')}`);
        const ta = performance.now();
        const ca = process.cpuUsage();
        const outcomes = await profiled(`apply-${round + 1}`, () => applyFabric(session, plans));
        applyMs = performance.now() - ta;
        applyCpu = cpuMs(process.cpuUsage(ca));
        const bad = outcomes.filter((o) => o.status !== 'applied');
        if (bad.length) throw new Error(`apply: ${bad.map((o) => `${o.switch} ${o.status}${o.error ? `: ${o.error.message}` : ''}`).join('; ')}`);
      } finally {
        await session.close();
      }
      // The same commands through redis-cli --pipe, from factory state again.
      const files = new Map<string, string>();
      total = { keys: 0, fields: 0, commands: 0, bytes: 0 };
      for (const p of plans) {
        const cmds: Command[] = [['MULTI'], ...p.changes.flatMap(changeCommands), ['EXEC']];
        const body = encodeCommands(cmds);
        const f = join(work, `${p.switch}.resp`);
        writeFileSync(f, body);
        files.set(p.switch, f);
        const v = volume(p.changes);
        total = { keys: total.keys + v.keys, fields: total.fields + v.fields, commands: total.commands + cmds.length, bytes: total.bytes + body.length };
      }
      await resetToFactory(switches, name);
      const pipes = switches.map(startPipe);
      let pipeMs: number;
      try {
        await pipesConnected(switches);
        const bodies = switches.map((s) => readFileSync(files.get(s.name)!));
        const tq = performance.now();
        await Promise.all(pipes.map((p, i) => p.go(bodies[i]!)));
        pipeMs = performance.now() - tq;
      } finally {
        for (const p of pipes) p.kill();
      }
      await checkSame(switches, plans);
      if (!warmup) rounds.push({ planMs, applyMs, pipeMs });
      else if (round === 0) first = { planMs, applyMs, pipeMs };
      log(`${warmup ? `warm-up ${round + 1}` : `round ${round - WARMUP + 1}`}: plan ${planMs.toFixed(0)} ms (clos CPU ${planCpu.toFixed(0)} ms), apply ${applyMs.toFixed(0)} ms (clos CPU ${applyCpu.toFixed(0)} ms), redis-cli --pipe ${pipeMs.toFixed(0)} ms`);
    }
    report(switches.length, total, rounds, first);
  } finally {
    const stopped = await stopRecorded(records);
    log(`stopped ${stopped.length} redis-server (by record)`);
    rmSync(work, { recursive: true, force: true });
  }
}

/** After the pipe, each switch holds what clos applied: the limit wrote the same thing. */
async function checkSame(switches: readonly BenchSwitch[], plans: readonly SwitchPlan[]): Promise<void> {
  await mapConcurrent(switches, 16, async (s) => {
    const plan = plans.find((p) => p.switch === s.name)!;
    const r = new Redis({ path: s.endpoint.socket, db: CONFIG_DB });
    try {
      const p = r.pipeline();
      for (const c of plan.changes) p.hgetall(c.key);
      const got = (await p.exec()) ?? [];
      got.forEach(([, v], i) => {
        const c = plan.changes[i]!;
        const want = c.op === 'replace' ? c.after : c.op === 'add' ? c.set : { ...c.before, ...c.set };
        const have = { ...(v as Record<string, string>) };
        delete have.NULL;
        if (JSON.stringify(Object.entries(have).sort()) !== JSON.stringify(Object.entries(want ?? {}).sort())) throw new Error(`${s.name} ${c.key}: the pipe wrote ${JSON.stringify(have)}, clos ${JSON.stringify(want)}`);
      });
    } finally {
      r.disconnect();
    }
  });
}

function report(n: number, total: { keys: number; fields: number; commands: number; bytes: number }, rounds: Round[], first: Round | undefined): void {
  const pipe = median(rounds.map((r) => r.pipeMs));
  const apply = median(rounds.map((r) => r.applyMs));
  const plan = median(rounds.map((r) => r.planMs));
  const both = median(rounds.map((r) => r.planMs + r.applyMs));
  // Each round measures the limit and clos back to back: the ratio per round, then its median,
  // holds up better than a ratio of medians on a host whose load moves.
  const ratio = (f: (r: (typeof rounds)[number]) => number) => median(rounds.map((r) => r.pipeMs / f(r)));
  const applyRatio = ratio((r) => r.applyMs);
  const rate = (x: number, ms: number) => Math.round((x * 1000) / ms).toLocaleString('en');
  const best = (xs: number[]) => `${Math.min(...xs).toFixed(0)} ms`;
  if (JSON_OUT) {
    process.stdout.write(`${JSON.stringify({ switches: n, ...total, warmup: WARMUP, rounds, ...(first ? { firstRound: first } : {}), median: { pipeMs: pipe, applyMs: apply, planMs: plan }, applyVsLimit: applyRatio, planApplyVsLimit: ratio((r) => r.planMs + r.applyMs) }, null, 2)}\n`);
    return;
  }
  const cpu = cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const lines = [
    `${n} redis-only switches (${SPINES} spines × ${LEAVES} leaves), full configuration from factory state: ${total.keys.toLocaleString('en')} keys, ${total.fields.toLocaleString('en')} fields, ${total.commands.toLocaleString('en')} commands (${(total.bytes / 1024).toFixed(0)} KiB of RESP). ${rounds.length} rounds after ${WARMUP} warm-up rounds (median; best); ${availableParallelism()} × ${cpu}, Node ${process.version}, redis over TCP, load average ${loadavg()[0]!.toFixed(1)}.`,
    '',
    '| | time | best | keys/s | fields/s | vs limit |',
    '|---|---:|---:|---:|---:|---:|',
    `| limit: \`redis-cli --pipe\`, same commands, ${n} in parallel | ${pipe.toFixed(0)} ms | ${best(rounds.map((r) => r.pipeMs))} | ${rate(total.keys, pipe)} | ${rate(total.fields, pipe)} | 100% |`,
    `| clos apply: checkpoint, one MULTI/EXEC with its read-back, applied scope saved (concurrency ${CONCURRENCY}) | ${apply.toFixed(0)} ms | ${best(rounds.map((r) => r.applyMs))} | ${rate(total.keys, apply)} | ${rate(total.fields, apply)} | ${pct(applyRatio)} |`,
    `| clos plan (per switch: managed tables and flavour probe read together, the expected keys' values with the listing: one round trip at factory state; diff) | ${plan.toFixed(0)} ms | ${best(rounds.map((r) => r.planMs))} | | | |`,
    `| clos plan + apply | ${both.toFixed(0)} ms | ${best(rounds.map((r) => r.planMs + r.applyMs))} | ${rate(total.keys, both)} | ${rate(total.fields, both)} | ${pct(ratio((r) => r.planMs + r.applyMs))} |`,
    ...(first
      ? [`| first round, cold (what one \`clos apply\` process pays): plan ${first.planMs.toFixed(0)} ms + apply ${first.applyMs.toFixed(0)} ms, limit ${first.pipeMs.toFixed(0)} ms | ${(first.planMs + first.applyMs).toFixed(0)} ms | | | | ${pct(first.pipeMs / (first.planMs + first.applyMs))} |`]
      : []),
    '',
    `apply reaches ${pct(applyRatio)} of the limit (target: at least 70%), plan + apply ${pct(ratio((r) => r.planMs + r.applyMs))} (target: at least 40%).`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function log(msg: string): void {
  process.stderr.write(`bench:apply: ${msg}\n`);
}

// Run only as a script (the fabric and the command encoding may be imported, e.g. to profile).
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    process.stderr.write(`bench:apply: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  });
}
