// A process holding a session over a large fabric bounds its heap's growth
// (src/services/heap.ts): the same garbage-making load, run in a child process after making a
// session of 1,000 switches and in one after a session of 64, reaches a smaller heap in the
// first. The load is what reading a large fabric does: a live base, and batches that live
// long enough to reach the old generation, then die.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

const load = (switches: number) => `
const { FabricSession } = await import('./src/services/session.ts');
const { StateDir } = await import('./src/io/state-dir.ts');
const intents = Array.from({ length: ${switches} }, (_, i) => ({ name: 'leaf' + i }));
new FabricSession({ intents, configs: new Map() }, { switches: {} }, 'inventory.yaml', new StateDir('/nonexistent/clos-heap-test'), {});
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

function peakHeap(switches: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', load(switches)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('error', reject);
    c.on('close', (code) => (code === 0 ? resolve((JSON.parse(out) as { peak: number }).peak) : reject(new Error(`child exited ${code}: ${err}`))));
  });
}

describe('heap growth of a controller process', () => {
  it('after a session of 1,000 switches the heap grows less under the same load than after one of 64', async () => {
    const [small, large] = await Promise.all([peakHeap(64), peakHeap(1000)]);
    // V8's own factor (kept for 64 switches) lets the old generation reach up to 4× what
    // survived a full collection; bounded, 2×: the same load peaks well below.
    expect(large).toBeLessThan(small * 0.75);
  }, 120_000);
});
