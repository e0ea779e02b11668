// `npm run bench:docs`: `clos docs` of a synthetic 16 × 512 fabric (8,192 cables; racks folded in
// the diagram) with its lock, target under 3 s. Each run is a fresh process: the figure is what a
// user waits for (bin/clos.js running the compiled dist/), start-up included. A second child runs
// the command in-process and gives its own wall and CPU time (CPU time is less sensitive to other
// load); a third times the stages (read and compile, generate, write). Median of --runs N (default 5); --sizes as in bench/compile.ts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serializeLock } from '../src/core/allocate/lock.ts';
import { compileFabric, formatDiagnostics } from '../src/core/compile.ts';
import { fabricDocs } from '../src/fabric-docs/generate.ts';
import { loadFabric } from '../src/io/fabric.ts';
import { writeFilesAtomic } from '../src/io/files.ts';
import { syntheticFabric } from './compile.ts';

const SELF = fileURLToPath(import.meta.url);
const CLI = fileURLToPath(new URL('../bin/clos.js', import.meta.url));

function flag(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Child: the real command, in this process; prints its wall and CPU time in main. */
async function cli(file: string, out: string): Promise<void> {
  const { main } = await import('../src/cli/main.ts');
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const code = await main(['node', 'clos', 'docs', file, '-o', out], { out: () => {}, err: (t) => process.stderr.write(`${t}\n`) });
  const ms = performance.now() - t0;
  if (code !== 0) process.exit(code);
  const mine = process.cpuUsage(c0);
  process.stdout.write(`${JSON.stringify({ ms, commandCpuMs: (mine.user + mine.system) / 1000 })}\n`);
}

/** Child: the stages, timed. */
async function stages(file: string, out: string): Promise<void> {
  const t0 = performance.now();
  const f = await loadFabric(file, { writeLock: false, render: false });
  const t1 = performance.now();
  const docs = fabricDocs(f);
  const t2 = performance.now();
  await writeFilesAtomic(new Map([...docs].map(([rel, text]) => [join(out, rel), text])));
  const t3 = performance.now();
  process.stdout.write(`${JSON.stringify({ compile: t1 - t0, generate: t2 - t1, write: t3 - t2, files: docs.size })}\n`);
}

function bytesUnder(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).reduce((n, e) => n + statSync(join(e.parentPath, e.name)).size, 0);
}

function parent(args: string[]): void {
  const sizes = (flag(args, '--sizes') ?? '16x512').split(',').map((s) => s.split('x').map(Number) as [number, number]);
  const runs = Number(flag(args, '--runs') ?? 5);
  const dir = mkdtempSync(join(tmpdir(), 'clos-bench-docs-'));
  const lines = [
    `\`clos docs\` with the fabric's lock, median of ${runs} runs, each a fresh process. Node ${process.version}, ${availableParallelism()} × ${cpus()[0]?.model.replace(/\s+/g, ' ').trim()}.`,
    '',
    '| spines × leaves | cables | `clos docs`, whole process | the command in the process | its CPU time | read + compile | generate | write | files | bytes |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  try {
    for (const [s, l] of sizes) {
      const file = join(dir, `bench-${s}x${l}.fabric.yaml`);
      const text = syntheticFabric(s, l);
      writeFileSync(file, text);
      const r = compileFabric({ text, file });
      if (!r.ok) throw new Error(formatDiagnostics(r.diagnostics));
      writeFileSync(join(dir, `bench-${s}x${l}.lock.yaml`), serializeLock(r.allocation));
      const out = join(dir, `docs-${s}x${l}`);
      const whole: number[] = [];
      const commands: { ms: number; commandCpuMs: number }[] = [];
      const parts: { compile: number; generate: number; write: number; files: number }[] = [];
      for (let i = 0; i < runs; i++) {
        process.stderr.write(`bench docs ${s}x${l}: run ${i + 1}/${runs}…\n`);
        const t0 = performance.now();
        const cli = spawnSync(process.execPath, [CLI, 'docs', file, '-o', out], { encoding: 'utf8' });
        whole.push(performance.now() - t0);
        if (cli.status !== 0) throw new Error(`clos docs failed (${cli.status}):\n${cli.stderr}`);
        const inProcess = spawnSync(process.execPath, ['--import', 'tsx', SELF, '--cli', file, out], { encoding: 'utf8' });
        if (inProcess.status !== 0) throw new Error(`bench child failed (${inProcess.status}):\n${inProcess.stderr}`);
        commands.push(JSON.parse(inProcess.stdout.trim().split('\n').pop()!));
        const st = spawnSync(process.execPath, ['--import', 'tsx', SELF, '--child', file, join(dir, 'stages')], { encoding: 'utf8' });
        if (st.status !== 0) throw new Error(`bench child failed (${st.status}):\n${st.stderr}`);
        parts.push(JSON.parse(st.stdout.trim().split('\n').pop()!));
      }
      const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`);
      lines.push(
        `| ${s} × ${l} | ${(s * l).toLocaleString('en')} | ${ms(median(whole))} | ${ms(median(commands.map((c) => c.ms)))} | ${ms(median(commands.map((c) => c.commandCpuMs)))} | ${ms(median(parts.map((p) => p.compile)))} | ${ms(median(parts.map((p) => p.generate)))} | ` +
          `${ms(median(parts.map((p) => p.write)))} | ${parts[0]!.files} | ${(bytesUnder(out) / (1 << 20)).toFixed(1)} MB |`,
      );
    }
    lines.push('', `Load average at the end: ${loadavg().map((v) => v.toFixed(1)).join(' ')}.`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const argv = process.argv.slice(2);
if (process.argv[1] !== undefined && resolve(process.argv[1]) === SELF) {
  if (argv[0] === '--child') await stages(argv[1]!, argv[2]!);
  else if (argv[0] === '--cli') await cli(argv[1]!, argv[2]!);
  else parent(argv);
}
