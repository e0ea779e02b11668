// A process holding a fabric session bounds its heap's growth (src/services/heap.ts): the
// same garbage-making load, run in a child process after making a session and in one that
// made none, reaches a smaller heap in the first. The load is what reading a large fabric
// does: a live base, and batches that live long enough to reach the old generation, then die.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

const load = (withSession: boolean) => `
${withSession ? "const { memoryFabric } = await import('./test/support/memory-fabric.ts'); await memoryFabric();" : ''}
const live = [];
for (let i = 0; i < 300_000; i++) live.push({ a: 'x' + i, b: [i, i + 1] });
const held = [];
let peak = 0;
for (let round = 0; round < 200; round++) {
  const batch = [];
  for (let i = 0; i < 20_000; i++) batch.push({ k: 'ROUTE_TABLE:10.0.' + i, v: { nexthop: '10.1.0.1,10.1.0.3,' + i, ifname: 'Ethernet' + i } });
  held.push(batch);
  if (held.length > 20) held.shift();
  peak = Math.max(peak, process.memoryUsage().heapTotal);
  await new Promise((r) => setImmediate(r));
}
process.stdout.write(JSON.stringify({ peak, live: live.length }));
`;

function peakHeap(withSession: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', load(withSession)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('error', reject);
    c.on('close', (code) => (code === 0 ? resolve((JSON.parse(out) as { peak: number }).peak) : reject(new Error(`child exited ${code}: ${err}`))));
  });
}

describe('heap growth of a controller process', () => {
  it('a process that made a fabric session grows its heap less under the same load', async () => {
    const [without, withSession] = await Promise.all([peakHeap(false), peakHeap(true)]);
    // V8's default lets the old generation reach up to 4× what survived a full collection;
    // bounded, 2×: the same load peaks well below.
    expect(withSession).toBeLessThan(without * 0.75);
  }, 120_000);
});
