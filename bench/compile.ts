// `npm run bench`: the whole compiler pipeline (parse, resolve, allocate, build, lint, render
// every switch, serialise the lock) on synthetic fabrics from 2×4 to 32×2048, first without a
// lock (a new fabric) and then with the lock of the first run (the common case: every later run).
//
// Each measurement runs in a fresh child process so that its peak RSS is its own; the figures
// are medians over a few runs. Options:
//   --sizes 2x4,16x512   only these sizes (spines x leaves)
//   --runs N             runs per size and mode (default 5, 3 from 8,192 links up)
//   --stages             also print the time of each stage (one more child per size and mode)
//   --json               print the raw results as JSON instead of the table
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allocate } from '../src/core/allocate/allocate.ts';
import { parseLock, serializeLock } from '../src/core/allocate/lock.ts';
import { prefixFor } from '../src/core/allocate/spaces.ts';
import { compileFabric, formatDiagnostics } from '../src/core/compile.ts';
import { parseFabric } from '../src/core/fabric/parse.ts';
import { resolveFabric } from '../src/core/fabric/resolve.ts';
import { buildIntents } from '../src/core/intent/build.ts';
import { lintIntents, lintRendered } from '../src/core/intent/lint.ts';
import type { Allocation } from '../src/core/model.ts';
import { renderConfigDb } from '../src/core/render/render.ts';

const SIZES: readonly [number, number][] = [
  [2, 4],
  [4, 32],
  [8, 128],
  [16, 512],
  [32, 2048],
];
const LEAVES_PER_RACK = 2;
const LEAF_PORTS = 64; // Ethernet0…Ethernet252; servers on the first 8, uplinks from Ethernet128
const SERVER_PORTS = 8;

/** A fabric file as a user would write it: declared platforms, pools sized to fit, a server
 *  VLAN on every rack. */
