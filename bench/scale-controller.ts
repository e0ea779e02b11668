// The controller's side of bench:scale, in a process of its own so that its peak memory and its
// file descriptors are the controller's alone (the fabric's redis-servers and the seeding of
// their databases belong to bench/scale.ts). Through clos's real services: plan + apply from
// factory state, verify of the converged STATE_DB/APPL_DB, drift — all switches over their one
// RESP connection each. Prints one JSON line of figures on stdout.
// argv: <fabric file> <inventory file> <concurrency>
//   or: --memory <fabric file> <concurrency> — no redis-servers: every switch's databases are
//       seeded as bench/scale.ts seeds them (CONFIG_DB as applied, no plan + apply) and read
//       through the Redis transport's decoding (resp-replay.ts); verify and drift only.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { parse } from 'yaml';
import { checkBuilder } from '../src/core/checks/checks.ts';
import { loadFabric } from '../src/io/fabric.ts';
import { cpuTimeMs, readRecords } from '../src/lab/processes.ts';
import { StateDir, stateDirFor } from '../src/io/state-dir.ts';
import { applyFabric } from '../src/services/apply.ts';
import { driftFabric } from '../src/services/drift.ts';
import { planFabric } from '../src/services/plan.ts';
import { FabricSession, openSession } from '../src/services/session.ts';
import { verifyFabric } from '../src/services/verify.ts';
import type { SwitchLink } from '../src/transport/connect.ts';
import type { Transport } from '../src/transport/transport.ts';
import { RedisTransport } from '../src/transport/redis.ts';
import { DAEMONS_ARGV } from '../src/services/watch/daemons.ts';
import { seededDatabases } from '../test/support/redis-fabric.ts';
import { ReplayTransport } from './resp-replay.ts';

const MEMORY = process.argv[2] === '--memory';
const [file, inventoryFile, concurrencyArg] = MEMORY ? [process.argv[3], undefined, process.argv[4]] : process.argv.slice(2);
const concurrency = Number(concurrencyArg);
const inventory = inventoryFile ? (parse(readFileSync(inventoryFile, 'utf8')) as { switches: Record<string, { redis: { host: string; port: number } }> }) : undefined;

/** Open descriptors now (sampled: the peak is what exhaustion would hit). */
const openFds = () => readdirSync('/proc/self/fd').length;
let peakFds = openFds();
const sampler = setInterval(() => (peakFds = Math.max(peakFds, openFds())), 100);

function status(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

const fdLimit = Number(/^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? 0);

/** The redis-servers (the parent's process records, CLOS_BENCH_REDIS_RECORDS): their CPU time
 *  over a phase is what the switches spent serving it, on the same cores as the controller. */
const redisServers = process.env.CLOS_BENCH_REDIS_RECORDS ? await readRecords(process.env.CLOS_BENCH_REDIS_RECORDS) : [];

/** CPU time of every redis-server so far, in ms. Read outside the timed window (a thousand files). */
const redisCpuMs = () => redisServers.reduce((sum, r) => sum + (cpuTimeMs(r) ?? 0), 0);

/** The phase's result and wall time; its CPU time (this process's, user + system, and the
 *  redis-servers') is logged with the next log line: a phase far longer than its CPU waited
 *  on the redis-servers. */
let lastCpuMs = 0;
let lastRedisCpuMs = 0;
let lastMs = 0;
/** CLOS_BENCH_ALLOC_PROFILES=DIR (bench:scale --alloc-profile DIR): a sampling profile of what
 *  each phase allocates, garbage included (V8's sampling heap profiler, one sample per 32 KiB),
 *  written as <n>.heapprofile: what the collector's share of a phase comes from. */
const allocProfiles = process.env.CLOS_BENCH_ALLOC_PROFILES;
const inspector = allocProfiles ? new (await import('node:inspector/promises')).Session() : undefined;
inspector?.connect();
let phaseNo = 0;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  if (inspector) await inspector.post('HeapProfiler.startSampling', { samplingInterval: 32 * 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
  const r0 = redisCpuMs();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const r = await fn();
  const c = process.cpuUsage(c0);
  const ms = performance.now() - t0;
  lastCpuMs = (c.user + c.system) / 1000;
  lastRedisCpuMs = redisCpuMs() - r0;
  lastMs = ms;
  if (inspector) {
    const { profile } = await inspector.post('HeapProfiler.stopSampling');
    writeFileSync(join(allocProfiles!, `${++phaseNo}.heapprofile`), JSON.stringify(profile));
  }
  return [r, ms];
}

/** The redis-servers' CPU per ms of wall time while nobody talks to them: their background
 *  work (serverCron, at SONiC's hz), which a thousand servers on one host spend whatever the
 *  controller does, and which a fabric's switches each spend on their own CPU. Measured over
 *  IDLE_MS before the phases. */
const IDLE_MS = 3_000;
let redisIdleRate = 0;
if (redisServers.length) {
  const r0 = redisCpuMs();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, IDLE_MS));
  redisIdleRate = (redisCpuMs() - r0) / (performance.now() - t0);
}

