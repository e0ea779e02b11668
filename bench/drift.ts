// `npm run bench:drift`: drift of 64 emulated switches that are only redis (one redis-server per
// switch on 127.0.1.1-64:26380, CONFIG_DB as applied, STATE_DB/APPL_DB as converged), through
// the CLI's own path (openSession with an inventory, the Redis transport over TCP). A script,
// not a test: it prints a Markdown table. Target: a whole-fabric drift under 2 s.
// --delay MS: the switches as if across a network, MS ms each way (round trip 2 × MS): the
// controller reaches each through a proxy of its own on 127.0.5.x, in a process of its own (so
// its work is not the controller's), that holds every chunk MS ms in each direction.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeInventory } from '../src/inventory/write.ts';
import { driftFabric } from '../src/services/drift.ts';
import { openSession } from '../src/services/session.ts';
import { podFabricYaml, startRedisFabric } from '../test/support/redis-fabric.ts';

const delayAt = process.argv.indexOf('--delay');
const DELAY_MS = delayAt >= 0 ? Number(process.argv[delayAt + 1]) : 0;
if (!Number.isFinite(DELAY_MS) || DELAY_MS < 0) throw new Error(`--delay: not a number of ms: ${process.argv[delayAt + 1]}`);

/** The proxy process: one listener per switch, each chunk written on after DELAY_MS (timers of
 *  one delay fire in order, so a stream keeps its order). */
const PROXY = `
const net = require('node:net');
const [delay, pairs] = JSON.parse(process.argv[1]);
let up = 0;
for (const [lhost, lport, rhost, rport] of pairs) {
  net.createServer((c) => {
    const s = net.connect(rport, rhost);
    c.setNoDelay(true); s.setNoDelay(true);
    const pipe = (a, b) => { a.on('data', (d) => setTimeout(() => b.write(d), delay)); a.on('close', () => setTimeout(() => b.destroy(), delay)); a.on('error', () => b.destroy()); };
    pipe(c, s); pipe(s, c);
  }).listen(lport, lhost, () => { if (++up === pairs.length) process.stdout.write('ready\\n'); });
}`;

async function startProxy(pairs: [string, number, string, number][]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', PROXY, JSON.stringify([DELAY_MS, pairs])], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the delay proxy exited (${code}) before it listened`)));
  });
  return child;
}

const SPINES = 4;
const LEAVES = 60;
const ROUNDS = 5;
const TARGET_MS = 2_000;

const fab = await startRedisFabric({ fabricText: podFabricYaml('bench-drift', SPINES, LEAVES), host: (i) => `127.0.1.${1 + i}`, port: 26380 });
const rows: string[][] = [];
let totalKeys = 0;
let proxy: ChildProcess | undefined;
let inventory = fab.inventory;
try {
  if (DELAY_MS > 0) {
    const names = [...fab.endpoints.keys()];
    proxy = await startProxy(names.map((n, i) => [`127.0.5.${1 + i}`, 26380, fab.endpoints.get(n)!.host, fab.endpoints.get(n)!.port]));
    inventory = join(fab.dir, 'delayed.inventory.yaml');
    writeInventory(inventory, {
      version: 1,
      fabric: fab.loaded.fabric.name,
      switches: Object.fromEntries(names.map((n, i) => [n, { transport: 'redis' as const, flavour: 'sonic' as const, redis: { host: `127.0.5.${1 + i}`, port: 26380 } }])),
    });
  }
  const keys = await Promise.all(
    [...fab.endpoints.keys()].map(async (sw) => {
      const n = await Promise.all((['CONFIG_DB', 'STATE_DB', 'APPL_DB'] as const).map((db) => fab.db(sw, db).dbsize()));
      return n.reduce((a, b) => a + b, 0);
    }),
  );
  totalKeys = keys.reduce((a, b) => a + b, 0);
  for (const concurrency of [8, 16, 64]) {
    const session = await openSession(fab.file, { writeLock: false }, { inventory, concurrency });
    try {
      const times: number[] = [];
      let findings = -1;
      for (let i = 0; i < ROUNDS; i++) {
        const t0 = performance.now();
        const r = await driftFabric(session);
        times.push(performance.now() - t0);
        findings = r.findings.length;
      }
      const [cold, ...warm] = times;
      warm.sort((a, b) => a - b);
      rows.push(['converged', String(fab.endpoints.size), String(totalKeys), String(concurrency), ms(cold!), ms(warm[Math.floor(warm.length / 2)]!), ms(warm.at(-1)!), String(findings), cold! < TARGET_MS && warm.at(-1)! < TARGET_MS ? 'yes' : 'NO']);
    } finally {
      await session.close();
    }
  }
  // With drift: what a report with findings (and their correlation) costs.
  await Promise.all([...fab.endpoints.keys()].filter((s) => s.startsWith('leaf')).map((s) => fab.db(s, 'CONFIG_DB').hset(`PORT|Ethernet${252 - 4 * (SPINES - 1)}`, 'description', 'hand edit')));
  const session = await openSession(fab.file, { writeLock: false }, { inventory, concurrency: 16 });
  try {
    const t0 = performance.now();
    const r = await driftFabric(session);
    const t = performance.now() - t0;
    const t1 = performance.now();
    await driftFabric(session);
    const t2 = performance.now() - t1;
    rows.push(['a field edited on every leaf', String(fab.endpoints.size), String(totalKeys), '16', ms(t), ms(t2), ms(Math.max(t, t2)), String(r.findings.length), t < TARGET_MS && t2 < TARGET_MS ? 'yes' : 'NO']);
  } finally {
    await session.close();
  }
} finally {
  proxy?.kill();
  await fab.stop();
}

console.log(`\nclos drift of ${SPINES} spines + ${LEAVES} leaves on plain redis (${ROUNDS} rounds per line; warm = rounds after the first, links kept open)${DELAY_MS ? `, ${DELAY_MS} ms each way (round trip ${2 * DELAY_MS} ms)` : ''}\n`);
console.log('| fabric | switches | keys | concurrency | cold | warm median | warm max | findings | under 2 s |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);

function ms(n: number): string {
  return `${Math.round(n)} ms`;
}