export function syntheticFabric(spines: number, leaves: number): string {
  if (spines > (LEAF_PORTS * 4 - 128) / 4) throw new Error(`at most ${(LEAF_PORTS * 4 - 128) / 4} spines: leaves have uplinks Ethernet128…Ethernet${(LEAF_PORTS - 1) * 4}`);
  const spinePorts = Math.max(64, leaves);
  const loopbackLen = prefixFor(spines + leaves + 2, 1);
  const p2pLen = prefixFor(spines * leaves, 2);
  const serversLen = prefixFor(leaves, 64);
  const racks: string[] = [];
  for (let r = 0; r * LEAVES_PER_RACK < leaves; r++) {
    const names = [];
    for (let k = 1; k <= LEAVES_PER_RACK && r * LEAVES_PER_RACK + k <= leaves; k++) names.push(`leaf${r * LEAVES_PER_RACK + k}`);
    racks.push(
      `  - name: r${r + 1}\n    leaves: [${names.join(', ')}]\n` +
        `    servers: {vlan: 1000, ports: Ethernet0-Ethernet${(SERVER_PORTS - 1) * 4}/4, prefix-length: 26}`,
    );
  }
  const uplinks = Array.from({ length: spines }, (_, i) => `Ethernet${128 + i * 4}`);
  return [
    `fabric: bench-${spines}x${leaves}`,
    `description: synthetic, ${spines} spines and ${leaves} leaves`,
    'underlay:',
    '  asn: {spine: 65100, leaves: 4200000000-4200099999}',
    `  loopbacks: 10.0.0.0/${loopbackLen}`,
    `  p2p: 10.64.0.0/${p2pLen}`,
    `  servers: 172.16.0.0/${serversLen}`,
    'defaults:',
    '  hwsku: Bench-64x100G',
    'platforms:',
    `  Bench-64x100G: {ports: Ethernet0-Ethernet${(LEAF_PORTS - 1) * 4}/4, speed: 100000}`,
    `  Bench-Spine: {ports: Ethernet0-Ethernet${(spinePorts - 1) * 4}/4, speed: 100000}`,
    'spines:',
    ...Array.from({ length: spines }, (_, i) => `  - {name: spine${i + 1}, hwsku: Bench-Spine}`),
    'racks:',
    ...racks,
    'cabling:',
    `  leaf-uplinks: [${uplinks.join(', ')}]`,
    `  spine-ports: Ethernet0-Ethernet${(leaves - 1) * 4}/4`,
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Child: one measurement.

interface Measurement {
  readonly ms: number;
  /** CPU time of the process over the same span (user + system, all threads): what the machine
   *  spent, less sensitive than wall time to other load. */
  readonly cpuMs: number;
  readonly maxRssMb: number;
  readonly switches: number;
  readonly links: number;
  readonly lockBytes: number;
  readonly configBytes: number;
  readonly stages?: Record<string, number>;
}

function child(args: string[]): void {
  const [spines, leaves] = args[0]!.split('x').map(Number) as [number, number];
  const lockIn = flag(args, '--lock');
  const lockOut = flag(args, '--write-lock');
  const text = syntheticFabric(spines, leaves);
  const lockText = lockIn === undefined ? undefined : readFileSync(lockIn, 'utf8');
  const m = args.includes('--stages') ? stages(text, lockText) : whole(text, lockText);
  if (lockOut !== undefined) writeFileSync(lockOut, m.lock);
  const out: Measurement = { ...m.result, maxRssMb: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function whole(text: string, lockText: string | undefined) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = compileFabric({ text, file: 'bench.fabric.yaml', ...(lockText === undefined ? {} : { lockText }) });
  if (!r.ok) throw new Error(formatDiagnostics(r.diagnostics));
  const lock = serializeLock(r.allocation);
  const ms = performance.now() - t0;
  const cpuMs = cpuSince(c0);
  if (lockText !== undefined && lock !== lockText) throw new Error('compiling with the lock changed the lock');
  // Sizes are measured after the clock stops: serialising CONFIG_DB is the writer's work.
  let configBytes = 0;
  for (const db of r.configs.values()) configBytes += JSON.stringify(db, null, 2).length;
  return { lock, result: { ms, cpuMs, switches: r.configs.size, links: r.allocation.links.size, lockBytes: lock.length, configBytes } };
}

/** The same pipeline as compileFabric, stage by stage, to see where the time goes. */
function stages(text: string, lockText: string | undefined) {
  const times: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string): void => {
    const now = performance.now();
    times[name] = now - t;
    t = now;
  };
  const t0 = t;
  const c0 = process.cpuUsage();
  const parsed = parseFabric(text);
  lap('parse');
  const fabric = resolveFabric(parsed.raw!).fabric!;
  lap('resolve');
  let lock: Allocation | undefined;
  if (lockText !== undefined) {
    lock = parseLock(lockText, fabric.name).lock!;
    lap('read lock');
  }
  const allocation = allocate(fabric, lock).allocation!;
  lap('allocate');
  const intents = buildIntents(fabric, allocation);
  lap('build');
  if (lintIntents(fabric, intents).length > 0) throw new Error('lint');
  lap('lint');
  for (const s of intents) {
    const db = renderConfigDb(s);
    if (lintRendered(fabric, s.name, db).length > 0) throw new Error('lint rendered');
  }
  lap('render');
  const out = serializeLock(allocation);
  lap('write lock');
  const ms = performance.now() - t0;
  const cpuMs = cpuSince(c0);
  return { lock: out, result: { ms, cpuMs, switches: intents.length, links: allocation.links.size, lockBytes: out.length, configBytes: 0, stages: times } };
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

function flag(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

// ---------------------------------------------------------------------------------------------
// Parent: run the children, print medians.

const SELF = fileURLToPath(import.meta.url);

function runChild(args: string[]): Measurement {
  const r = spawnSync(process.execPath, ['--import', 'tsx', SELF, '--child', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`bench child ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Measurement;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

interface Row {
  spines: number;
  leaves: number;
  links: number;
  switches: number;
  runs: number;
  fresh: Summary;
  locked: Summary;
  lockBytes: number;
  configBytes: number;
  stages?: { fresh: Record<string, number>; locked: Record<string, number> };
}

interface Summary {
  ms: number;
  cpuMs: number;
  maxRssMb: number;
  all: number[];
}

function summary(ms: readonly Measurement[]): Summary {
  return { ms: median(ms.map((m) => m.ms)), cpuMs: median(ms.map((m) => m.cpuMs)), maxRssMb: median(ms.map((m) => m.maxRssMb)), all: ms.map((m) => Math.round(m.ms)) };
}

function measure(spines: number, leaves: number, runs: number, withStages: boolean, dir: string): Row {
  const size = `${spines}x${leaves}`;
  const lockFile = join(dir, `${size}.lock.yaml`);
  const fresh: Measurement[] = [];
  const locked: Measurement[] = [];
  for (let i = 0; i < runs; i++) fresh.push(runChild([size, ...(i === 0 ? ['--write-lock', lockFile] : [])]));
  for (let i = 0; i < runs; i++) locked.push(runChild([size, '--lock', lockFile]));
  const first = fresh[0]!;
  const row: Row = {
    spines,
    leaves,
    links: first.links,
    switches: first.switches,
    runs,
    fresh: summary(fresh),
    locked: summary(locked),
    lockBytes: first.lockBytes,
    configBytes: first.configBytes,
  };
  if (withStages) {
    row.stages = { fresh: runChild([size, '--stages']).stages!, locked: runChild([size, '--stages', '--lock', lockFile]).stages! };
  }
  return row;
}

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

function fmtMb(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MB` : `${Math.round(bytes / 1024)} kB`;
}

function parent(args: string[]): void {
  const only = flag(args, '--sizes');
  const sizes = only ? only.split(',').map((s) => s.split('x').map(Number) as [number, number]) : SIZES;
  const runsFlag = flag(args, '--runs');
  const withStages = args.includes('--stages');
  const dir = mkdtempSync(join(tmpdir(), 'clos-bench-'));
  const rows: Row[] = [];
  try {
    const baseline = runChild(['0x0', '--baseline']);
    for (const [s, l] of sizes) {
      const runs = runsFlag ? Number(runsFlag) : s * l >= 8192 ? 3 : 5;
      process.stderr.write(`bench ${s}x${l}: ${runs} runs per mode…\n`);
      rows.push(measure(s, l, runs, withStages, dir));
    }
    if (args.includes('--json')) {
      process.stdout.write(`${JSON.stringify({ node: process.version, baselineRssMb: baseline.maxRssMb, rows }, null, 2)}\n`);
      return;
    }
    const lines = [
      `Whole pipeline (parse, resolve, allocate, build, lint, render every switch's CONFIG_DB, serialise the lock),`,
      `median of ${[...new Set(rows.map((r) => r.runs))].join('/')} runs, each in a fresh process; CPU time in brackets. Node ${process.version},`,
      `${cpuLine()}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end. Peak RSS includes Node + tsx (${Math.round(baseline.maxRssMb)} MB).`,
      '',
      '| Spines × leaves | Links | New fabric (no lock) | Peak RSS | With its lock | Peak RSS | Lock file | CONFIG_DB, all switches |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
      ...rows.map(
        (r) =>
          `| ${r.spines} × ${r.leaves} | ${r.links.toLocaleString('en')} | ${fmtMs(r.fresh.ms)} (${fmtMs(r.fresh.cpuMs)}) | ${Math.round(r.fresh.maxRssMb)} MB | ` +
          `${fmtMs(r.locked.ms)} (${fmtMs(r.locked.cpuMs)}) | ${Math.round(r.locked.maxRssMb)} MB | ${fmtMb(r.lockBytes)} | ${fmtMb(r.configBytes)} |`,
      ),
    ];
    if (withStages) {
      const names = [...new Set(rows.flatMap((r) => [...Object.keys(r.stages!.fresh), ...Object.keys(r.stages!.locked)]))];
      lines.push('', `| Stages (ms, one run) | ${names.join(' | ')} |`, `|---|${names.map(() => '---:').join('|')}|`);
      for (const r of rows) {
        for (const mode of ['fresh', 'locked'] as const) {
          const st = r.stages![mode];
          lines.push(`| ${r.spines} × ${r.leaves} ${mode === 'fresh' ? 'no lock' : 'lock'} | ${names.map((n) => (st[n] === undefined ? '' : Math.round(st[n]!))).join(' | ')} |`);
        }
      }
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function cpuLine(): string {
  const cpu = cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  return `${availableParallelism()} × ${cpu}`;
}

// Run only as a script (the fabric generator may be imported, e.g. by profiling scripts).
const argv = process.argv.slice(2);
const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === SELF;
if (isMain && argv[0] === '--child') {
  if (argv.includes('--baseline')) process.stdout.write(`${JSON.stringify({ ms: 0, cpuMs: 0, maxRssMb: process.resourceUsage().maxRSS / 1024, switches: 0, links: 0, lockBytes: 0, configBytes: 0 })}\n`);
  else child(argv.slice(1));
} else if (isMain) {
  parent(argv);
}
