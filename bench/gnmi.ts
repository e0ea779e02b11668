// `npm run bench:gnmi`: the gNMI transport next to the Redis transport, in the same run, against
// the same switches:
// 1. one leaf's full configuration (factory state → its whole intent): the SetRequest built
//    (pure) and its size, the write (one Set / one MULTI-EXEC) and the read back of the managed
//    tables, median of --single-rounds runs, each from factory state;
// 2. a 64-switch apply through clos's real services (planFabric then applyFabric: read, diff,
//    checkpoint file, one transaction per switch, read back, applied scope saved), all switches
//    at once, median of --rounds runs, each from factory state.
// The switches: one redis-server per switch (this script's own, on --host ports 17001…, pid
// recorded and stopped by pid only) and one process serving every switch's emulated gNMI
// server (src/gnmi/server.ts, on --host ports 18001…), as the lab's agent does. Exec channels
// are no-ops (the routing restart is not what is measured). Prints a Markdown table.
// Options: --switches 64 (4 spines + the rest leaves), --rounds 3, --single-rounds 10,
// --host 127.0.1.44, --json, --cpu-prof DIR (profile the gNMI server process into DIR).
import { POD_PORTS, podBenchFabric } from './pod-fabric.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { diffConfig } from '../src/core/diff/diff.ts';
import { flatten } from '../src/core/diff/flat.ts';
import { ownershipOf } from '../src/core/diff/ownership.ts';
import { MANAGED_TABLES } from '../src/core/render/render.ts';
import { setRequestFor } from '../src/gnmi/messages.ts';
import { encodeMessage, messageType } from '../src/gnmi/proto.ts';
import { loadFabric, type LoadedFabric } from '../src/io/fabric.ts';
import { StateDir } from '../src/io/state-dir.ts';
import { applyFabric } from '../src/services/apply.ts';
import { planFabric } from '../src/services/plan.ts';
import { FabricSession } from '../src/services/session.ts';
import type { SwitchLink } from '../src/transport/connect.ts';
import { GnmiTransport } from '../src/transport/gnmi.ts';
import { RedisTransport } from '../src/transport/redis.ts';
import type { Transport } from '../src/transport/transport.ts';

const SELF = fileURLToPath(import.meta.url);
const REDIS_BASE = 17000;
const GNMI_BASE = 18000;
const SPINES = 4;
const PORTS = POD_PORTS;

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

// ---- the gNMI side: every switch's server in one process, like the lab agent --------------

async function serve(spec: { host: string; count: number }): Promise<void> {
  const { startGnmiServer } = await import('../src/gnmi/server.ts');
  const servers: { close(): Promise<void> }[] = [];
  for (let i = 1; i <= spec.count; i++) {
    servers.push(await startGnmiServer({ switchName: `sw${i}`, redis: { host: spec.host, port: REDIS_BASE + i }, address: `${spec.host}:${GNMI_BASE + i}`, restartService: async () => undefined }));
  }
  process.on('SIGTERM', () => void Promise.allSettled(servers.map((s) => s.close())).then(() => process.exit(0)));
  process.stdout.write('ready\n');
}

// ---- the switches ------------------------------------------------------------------------

function fabricText(switches: number): string {
  return podBenchFabric({ name: 'bench-gnmi', description: 'gNMI bench', spines: SPINES, leaves: switches - SPINES });
}

interface Switch {
  readonly name: string;
  readonly index: number; // 1-based: redis on REDIS_BASE+index, gNMI on GNMI_BASE+index
}

class RedisServers {
  readonly children: ChildProcess[] = [];

