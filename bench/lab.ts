// `npm run bench:lab` (root): time for `clos lab up`, time to full convergence after loading the
// rendered CONFIG_DB (written as a controller would: one HSET per entry, in the write order,
// then `systemctl restart bgp` on every switch),
// and memory per switch, for 2×4 and 4×16 fabrics. A script, not a test: it prints a table.
// Convergence = `clos verify` passes (every check of src/core/checks: ports, addresses, BGP
// consumed and Established, ECMP routes to every other leaf's loopback, LLDP, on every switch),
// judged by its watcher as the state changes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { checkBuilder } from '../src/core/checks/checks.ts';
import { writeRank } from '../src/core/diff/order.ts';
import { toRedisForm } from '../src/core/render/render.ts';
import { loadFabric } from '../src/io/fabric.ts';
import { agentRequest, agentSocket } from '../src/lab/agent-client.ts';
import { mapConcurrent } from '../src/services/concurrency.ts';
import { openSession } from '../src/services/session.ts';
import { verifyFabric } from '../src/services/verify.ts';
import type { VerifyReport } from '../src/results/verify-schema.ts';
import { labExecRunner } from '../src/lab/exec.ts';
import { labDown } from '../src/lab/down.ts';
import { isAlive, readRecords } from '../src/lab/processes.ts';
import { type LabState, readState } from '../src/lab/state.ts';
import buildDist from '../test/support/build-dist.ts';
import { fabricYaml } from '../test/lab/fabric-yaml.ts';

// BENCH_SIZES=2x4,4x16 (default both).
const SIZES = (process.env.BENCH_SIZES ?? '2x4,4x16').split(',').map((s) => s.split('x').map(Number) as [spines: number, leaves: number]);
const CONVERGENCE_TIMEOUT_MS = 180_000;
const CLI = new URL('../bin/clos.js', import.meta.url).pathname;
const DB = { CONFIG_DB: 4 } as const;

interface Result {
  fabric: string;
  switches: number;
  upS: number;
  loadS: number;
  /** Of loadS: the HSETs alone (the restarts are the rest). */
  writeS: number;
  convergedAfterLoadS: number | null;
  upToConvergedS: number | null;
  failing: string[];
  rssMbPerSwitch: number;
  pssMbPerSwitch: number;
  downS: number;
  /** The host's CPU time (every process, every core: /proc/stat) from `lab up` to converged. */
  hostCpuS: number;
}

/** CPU time the host has spent (not idle, not waiting for I/O), in seconds since boot. */
function hostCpuS(): number {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / 100; // USER_HZ
}

