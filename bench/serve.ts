// `npm run bench:serve`: what `clos serve` costs next to the command line.
// 1. GET /api/v1/fabrics/:f/drift on 64 redis-only switches (4 spines, 60 leaves; one
//    redis-server per switch on 127.0.1.1-64:26382, converged CONFIG_DB/STATE_DB/APPL_DB, as
//    bench:drift sets them up): latency p50/p99 one request at a time, and requests per second
//    with 4 clients at once, next to `clos drift F --format json` run as a process (what a
//    script without the server pays: start, compile, connect, read).
// 2. 200 SSE clients on a bring-up of a new rack through the API (in-memory switches,
//    test/bringup/memory-lab.ts): every client must get every event of the run, in order; the
//    delay from an event's emission to each client is summarised.
// A script, not a test: it prints Markdown tables.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { buildApp } from '../src/serve/app.ts';
import { dc1Text } from '../test/bringup/fabric.ts';
import { MemoryLab } from '../test/bringup/memory-lab.ts';
import { podFabricYaml, startRedisFabric } from '../test/support/redis-fabric.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const SEQUENTIAL = 30;
const PARALLEL_CLIENTS = 4;
const PARALLEL_MS = 10_000;
const SSE_CLIENTS = 200;

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const ms = (n: number) => `${Math.round(n)} ms`;

async function driftBench(): Promise<string[]> {
  const fab = await startRedisFabric({ fabricText: podFabricYaml('bench-serve', 4, 60), host: (i) => `127.0.1.${1 + i}`, port: 26382 });
  const out: string[] = [];
  try {
    const cli: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bin/clos.js'), 'drift', fab.file, '--format', 'json', '--inventory', fab.inventory, '--concurrency', '16'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
      cli.push(performance.now() - t0);
      if (r.status !== 0) throw new Error(`clos drift exited ${r.status}: ${r.stderr}`);
    }
    const app = await buildApp({ fabrics: [{ name: 'bench-serve', file: fab.file }], session: { inventory: fab.inventory, concurrency: 16 }, tokens: null });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const url = `${base}/api/v1/fabrics/bench-serve/drift`;
      const one = async () => {
        const t0 = performance.now();
        const r = await fetch(url);
        const body = (await r.json()) as { switches: unknown[] };
        if (r.status !== 200 || body.switches.length !== 64) throw new Error(`drift answered ${r.status}`);
        return performance.now() - t0;
      };
      const first = await one(); // opens the 64 connections
      const seq: number[] = [];
      for (let i = 0; i < SEQUENTIAL; i++) seq.push(await one());
      const par: number[] = [];
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: PARALLEL_CLIENTS }, async () => {
          while (performance.now() - t0 < PARALLEL_MS) par.push(await one());
        }),
      );
      const wall = performance.now() - t0;
      out.push(`| \`clos drift F --format json\` (a process per run) | 3 | ${ms(pct(cli, 50))} | ${ms(Math.max(...cli))} | ${(1000 / pct(cli, 50)).toFixed(1)} |`);
      out.push(`| GET …/drift, first request (connects to 64 switches) | 1 | ${ms(first)} | | |`);
      out.push(`| GET …/drift, one at a time | ${SEQUENTIAL} | ${ms(pct(seq, 50))} | ${ms(pct(seq, 99))} | ${(1000 / pct(seq, 50)).toFixed(1)} |`);
      out.push(`| GET …/drift, ${PARALLEL_CLIENTS} clients at once for ${PARALLEL_MS / 1000} s | ${par.length} | ${ms(pct(par, 50))} | ${ms(pct(par, 99))} | ${((par.length * 1000) / wall).toFixed(1)} |`);
    } finally {
      await app.close();
    }
  } finally {
    await fab.stop();
  }
  return out;
}

async function sseBench(): Promise<string[]> {
  const lab = new MemoryLab();
  const session = await lab.open(dc1Text(0));
  // The rack to bring up: r3 added to the file the server serves.
  const text = dc1Text(1);
  await lab.open(text);
  const inventory = join(lab.dir, 'dc1.inventory.yaml');
  writeFileSync(inventory, stringify({ version: 1, fabric: 'dc1', switches: {} }));
  const app = await buildApp({ fabrics: [{ name: 'dc1', file: lab.file }], session: { inventory, concurrency: 8, connect: session.opts.connect! }, tokens: null });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    // The existing racks first (plan + apply through the API), then r3 as a staged bring-up.
    const plan = (await (await fetch(`${base}/api/v1/fabrics/dc1/plan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as { id: string };
    const applied = (await (await fetch(`${base}/api/v1/fabrics/dc1/apply`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ plan: plan.id }) })).json()) as { run: string };
    await (await fetch(`${base}/api/v1/runs/${applied.run}/events`)).text();
    const res = await fetch(`${base}/api/v1/fabrics/dc1/bringup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ racks: ['r3'] }) });
    const { run } = (await res.json()) as { run: string };
    if (res.status !== 202) throw new Error(`bringup answered ${res.status}`);
    const t0 = performance.now();
    const lags: number[] = [];
    const clients = await Promise.all(
      Array.from({ length: SSE_CLIENTS }, async () => {
        const r = await fetch(`${base}/api/v1/runs/${run}/events`);
        const connected = Date.now();
        const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
        const ids: number[] = [];
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return ids;
          buf += value;
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const id = /^id: (\d+)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (!id || !data) continue;
            ids.push(Number(id));
            // The delay of events emitted after this client connected (the history before is
            // replayed at once, and is older by construction).
            const at = Date.parse((JSON.parse(data) as { at: string }).at);
            if (at >= connected) lags.push(Date.now() - at);
          }
        }
      }),
    );
    const wall = performance.now() - t0;
    const record = app.clos.runs.get(run)!;
    const expected = record.events.map((e) => e.id);
    const complete = clients.filter((ids) => ids.length === expected.length && ids.every((id, i) => id === expected[i])).length;
    const live = lags.length ? lags : [0];
    return [
      `| ${SSE_CLIENTS} | ${record.state} | ${expected.length} | ${complete} / ${SSE_CLIENTS} | ${clients.reduce((a, c) => a + c.length, 0)} | ${ms(pct(live, 50))} | ${ms(pct(live, 99))} | ${(wall / 1000).toFixed(1)} s |`,
    ];
  } finally {
    await app.close();
  }
}

const drift = await driftBench();
const sse = await sseBench();
console.log('\nGET /api/v1/fabrics/:f/drift of 64 redis-only switches (4 spines, 60 leaves), concurrency 16, next to the CLI\n');
console.log('| how | requests | p50 | p99 (max for the CLI) | per second |');
console.log('|---|---:|---:|---:|---:|');
for (const r of drift) console.log(r);
console.log('\nSSE clients on one bring-up (rack r3 of dc1, in-memory switches) through the API\n');
console.log('| clients | run ended | events in the run | clients that got every event, in order | events delivered | delay p50 | delay p99 | run |');
console.log('|---:|---|---:|---:|---:|---:|---:|---:|');
for (const r of sse) console.log(r);
