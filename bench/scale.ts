// `npm run bench:scale`: clos against 1,000 switches (8 spines × 992 leaves), each a real
// redis-server on its own loopback address (127.3.x.y:6379). Per fabric size:
// - the switches start through the redis fabric the drift bench uses (test/support/redis-fabric.ts:
//   redis-servers recorded by pid, start time and command name and stopped by that record only,
//   also on failure and on ctrl-C), CONFIG_DB at factory state, STATE_DB/APPL_DB as SONiC's daemons
//   leave them once converged;
// - the controller runs in a process of its own (bench/scale-controller.ts): plan + apply from
//   factory, verify, drift; its peak RSS (VmHWM) and its peak of open descriptors are its own.
// Targets at 1,000 switches: plan + apply, verify and drift each under 3 s; controller peak RSS
// under 1 GB; descriptors well inside the limit (one connection per switch, see README).
// Options: --sizes 4x60,8x248,8x992 (default: all three, the cost as it grows), --concurrency N
// (default 64), --addresses CIDR (default 127.3.0.0/16), --json, --cpu-prof DIR (profile of the
// controller process), --heap-snapshots DIR (a V8 heap snapshot of the controller after each
// phase, taken after a full collection: what it holds), --alloc-profile DIR (a sampling profile of
// what each phase allocates, garbage included: 1.heapprofile, 2.… in phase order; the figures of
// such a run include the profiler's cost), --memory (no redis-servers: verify and
// drift of switches held in the controller's process, their reads decoded as the Redis
// transport decodes them — the controller's CPU on one core, without the transport's sockets;
// no plan + apply), --hz N (the redis-servers' background frequency; default redis's 10, SONiC's).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pickAddresses } from '../src/lab/addresses.ts';
import { readRecords } from '../src/lab/processes.ts';
import { REDIS_PORT } from '../src/lab/redis.ts';
import { allStates } from '../src/lab/state.ts';
import { startRedisFabric, type RedisFabric } from '../test/support/redis-fabric.ts';
import { podBenchFabric } from './pod-fabric.ts';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const SIZES = option('sizes', '4x60,8x248,8x992').split(',').map((s) => s.split('x').map(Number) as [number, number]);
const CONCURRENCY = Number(option('concurrency', '64'));
const ADDRESSES = option('addresses', '127.3.0.0/16');
const JSON_OUT = process.argv.includes('--json');
const CPU_PROF = option('cpu-prof', ''); // a directory: the controller writes a V8 CPU profile there
const HEAP_SNAPSHOTS = option('heap-snapshots', ''); // a directory: the controller writes a V8 heap snapshot there after each phase
const ALLOC_PROFILES = option('alloc-profile', ''); // a directory: the controller writes a sampling profile of each phase's allocations there
const MEMORY = process.argv.includes('--memory');
// The redis-servers' background frequency: redis's default, 10, is SONiC's. A thousand servers
// at 10 spend more than one of this host's two cores on it while idle (each real switch spends
// it on a CPU of its own): --hz 1 leaves the controller the host, to see its own cost.
const HZ = option('hz', '');
const TARGET_MS = 3_000;
const TARGET_RSS = 1024 ** 3;

interface Figures {
  switches: number;
  memory: boolean;
  changes: number;
  checks: number;
  planMs: number;
  applyMs: number;
  verifyMs: number;
  verifyWarmMs: number;
  driftMs: number;
  driftWarmMs: number;
  peakRss: number;
  peakFds: number;
  fdLimit: number;
  redisRss: number;
  startMs: number;
  /** CPU per phase (plan, apply, verify, drift): the controller's and the redis-servers'. */
  cpu?: Record<string, { controllerMs: number; redisMs: number; redisIdleMs: number }>;
  /** The redis-servers' CPU per wall time, idle: cores. */
  redisIdleCores?: number;
}

