// `npm run bench:cli`: the shipped command as people run it, one process per run — start-up
// (`clos --version`, `--help`), `clos validate` of topologies/dc1 and of a 16 × 512 fabric (the
// compile bench's generator; without a lock, then with it) — against `node -e 0` measured in the
// same rounds, so the ratio holds on a busy machine. Builds dist/ first: the figures are those
// of the current sources. Rounds interleave the cases; each figure is the median (and best) of
// --runs N rounds (default 11). CPU is the child's user + system time (10 ms ticks). `npx clos`
// adds npm's start-up, shown for reference.
// --compare DIR also runs DIR's bin/clos.js (another checkout: the figures before a change) in
// the same rounds. Targets: --version within 3 × `node -e 0`; validate dc1 under 250 ms;
// validate 16 × 512 under 1 s.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticFabric } from './compile.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/clos.js');
const argv = process.argv.slice(2);
const runs = argv.includes('--runs') ? Number(argv[argv.indexOf('--runs') + 1]) : 11;
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a whole number of at least 1');
const compare = argv.includes('--compare') ? argv[argv.indexOf('--compare') + 1] : undefined;

interface Case {
  name: string;
  cmd?: string; // default: this node
  args: readonly string[];
  cwd: string;
  exit: number;
}

/** User + system CPU of the reaped children of this process so far, in ms. */
function childCpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10; // cutime, cstime (USER_HZ = 100)
}

function once(c: Case): { ms: number; cpuMs: number } {
  const cpu0 = childCpuMs();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(c.cmd ?? process.execPath, c.args, { cwd: c.cwd, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== c.exit) throw new Error(`${c.name}: exit ${r.status} (expected ${c.exit}): ${r.stderr}`);
  return { ms, cpuMs: childCpuMs() - cpu0 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { encoding: 'utf8' });
if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);

const dir = mkdtempSync(join(tmpdir(), 'clos-bench-cli-'));
try {
  const big = join(dir, 'bench-16x512.fabric.yaml');
  const locked = join(dir, 'locked', 'bench-16x512.fabric.yaml');
  writeFileSync(big, syntheticFabric(16, 512));
  mkdirSync(join(dir, 'locked'));
  writeFileSync(locked, syntheticFabric(16, 512));
  // The lock comes from `clos render` (validate never writes it).
  once({ name: 'render 16x512', args: [BIN, 'render', locked, '-o', join(dir, 'out')], cwd: dir, exit: 0 });

  const cases: Case[] = [
    { name: 'node -e 0', args: ['-e', '0'], cwd: ROOT, exit: 0 },
    { name: 'clos --version', args: [BIN, '--version'], cwd: ROOT, exit: 0 },
    { name: 'clos --help', args: [BIN, '--help'], cwd: ROOT, exit: 0 },
    // npm's own start-up comes on top, for reference (no target).
    { name: 'npx clos --version', cmd: 'npx', args: ['clos', '--version'], cwd: ROOT, exit: 0 },
    { name: 'clos validate topologies/dc1.fabric.yaml', args: [BIN, 'validate', 'topologies/dc1.fabric.yaml'], cwd: ROOT, exit: 0 },
    { name: 'clos validate 16 × 512 (no lock)', args: [BIN, 'validate', big], cwd: dir, exit: 0 },
    { name: 'clos validate 16 × 512 (with its lock)', args: [BIN, 'validate', locked], cwd: dir, exit: 0 },
  ];
  if (compare) {
    const other = join(compare, 'bin/clos.js');
    cases.push(
      { name: `${compare}: clos --version`, args: [other, '--version'], cwd: ROOT, exit: 0 },
      { name: `${compare}: clos validate topologies/dc1.fabric.yaml`, args: [other, 'validate', 'topologies/dc1.fabric.yaml'], cwd: ROOT, exit: 0 },
      { name: `${compare}: clos validate 16 × 512 (no lock)`, args: [other, 'validate', big], cwd: dir, exit: 0 },
    );
  }
  const load0 = loadavg()[0]!;
  for (const c of cases) once(c); // warm the page cache
  const results = new Map(cases.map((c) => [c.name, { ms: [] as number[], cpu: [] as number[] }]));
  for (let r = 0; r < runs; r++) {
    for (const c of cases) {
      const m = once(c);
      results.get(c.name)!.ms.push(m.ms);
      results.get(c.name)!.cpu.push(m.cpuMs);
    }
  }
  const med = (name: string) => median(results.get(name)!.ms);
  const node = med('node -e 0');
  const targets: Record<string, [number, string]> = {
    'clos --version': [3 * node, `≤ 3 × node -e 0 (${fmt(3 * node)})`],
    'clos validate topologies/dc1.fabric.yaml': [250, '< 250 ms'],
    'clos validate 16 × 512 (no lock)': [1000, '< 1 s'],
    'clos validate 16 × 512 (with its lock)': [1000, '< 1 s'],
  };
  const rows = cases.map((c) => {
    const r = results.get(c.name)!;
    const m = median(r.ms);
    const t = targets[c.name];
    return [`\`${c.name}\``, fmt(m), fmt(Math.min(...r.ms)), fmt(median(r.cpu)), `${(m / node).toFixed(1)} ×`, t ? `${t[1]}: ${m <= t[0] ? 'met' : 'MISSED'}` : ''];
  });
  const cpu = cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  console.log(`${runs} rounds, cases interleaved; ${availableParallelism()} × ${cpu}, Node ${process.version}; load average ${load0.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end.\n`);
  console.log('| command | median | best | CPU (median) | vs node -e 0 | target |');
  console.log('|---|---:|---:|---:|---:|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  if (rows.some((r) => r[5]!.endsWith('MISSED'))) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
