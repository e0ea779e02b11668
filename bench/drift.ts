// `npm run bench:drift`: drift of 64 emulated switches that are only redis (one redis-server per
// switch on 127.0.1.1-64:26380, CONFIG_DB as applied, STATE_DB/APPL_DB as converged), through
// the CLI's own path (openSession with an inventory, the Redis transport over TCP). A script,
// not a test: it prints a Markdown table. Target: a whole-fabric drift under 2 s.
import { performance } from 'node:perf_hooks';
import { driftFabric } from '../src/services/drift.ts';
import { openSession } from '../src/services/session.ts';
import { podFabricYaml, startRedisFabric } from '../test/support/redis-fabric.ts';

const SPINES = 4;
const LEAVES = 60;
const ROUNDS = 5;
const TARGET_MS = 2_000;

const fab = await startRedisFabric({ fabricText: podFabricYaml('bench-drift', SPINES, LEAVES), host: (i) => `127.0.1.${1 + i}`, port: 26380 });
const rows: string[][] = [];
let totalKeys = 0;
try {
  const keys = await Promise.all(
    [...fab.endpoints.keys()].map(async (sw) => {
      const n = await Promise.all((['CONFIG_DB', 'STATE_DB', 'APPL_DB'] as const).map((db) => fab.db(sw, db).dbsize()));
      return n.reduce((a, b) => a + b, 0);
    }),
  );
  totalKeys = keys.reduce((a, b) => a + b, 0);
  for (const concurrency of [8, 16, 64]) {
    const session = await openSession(fab.file, { writeLock: false }, { inventory: fab.inventory, concurrency });
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
  const session = await openSession(fab.file, { writeLock: false }, { inventory: fab.inventory, concurrency: 16 });
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
  await fab.stop();
}

console.log(`\nclos drift of ${SPINES} spines + ${LEAVES} leaves on plain redis (${ROUNDS} rounds per line; warm = rounds after the first, links kept open)\n`);
console.log('| fabric | switches | keys | concurrency | cold | warm median | warm max | findings | under 2 s |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);

function ms(n: number): string {
  return `${Math.round(n)} ms`;
}