  async start(host: string, count: number, dir: string): Promise<void> {
    for (let i = 1; i <= count; i++) {
      const args = ['--port', String(REDIS_BASE + i), '--bind', host, '--save', '', '--appendonly', 'no', '--notify-keyspace-events', 'AKE', '--databases', '16', '--dir', dir];
      this.children.push(spawn('redis-server', args, { stdio: 'ignore' }));
    }
    for (let i = 1; i <= count; i++) {
      const r = new Redis({ host, port: REDIS_BASE + i, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      r.on('error', () => {});
      for (let tries = 0; ; tries++) {
        try {
          await r.connect();
          break;
        } catch {
          if (tries > 200) throw new Error(`redis-server ${host}:${REDIS_BASE + i} did not start`);
          await sleep(25);
        }
      }
      r.disconnect();
    }
  }

  stop(): void {
    for (const c of this.children) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGTERM');
  }
}

/** docker-sonic-vs-like factory CONFIG_DB: every port down, DEVICE_METADATA with a MAC only. */
async function factory(host: string, sw: Switch, loaded: LoadedFabric): Promise<void> {
  const r = new Redis({ host, port: REDIS_BASE + sw.index, db: 4 });
  try {
    const intent = loaded.intents.find((s) => s.name === sw.name)!;
    const tx = r.multi().flushdb();
    for (const p of intent.platform.ports) tx.hset(`PORT|${p.name}`, { admin_status: 'down', alias: p.alias, index: String(p.index), lanes: p.lanes, mtu: '9100', speed: String(p.speed) });
    tx.hset('DEVICE_METADATA|localhost', { mac: `52:54:00:00:00:${sw.index.toString(16).padStart(2, '0')}` });
    tx.set('CONFIG_DB_INITIALIZED', '1');
    await tx.exec();
  } finally {
    r.disconnect();
  }
}

// ---- measuring ---------------------------------------------------------------------------

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => (x < 10 ? `${x.toFixed(1)} ms` : x < 1000 ? `${Math.round(x)} ms` : `${(x / 1000).toFixed(2)} s`);

function transportOf(kind: 'redis' | 'gnmi', host: string, sw: Switch): Transport {
  return kind === 'redis' ? new RedisTransport(sw.name, { host, port: REDIS_BASE + sw.index }) : new GnmiTransport(sw.name, { host, port: GNMI_BASE + sw.index, deadlineMs: 60_000 });
}

async function oneLeaf(kind: 'redis' | 'gnmi', host: string, sw: Switch, loaded: LoadedFabric, rounds: number) {
  const want = flatten(loaded.configs.get(sw.name)!);
  const write: number[] = [];
  const read: number[] = [];
  let changes = 0;
  for (let r = 0; r < rounds; r++) {
    await factory(host, sw, loaded);
    const t = transportOf(kind, host, sw);
    try {
      const actual = await t.read('CONFIG_DB', MANAGED_TABLES); // also opens the connection
      const ownership = ownershipOf(loaded.intents.find((s) => s.name === sw.name)!);
      const cs = diffConfig({ desired: want, actual, ownership });
      changes = cs.length;
      let t0 = performance.now();
      await t.apply(cs);
      write.push(performance.now() - t0);
      t0 = performance.now();
      const back = await t.read('CONFIG_DB', MANAGED_TABLES);
      read.push(performance.now() - t0);
      if (diffConfig({ desired: want, actual: back, ownership }).length) throw new Error(`${kind}: read back differs`);
    } finally {
      await t.close();
    }
  }
  return { changes, write: median(write), read: median(read) };
}

async function fabricApply(kind: 'redis' | 'gnmi', host: string, switches: Switch[], loaded: LoadedFabric, rounds: number, dir: string) {
  const plan: number[] = [];
  const apply: number[] = [];
  let written = 0;
  for (let r = 0; r < rounds; r++) {
    await Promise.all(switches.map((sw) => factory(host, sw, loaded)));
    const byName = new Map(switches.map((s) => [s.name, s]));
    const connect = async (name: string): Promise<SwitchLink> => {
      const transport = transportOf(kind, host, byName.get(name)!);
      return { name, transport, flavourHint: 'sonic', exec: { endpoint: 'noop', run: async () => ({ code: 0, stdout: '', stderr: '' }) }, close: () => transport.close() };
    };
    const state = new StateDir(mkdtempSync(join(dir, `state-${kind}-`)));
    const session = new FabricSession(loaded, { version: 1, fabric: loaded.fabric.name, switches: {} }, '(bench)', state, { concurrency: switches.length, connect });
    try {
      let t0 = performance.now();
      const plans = await planFabric(session);
      plan.push(performance.now() - t0);
      t0 = performance.now();
      const outcomes = await applyFabric(session, plans, { consumeBudgetMs: 0 });
      apply.push(performance.now() - t0);
      const failed = outcomes.filter((o) => o.status !== 'applied');
      if (failed.length) throw new Error(`${kind}: ${failed.length} switch(es) not applied: ${failed[0]!.error?.message}`);
      written = outcomes.reduce((n, o) => n + o.changes, 0);
    } finally {
      await session.close();
    }
  }
  return { plan: median(plan), apply: median(apply), changes: written };
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

async function main(): Promise<void> {
  const count = Number(option('switches', '64'));
  const rounds = Number(option('rounds', '3'));
  const singleRounds = Number(option('single-rounds', '10'));
  const host = option('host', '127.0.1.44');
  const dir = mkdtempSync(join(tmpdir(), 'clos-bench-gnmi-'));
  const redis = new RedisServers();
  let server: ChildProcess | undefined;
  const cleanup = () => {
    if (server?.pid && server.exitCode === null) process.kill(server.pid, 'SIGTERM');
    // (SIGTERM lets the server process close its servers and write its profile, if asked.)
    redis.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    const file = join(dir, 'bench-gnmi.fabric.yaml');
    writeFileSync(file, fabricText(count));
    const loaded = await loadFabric(file, { writeLock: true });
    const switches = loaded.intents.map((s, i) => ({ name: s.name, index: i + 1 }));
    await redis.start(host, switches.length, dir);
    const prof = option('cpu-prof', '');
    const profArgs = prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : [];
    server = spawn(process.execPath, [...profArgs, '--import', 'tsx', SELF, '--serve', JSON.stringify({ host, count: switches.length })], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      server!.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      server!.once('exit', (code) => reject(new Error(`gNMI server process exited (${code})`)));
    });

    const leaf = switches.find((s) => s.name === 'leaf1')!;
    const leafChanges = diffConfig({ desired: flatten(loaded.configs.get('leaf1')!), actual: new Map(), ownership: ownershipOf(loaded.intents.find((s) => s.name === 'leaf1')!) });
    const t0 = performance.now();
    const req = setRequestFor(leafChanges);
    const buildMs = performance.now() - t0;
    const bytes = encodeMessage(messageType('gnmi.SetRequest'), req).length;

    const single = { redis: await oneLeaf('redis', host, leaf, loaded, singleRounds), gnmi: await oneLeaf('gnmi', host, leaf, loaded, singleRounds) };
    const all = { redis: await fabricApply('redis', host, switches, loaded, rounds, dir), gnmi: await fabricApply('gnmi', host, switches, loaded, rounds, dir) };
    const serverRss = rssMb(server.pid!);
    const results = { switches: switches.length, rounds, singleRounds, cpus: cpus().length, cpu: cpus()[0]?.model, leaf: { changes: single.gnmi.changes, setRequestBytes: bytes, buildMs, ...single }, fabric: all, gnmiServerRssMb: serverRss, benchRssMb: rssMb(process.pid) };
    if (process.argv.includes('--json')) {
      console.log(JSON.stringify(results, null, 2));
      return;
    }
    console.log(
      [
        `gNMI vs Redis, ${switches.length} switches (${SPINES} spines, ${switches.length - SPINES} leaves, ${PORTS}-port platform) on ${results.cpus} CPU(s) (${results.cpu}); medians of ${singleRounds} (one leaf) and ${rounds} (fabric) runs from factory state.`,
        '',
        '| measurement | Redis | gNMI |',
        '|---|---|---|',
        `| one leaf, full configuration: changes | ${single.redis.changes} in one MULTI/EXEC | ${single.gnmi.changes} in one SetRequest of ${(bytes / 1024).toFixed(1)} KB (built in ${ms(buildMs)}) |`,
        `| one leaf: write | ${ms(single.redis.write)} | ${ms(single.gnmi.write)} |`,
        `| one leaf: read back of the ${MANAGED_TABLES.length} managed tables | ${ms(single.redis.read)} | ${ms(single.gnmi.read)} |`,
        `| ${switches.length} switches: plan (read, probe, diff) | ${ms(all.redis.plan)} | ${ms(all.gnmi.plan)} |`,
        `| ${switches.length} switches: apply (${all.gnmi.changes} changes: checkpoint, write, read back) | ${ms(all.redis.apply)} | ${ms(all.gnmi.apply)} |`,
        `| process serving the switches, RSS | ${switches.length} redis-servers | ${serverRss} MB for ${switches.length} gNMI servers (one process) |`,
      ].join('\n'),
    );
  } finally {
    cleanup();
  }
}

if (process.argv.includes('--serve')) await serve(JSON.parse(option('serve', '{}')) as { host: string; count: number });
else await main();
