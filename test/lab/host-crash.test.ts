// A `clos lab up` killed midway (SIGKILL: no cleanup of its own) leaves state that `clos lab
// down` fully undoes. Fabric t-host-crash, addresses 127.0.1.144/28.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { labDown } from '../../src/lab/down.ts';
import { isAlive, readRecords } from '../../src/lab/processes.ts';
import { fabricDir } from '../../src/lab/paths.ts';
import { fabricYaml, hostLabFile } from './host-fixtures.ts';

const FABRIC = 't-host-crash';
const ROOT = new URL('../..', import.meta.url).pathname;
const fabricFile = hostLabFile(FABRIC);

const namespaces = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith(`clos-${FABRIC}-`));

// Two cut points: while the host starts redis/lldpd, and once the agent is starting FRR (the
// agent is detached: it keeps starting FRR after `up` died, and `down` must still catch all).
const CUTS: [string, (lines: string[]) => boolean][] = [
  ['while daemons start', (lines) => lines.length >= 3],
  ['while the agent starts FRR', (lines) => lines.some((l) => l.includes('"name":"zebra"'))],
];

it.each(CUTS)('down after an up killed midway (%s) leaves no namespace, process or file', async (_, cutWhen) => {
  const file = fabricFile();
  writeFileSync(file, fabricYaml(FABRIC, 2, 3)); // 8 switches: up takes long enough to be cut
  const records = join(fabricDir(FABRIC), 'processes.jsonl');
  const up = spawn(process.execPath, [join(ROOT, 'bin/clos.js'), 'lab', 'up', file, '--addresses', '127.0.1.144/28'], { stdio: 'ignore' });
  const exited = new Promise((r) => up.on('exit', r));
  // Cut it once some daemons run but before it is done.
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const lines = existsSync(records) ? readFileSync(records, 'utf8').split('\n').filter(Boolean) : [];
    if (cutWhen(lines)) break;
    await sleep(5);
  }
  up.kill('SIGKILL');
  await exited;
  const started = await readRecords(records);
  expect(started.length).toBeGreaterThanOrEqual(3);
  expect(started.some(isAlive)).toBe(true); // detached daemons outlive the killed `up`
  expect(namespaces().length).toBeGreaterThan(0);

  await labDown(FABRIC);
  for (const r of started) expect(isAlive(r)).toBe(false);
  expect(namespaces()).toEqual([]);
  expect(existsSync(fabricDir(FABRIC))).toBe(false);
  // Also what no record names: no process anywhere still refers to the lab's directory. A
  // launcher forked just before `up` died, never recorded, gives up within 3 s on its own
  // without starting its daemon.
  const deadline2 = Date.now() + 5_000;
  while (processesMentioning(fabricDir(FABRIC)).length > 0 && Date.now() < deadline2) await sleep(100);
  expect(processesMentioning(fabricDir(FABRIC))).toEqual([]);
}, 60_000);

function processesMentioning(text: string): string[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((pid) => {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        return cmd.includes(`${text}/`) ? [`${pid} ${cmd}`] : [];
      } catch {
        return [];
      }
    });
}