/** CPU per phase: the controller's, the redis-servers' and of theirs what idle servers would
 *  have spent in the phase's time. */
const cpu: Record<string, { controllerMs: number; redisMs: number; redisIdleMs: number }> = {};
const noteCpu = (phase: string) => (cpu[phase] = { controllerMs: lastCpuMs, redisMs: lastRedisCpuMs, redisIdleMs: redisIdleRate * lastMs });

/** A link to a switch: its transport, with an exec channel that does nothing: apply's restart
 *  of the bgp service after a first bring-up has no routing daemon to restart on a redis-only
 *  switch; `vtysh -c 'show daemons'` (verify's and drift's probe) says zebra and bgpd run, as on
 *  a converged switch; anything else (drift's `cat` of the startup config) is not there (127). */
const linkOf = (name: string, transport: Transport): SwitchLink => ({
  name,
  transport,
  exec: { endpoint: 'bench (no-op)', run: async (argv) => exec(argv) },
  flavourHint: 'sonic',
  close: () => transport.close(),
});

function exec(argv: readonly string[]): { code: number; stdout: string; stderr: string } {
  if (argv.join(' ') === DAEMONS_ARGV.join(' ')) return { code: 0, stdout: 'mgmtd zebra bgpd staticd\n', stderr: '' };
  if (argv[0] === 'cat') return { code: 127, stdout: '', stderr: 'not on a redis-only switch' };
  return { code: 0, stdout: '', stderr: '' };
}

const session = MEMORY ? await memorySession(file!) : await openSession(file!, { writeLock: false }, { inventory: inventoryFile!, connect: redisLink, concurrency });
try {
  let planMs = 0;
  let applyMs = 0;
  let changes = 0;
  log('session open');
  if (!MEMORY) {
    let plans: Awaited<ReturnType<typeof planFabric>>;
    [plans, planMs] = await timed(() => planFabric(session));
    noteCpu('plan');
    log('plan', planMs);
    const failed = plans.filter((p) => p.error);
    if (failed.length) throw new Error(`plan failed on ${failed.length} switch(es), first: ${failed[0]!.switch}: ${failed[0]!.error!.message}`);
    changes = plans.reduce((n, p) => n + p.changes.length, 0);
    let outcomes: Awaited<ReturnType<typeof applyFabric>>;
    [outcomes, applyMs] = await timed(() => applyFabric(session, plans));
    noteCpu('apply');
    log('apply', applyMs);
    const bad = outcomes.filter((o) => o.status !== 'applied');
    if (bad.length) throw new Error(`apply: ${bad.length} switch(es) not applied, first: ${bad[0]!.switch} ${bad[0]!.status}: ${bad[0]!.error?.message ?? ''}`);
  }

  const intents = session.loaded.intents;
  const checksOf = checkBuilder(intents, { flavourOf: () => 'sonic' });
  const links = await Promise.all(session.switches.map((n) => session.link(n)));
  const verify = () => verifyFabric({ links, checks: checksOf, timeoutMs: 30_000, concurrency, switches: session.switches });
  const [v1, verifyMs] = await timed(verify);
  noteCpu('verify');
  log('verify', verifyMs);
  if (!v1.converged) {
    const bad = v1.switches.filter((sw) => sw.passed < sw.total);
    const first = bad[0]!;
    const check = first.checks.find((c) => !c.pass);
    throw new Error(`verify: ${v1.summary.failed} of ${v1.summary.checks} checks failed on ${bad.length} switch(es); first: ${first.name}${first.error ? ` (${first.error})` : ''}: ${check?.expected} — seen ${check?.seen}`);
  }
  const [, verifyWarmMs] = await timed(verify);
  log('verify (warm)', verifyWarmMs);

  const [d1, driftMs] = await timed(() => driftFabric(session));
  noteCpu('drift');
  log('drift', driftMs);
  const [d2, driftWarmMs] = await timed(() => driftFabric(session));
  log('drift (warm)', driftWarmMs);
  if (d1.findings.length || d2.findings.length) throw new Error(`drift: ${d1.findings.length} finding(s) on a converged fabric, first: ${JSON.stringify(d1.findings[0])}`);
  clearInterval(sampler);
  peakFds = Math.max(peakFds, openFds());
  process.stdout.write(
    `${JSON.stringify({
      switches: intents.length,
      memory: MEMORY,
      changes,
      checks: v1.summary.checks,
      planMs,
      applyMs,
      verifyMs,
      verifyWarmMs,
      driftMs,
      driftWarmMs,
      peakRss: status('VmHWM'),
      peakFds,
      fdLimit,
      cpu,
      redisIdleCores: redisIdleRate,
    })}\n`,
  );
} finally {
  clearInterval(sampler);
  await session.close();
}