let current: RedisFabric | undefined;
let stopping: Promise<void> | undefined;
const stop = () => (stopping ??= (current?.stop() ?? Promise.resolve()).finally(() => (current = undefined)));
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    log(`${sig}: stopping the redis-servers this bench started`);
    void stop().finally(() => process.exit(130));
  });
}

/** Sum of the recorded redis-servers' proportional set size (the redis binary's pages, shared
 *  by all, counted once). */
async function redisRss(records: string): Promise<number> {
  let total = 0;
  for (const r of await readRecords(records)) {
    try {
      total += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${r.pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0) * 1024;
    } catch {
      // gone: counts nothing
    }
  }
  return total;
}

/** The controller on a redis fabric (its fabric file and inventory), or `--memory` on a fabric file. */
function runController(args: readonly string[], redisRecords?: string): Promise<Omit<Figures, 'redisRss' | 'startMs'>> {
  const script = fileURLToPath(new URL('./scale-controller.ts', import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, ...(MEMORY ? ['--expose-gc'] : []), ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : []), script, ...args, String(CONCURRENCY)], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...(redisRecords ? { CLOS_BENCH_REDIS_RECORDS: redisRecords } : {}), ...(HEAP_SNAPSHOTS ? { CLOS_BENCH_HEAP_SNAPSHOTS: HEAP_SNAPSHOTS } : {}), ...(ALLOC_PROFILES ? { CLOS_BENCH_ALLOC_PROFILES: ALLOC_PROFILES } : {}) } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`the controller exited with ${code}`))));
  });
}