async function benchOne(spines: number, leaves: number, dir: string): Promise<Result> {
  const name = `bench-${spines}x${leaves}`;
  const file = join(dir, `${name}.fabric.yaml`);
  writeFileSync(file, fabricYaml(name, spines, leaves / 2));
  await labDown(name);

  // `clos lab up` as users run it: the CLI process from dist/ (the agent then runs compiled).
  const c0 = hostCpuS();
  const t0 = performance.now();
  const up = spawnSync(process.execPath, [CLI, 'lab', 'up', file, '--bgpmon-interval', '1000'], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (up.status !== 0) throw new Error(`clos lab up exited ${up.status}: ${up.stderr}`);
  const upS = (performance.now() - t0) / 1000;
  const state = readState(name)!;

  const compiled = await loadFabric(file, { writeLock: false });
  const conns = new Map(Object.values(state.switches).map((s) => [s.name, redis(state, s.name, DB.CONFIG_DB)]));
  const tLoad = performance.now();
  await Promise.all(
    [...compiled.configs].map(async ([sw, db]) => {
      const entries = Object.entries(toRedisForm(db)).sort(([a], [b]) => writeRank(a) - writeRank(b));
      // One HSET per entry (SONiC daemons must never see half an entry).
      for (const [key, fields] of entries) await conns.get(sw)!.hset(key, fields);
    }),
  );
  const writeS = (performance.now() - tLoad) / 1000;
  // bgpcfgd renders the static part (router bgp, network Loopback0, multipath-relax) only when
  // the bgp service starts: after a first CONFIG_DB load SONiC needs `config reload` or
  // `systemctl restart bgp`, and so does the lab.
  // Eight at a time, as an apply's restarts go (72 at once in one agent on 2 cores outlast any
  // sensible reply timeout).
  await mapConcurrent(Object.values(state.switches), 8, (s) => agentRequest(s.name, agentSocket(s.dir), 'restart-bgp', 120_000));
  const loadS = (performance.now() - tLoad) / 1000;

  // Convergence as `clos verify` judges it, through its one watcher (keyspace events, a re-read
  // of what changed), every switch watched at once.
  const n = Object.keys(state.switches).length;
  const session = await openSession(file, { writeLock: false }, { inventory: state.inventory, concurrency: n, labExec: labExecRunner });
  let report: VerifyReport;
  try {
    report = await verifyFabric({
      links: (name) => session.link(name),
      checks: checkBuilder(session.loaded.intents, { flavourOf: (s) => session.inventory.switches[s.name]?.flavour ?? s.flavour }),
      timeoutMs: CONVERGENCE_TIMEOUT_MS,
      // verify asks `vtysh -c 'show daemons'` of every switch each second (sessions pass only
      // while the routing daemons run): a vtysh start costs about what a daemon's does, and 20
      // a second would take half a core from the fabric being timed. Once every 10 s here: the
      // first answer comes at once, and the verdict waits on STATE_DB/APPL_DB events, not on it.
      frrPollMs: 10_000,
      concurrency: n,
      switches: session.switches,
    });
  } finally {
    await session.close();
  }
  const tConv = performance.now();
  const cpuS = hostCpuS() - c0;
  const converged = report.converged;
  const failing = report.switches.flatMap((sw) => sw.checks.filter((c) => !c.pass).map((c) => `${sw.name}: ${c.id}`));

  const mem = await memory(state);
  for (const r of conns.values()) r.disconnect();
  const tDown = performance.now();
  await labDown(name);
  return {
    fabric: `${spines}×${leaves}`,
    switches: n,
    upS,
    loadS,
    writeS,
    convergedAfterLoadS: converged ? (tConv - tLoad) / 1000 : null,
    upToConvergedS: converged ? (tConv - t0) / 1000 : null,
    failing: failing.slice(0, 5),
    rssMbPerSwitch: mem.rss / n / 1024,
    pssMbPerSwitch: mem.pss / n / 1024,
    downS: (performance.now() - tDown) / 1000,
    hostCpuS: cpuS,
  };
}

function redis(state: LabState, sw: string, db: number): Redis {
  return new Redis({ path: join(state.switches[sw]!.dir, 'redis.sock'), db });
}

/** RSS and PSS (shared pages divided among sharers) of every recorded live process and its
 *  children (lldpd's privilege-separated child is forked by lldpd, not recorded), in kB. */
async function memory(state: LabState): Promise<{ rss: number; pss: number }> {
  const pids = new Set<number>();
  const add = (pid: number) => {
    if (pids.has(pid)) return;
    pids.add(pid);
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) add(Number(c));
    } catch {
      // gone
    }
  };
  for (const r of await readRecords(state.records)) if (!r.pidFile && isAlive(r)) add(r.pid);
  let rss = 0;
  let pss = 0;
  for (const pid of pids) {
    try {
      const roll = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      rss += Number(/^Rss:\s+(\d+)/m.exec(roll)?.[1] ?? 0);
      pss += Number(/^Pss:\s+(\d+)/m.exec(roll)?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return { rss, pss };
}

buildDist(); // bin/clos.js refuses a dist/ older than src/
const dir = mkdtempSync(join(tmpdir(), 'clos-bench-lab-'));
const results: Result[] = [];
try {
  for (const [s, l] of SIZES) {
    try {
      results.push(await benchOne(s, l, dir));
      console.error(JSON.stringify(results.at(-1)));
    } finally {
      await labDown(`bench-${s}x${l}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const f = (x: number | null, d = 1) => (x === null ? 'not converged' : x.toFixed(d));
const cores = availableParallelism();
// The host's CPU from `lab up` to converged over its cores: no bring-up on this host can take
// less (switches, FRR, lldpd, redis, the agent, and clos itself all run on the same cores).
console.log(`| fabric | switches | lab up | CONFIG_DB load + restart bgp (of which writes) | converged after load | up → converged | host CPU up → converged (floor on ${cores} cores) | RSS / switch | PSS / switch | lab down |`);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  console.log(
    `| ${r.fabric} | ${r.switches} | ${f(r.upS)} s | ${f(r.loadS, 2)} s (${f(r.writeS, 2)} s) | ${f(r.convergedAfterLoadS)} s | ${f(r.upToConvergedS)} s | ${f(r.hostCpuS)} s (${f(r.hostCpuS / cores)} s) | ${f(r.rssMbPerSwitch)} MB | ${f(r.pssMbPerSwitch)} MB | ${f(r.downS)} s |`,
  );
  if (r.failing.length > 0) console.log(`  still failing: ${r.failing.join('; ')}`);
}
console.log(`\n${JSON.stringify(results)}`);