/** The inventory's redis endpoints. */
async function redisLink(name: string): Promise<SwitchLink> {
  const r = inventory!.switches[name]!.redis;
  return linkOf(name, new RedisTransport(name, { host: r.host, port: r.port }));
}

/** The fabric's switches seeded in this process, the record of an apply of their desired
 *  config in the state directory (drift compares with it). */
async function memorySession(fabricFile: string): Promise<FabricSession> {
  const loaded = await loadFabric(fabricFile, { writeLock: true });
  const stateDir = new StateDir(stateDirFor(fabricFile, loaded.fabric.name));
  const links = new Map<string, SwitchLink>();
  for (const [name, dbs] of seededDatabases(loaded, 'applied')) {
    await stateDir.saveApplied(name, dbs.desired);
    links.set(name, linkOf(name, new ReplayTransport(name, dbs)));
  }
  // The seeded databases are garbage now (only their encoded bytes are kept): not the
  // collector's work during what is timed.
  global.gc?.();
  return new FabricSession(loaded, { version: 1, fabric: loaded.fabric.name, switches: {} }, '(memory)', stateDir, { concurrency, connect: async (n) => links.get(n)! });
}

/** After a phase (its wall time, if timed): its memory and CPU on stderr. */
function log(phase: string, ms?: number): void {
  // CLOS_BENCH_HEAP_SNAPSHOTS=DIR (bench:scale --heap-snapshots DIR): what the controller holds
  // after each phase, as V8 heap snapshots (each taken after a full collection).
  const snapshots = process.env.CLOS_BENCH_HEAP_SNAPSHOTS;
  if (snapshots) writeHeapSnapshot(join(snapshots, `${phase.replace(/\W+/g, '-').replace(/-$/, '')}.heapsnapshot`));
  const m = process.memoryUsage();
  let msg = ms === undefined ? phase : `${phase} ${(ms / 1000).toFixed(2)} s`;
  msg += `; memory: RSS ${(m.rss / 2 ** 20).toFixed(0)} MB, peak ${(status('VmHWM') / 2 ** 20).toFixed(0)} MB, heap ${(m.heapUsed / 2 ** 20).toFixed(0)} of ${(m.heapTotal / 2 ** 20).toFixed(0)} MB, external ${(m.external / 2 ** 20).toFixed(0)} MB`;
  const redis = redisServers.length ? `, redis-servers' CPU ${(lastRedisCpuMs / 1000).toFixed(2)} s, of it ${((redisIdleRate * lastMs) / 1000).toFixed(2)} s their idle background` : '';
  process.stderr.write(`bench:scale: controller: ${msg} (controller CPU ${(lastCpuMs / 1000).toFixed(2)} s${redis})\n`);
}