async function measure(spines: number, leaves: number): Promise<Figures> {
  const n = spines + leaves;
  if (MEMORY) {
    const dir = mkdtempSync(join(tmpdir(), 'clos-scale-memory-'));
    try {
      const file = join(dir, `bench-scale-${n}.fabric.yaml`);
      writeFileSync(file, podBenchFabric({ name: `bench-scale-${n}`, description: 'bench:scale --memory', spines, leaves }));
      return { ...(await runController(['--memory', file])), redisRss: 0, startMs: 0 };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const taken = new Set(allStates().flatMap((st) => Object.values(st.switches).map((s) => s.address)));
  const addrs = await pickAddresses(ADDRESSES, n, taken, REDIS_PORT);
  const t0 = performance.now();
  const name = `bench-scale-${n}`;
  current = await startRedisFabric({ fabricText: podBenchFabric({ name, description: 'bench:scale', spines, leaves }), host: (i) => addrs[i]!, port: REDIS_PORT, config: 'factory', applied: false, ...(HZ ? { hz: Number(HZ) } : {}) });
  const startMs = performance.now() - t0;
  log(`${n} switches: ${n} redis-servers on ${addrs[0]}…${addrs.at(-1)}:${REDIS_PORT} started and seeded in ${(startMs / 1000).toFixed(1)} s`);
  try {
    const f = await runController([current.file, current.inventory], current.records);
    return { ...f, redisRss: await redisRss(current.records), startMs };
  } finally {
    await stop();
    stopping = undefined;
    log(`${n} switches: redis-servers stopped (by record)`);
  }
}

const rows: Figures[] = [];
try {
  for (const [spines, leaves] of SIZES) rows.push(await measure(spines, leaves));
} catch (e) {
  log(`failed: ${(e as Error).stack ?? e}`);
  process.exitCode = 1;
} finally {
  await stop();
}
if (rows.length) report(rows);

function report(rows: readonly Figures[]): void {
  if (JSON_OUT) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const mb = (b: number) => `${Math.round(b / 1024 ** 2)} MB`;
  const ok = (ms: number) => (ms < TARGET_MS ? s(ms) : `**${s(ms)}**`);
  if (rows[0]!.memory) {
    const big = rows.at(-1)!;
    const cpu = cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
    const lines = [
      `clos verify and drift of N switches held in its own process (--memory: reads decoded by the Redis transport's parser, no redis-servers, no plan + apply), concurrency ${CONCURRENCY}; ${cpu}, Node ${process.version}, load average ${loadavg()[0]!.toFixed(1)}.`,
      '',
      '| switches | checks | verify (warm) | drift (warm) | peak RSS (the databases included) |',
      '|---:|---:|---:|---:|---:|',
      ...rows.map((r) => `| ${r.switches.toLocaleString('en')} | ${r.checks.toLocaleString('en')} | ${ok(r.verifyMs)} (${s(r.verifyWarmMs)}) | ${ok(r.driftMs)} (${s(r.driftWarmMs)}) | ${mb(r.peakRss)} |`),
      '',
      `At ${big.switches.toLocaleString('en')} switches: verify and drift each under 3 s: ${big.verifyMs < TARGET_MS && big.driftMs < TARGET_MS ? 'met' : 'NOT met'}.`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return;
  }
  const cpu = cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  const lines = [
    `clos against N redis-only switches (one redis-server each on its own 127.3.x.y), concurrency ${CONCURRENCY}; ${availableParallelism()} × ${cpu}, Node ${process.version}, load average ${loadavg()[0]!.toFixed(1)}.`,
    '',
    '| switches | keys written | plan | apply | plan + apply | checks | verify (warm) | drift (warm) | controller peak RSS | peak fds / limit | redis PSS, all |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.switches.toLocaleString('en')} | ${r.changes.toLocaleString('en')} | ${s(r.planMs)} | ${s(r.applyMs)} | ${ok(r.planMs + r.applyMs)} | ${r.checks.toLocaleString('en')} | ${ok(r.verifyMs)} (${s(r.verifyWarmMs)}) | ${ok(r.driftMs)} (${s(r.driftWarmMs)}) | ${mb(r.peakRss)} | ${r.peakFds} / ${r.fdLimit} | ${mb(r.redisRss)} |`,
    ),
    '',
  ];
  const big = rows.at(-1)!;
  const met = big.planMs + big.applyMs < TARGET_MS && big.verifyMs < TARGET_MS && big.driftMs < TARGET_MS && big.peakRss < TARGET_RSS && big.peakFds < big.fdLimit;
  lines.push(`At ${big.switches.toLocaleString('en')} switches: plan + apply, verify and drift each under 3 s, peak RSS under 1 GB, descriptors inside the limit: ${met ? 'met' : 'NOT met'}.`);
  // The floor a phase cannot go under on this host: its CPU (the controller's, and what the
  // redis-servers spent serving it: beyond their idle background) spread over the cores the
  // idle servers leave, with nothing idle.
  if (big.cpu) {
    const cores = availableParallelism();
    const idleCores = big.redisIdleCores ?? 0;
    const phase = (names: string[], label: string) => {
      const sum = (f: (c: { controllerMs: number; redisMs: number; redisIdleMs: number }) => number) => names.reduce((n, p) => n + (big.cpu![p] ? f(big.cpu![p]!) : 0), 0);
      const c = sum((x) => x.controllerMs);
      const r = sum((x) => x.redisMs);
      const idle = sum((x) => x.redisIdleMs);
      const busy = Math.max(0, r - idle);
      return `${label} controller ${s(c)}, redis-servers ${s(r)} (idle, they would have spent ${s(idle)}: ${s(busy)} serving it), floor ${s((c + busy) / Math.max(0.1, cores - idleCores))}`;
    };
    lines.push(
      '',
      `CPU at ${big.switches.toLocaleString('en')} switches. Idle, the redis-servers use ${idleCores.toFixed(2)} of the ${cores} cores (their background work, at ${HZ ? `hz ${HZ} (--hz)` : "SONiC's hz, redis's default 10"}; measured before the phases); the floor is a phase's CPU spread over the rest: ${[phase(['plan', 'apply'], 'plan + apply:'), phase(['verify'], 'verify:'), phase(['drift'], 'drift:')].join('; ')}.`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

function log(msg: string): void {
  process.stderr.write(`bench:scale: ${msg}\n`);
}
