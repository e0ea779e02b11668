// `clos bringup` on the emulated fabric (real redis, FRR, lldpd and the switch agent), fabric
// t-bringup on 127.0.1.224/28: dc1 (2 spines × 4 leaves) brought up whole, then
// - rack r3 added to the running, converged fabric: the new leaves and the spines converge, and
//   no existing session leaves Established at any time (keyspace subscriptions on every existing
//   switch's STATE_DB NEIGH_STATE_TABLE record every state written during the run, and FRR's
//   own counters of dropped connections do not move);
// - rack r4 cabled wrongly (leaf7's two uplinks swapped in its namespace): the run stops before
//   any BGP change, names the ports, and the spines' CONFIG_DB is byte-identical to before;
// - rack r4 cabled right, spine2's link to leaf7 taken down as spine2's stage starts: spine2
//   rolls back to exactly its checkpoint (its CONFIG_DB as before the run), exit 13;
// - the same rack again, the `clos bringup` process killed (SIGKILL) in spine2's stage: a
//   `clos bringup --resume` finishes it.
// The lab is always torn down, even when a test fails.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/bringup/record.ts';
import { stateDirFor } from '../../src/io/state-dir.ts';
import { dc1Text } from '../bringup/fabric.ts';
import { runCli } from '../support/cli.ts';
import { bringupRackWatched, downLab, dumpConfigDb, labSwitch, sessions, upLab } from './helpers.ts';

const FABRIC = 't-bringup';
const ADDRESSES = '127.0.1.224/28';
const OLD = ['spine1', 'spine2', 'leaf1', 'leaf2', 'leaf3', 'leaf4'];
const dir = mkdtempSync(join(tmpdir(), 'clos-e2e-bringup-'));
const file = join(dir, `${FABRIC}.fabric.yaml`);
const stateDir = stateDirFor(file, FABRIC);

const text = (extraRacks: number) => dc1Text(extraRacks).replace(/^fabric: dc1$/m, `fabric: ${FABRIC}`);
const sessionsOf = (name: string) => sessions(FABRIC, name);
/** A switch's whole CONFIG_DB, every key and field. */
const configDump = (name: string) => dumpConfigDb(labSwitch(FABRIC, name));

function lock(): Record<string, { 'leaf-port': string; 'spine-port': string }> {
  return (parse(readFileSync(join(dir, `${FABRIC}.lock.yaml`), 'utf8')) as { links: Record<string, { 'leaf-port': string; 'spine-port': string }> }).links;
}

async function newestRecord(): Promise<RunRecord | undefined> {
  try {
    const ids = readdirSync(join(stateDir, 'bringup')).filter((f) => f.endsWith('.json')).sort();
    const last = ids.at(-1);
    return last ? (JSON.parse(readFileSync(join(stateDir, 'bringup', last), 'utf8')) as RunRecord) : undefined;
  } catch {
    return undefined;
  }
}

const ip = (ns: string, ...args: string[]) => execFileSync('ip', ['-n', ns, ...args], { encoding: 'utf8' });

beforeAll(async () => {
  await downLab(FABRIC); // a run that died before its afterAll
  writeFileSync(file, text(0));
  await upLab(file, ADDRESSES);
  const r = await runCli('bringup', file, '--timeout', '90s');
  if (r.code !== 0) throw new Error(`whole-fabric bring-up failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
}, 240_000);

afterAll(async (suite) => downLab(FABRIC, dir, suite), 120_000);

describe('clos bringup on the emulated fabric', () => {
  it('the whole fabric came up: every session Established', async () => {
    for (const s of ['spine1', 'spine2']) expect(Object.values(await sessionsOf(s))).toEqual(['Established', 'Established', 'Established', 'Established']);
    for (const s of ['leaf1', 'leaf2', 'leaf3', 'leaf4']) expect(Object.values(await sessionsOf(s))).toEqual(['Established', 'Established']);
  });

  it('adds rack r3 to the running fabric: new sessions up, no existing session ever leaves Established', async () => {
    writeFileSync(file, text(1));
    await upLab(file, ADDRESSES);
    const r = await bringupRackWatched(FABRIC, file, 'r3', OLD, ['leaf5', 'leaf6']);
    expect(r.stdout).toMatch(/spine spine2\s+passed/);
    for (const s of ['spine1', 'spine2']) expect(Object.values(await sessionsOf(s)).filter((x) => x === 'Established')).toHaveLength(6);
  }, 180_000);

  it('a miscabled new leaf: stops before any BGP change, names the ports, spines byte-identical', async () => {
    writeFileSync(file, text(2));
    await upLab(file, ADDRESSES);
    // leaf7's uplinks swapped: what is plugged into Ethernet120 goes to spine2, and the other way.
    const ns = labSwitch(FABRIC, 'leaf7').namespace;
    ip(ns, 'link', 'set', 'Ethernet120', 'name', 'swapTmp');
    ip(ns, 'link', 'set', 'Ethernet124', 'name', 'Ethernet120');
    ip(ns, 'link', 'set', 'swapTmp', 'name', 'Ethernet124');
    const spinesBefore = await Promise.all(['spine1', 'spine2'].map(configDump));
    const leavesBefore = await Promise.all(['leaf7', 'leaf8'].map(configDump));
    const r = await runCli('bringup', file, '--racks', 'r4', '--timeout', '30s');
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(13);
    const links = lock();
    const p1 = links['leaf7 -- spine1']!['spine-port'];
    const p2 = links['leaf7 -- spine2']!['spine-port'];
    expect(r.stdout).toContain(`leaf7 Ethernet120: intended spine1 ${p1}, seen spine2 ${p2}`);
    expect(r.stdout).toContain(`leaf7 Ethernet124: intended spine2 ${p2}, seen spine1 ${p1}`);
    expect(await Promise.all(['spine1', 'spine2'].map(configDump))).toEqual(spinesBefore);
    expect(await Promise.all(['leaf7', 'leaf8'].map(configDump))).toEqual(leavesBefore);
    expect(leavesBefore.flatMap((db) => Object.keys(db)).filter((k) => k.startsWith('BGP_NEIGHBOR|'))).toEqual([]);
    // Put the cables back the way the lock says.
    for (const p of ['Ethernet120', 'Ethernet124']) ip(ns, 'link', 'set', p, 'down');
    ip(ns, 'link', 'set', 'Ethernet120', 'name', 'swapTmp');
    ip(ns, 'link', 'set', 'Ethernet124', 'name', 'Ethernet120');
    ip(ns, 'link', 'set', 'swapTmp', 'name', 'Ethernet124');
  }, 180_000);

  it('a spine link down during its gate: that spine rolls back to exactly its checkpoint (exit 13)', async () => {
    const spine2Before = await configDump('spine2');
    const port = lock()['leaf7 -- spine2']!['spine-port'];
    const ns = labSwitch(FABRIC, 'spine2').namespace;
    let cut = false;
    const watcher = setInterval(() => {
      void newestRecord().then((rec) => {
        const st = rec?.stages.find((s) => s.spec.id === 'spine spine2');
        if (!cut && st && st.status === 'running') {
          cut = true;
          ip(ns, 'link', 'set', port, 'down');
        }
      });
    }, 20);
    let r: Awaited<ReturnType<typeof runCli>>;
    try {
      r = await runCli('bringup', file, '--racks', 'r4', '--timeout', '15s');
    } finally {
      clearInterval(watcher);
    }
    expect(cut, `${r.stdout}\n${r.stderr}`).toBe(true);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(13);
    expect(r.stdout).toMatch(/spine2 rolled-back \(GATE_TIMEOUT: gate not passed within 15000 ms/);
    expect(r.stdout).toMatch(/spine spine1\s+passed/);
    expect(r.stdout).toMatch(/spine spine2\s+rolled-back/);
    expect(await configDump('spine2')).toEqual(spine2Before);
    // The passed stages stay: spine1 has its sessions to the new leaves.
    expect(Object.values(await sessionsOf('spine1')).filter((x) => x === 'Established')).toHaveLength(8);
  }, 180_000);

  it('a run killed in the middle of a spine stage is resumed with --resume', async () => {
    const child = spawn(process.execPath, [join(process.cwd(), 'bin/clos.js'), 'bringup', file, '--racks', 'r4', '--timeout', '60s'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let killedAt: string | undefined;
    for (let i = 0; i < 3000 && !killedAt; i++) {
      const rec = await newestRecord();
      const st = rec?.stages.find((s) => s.spec.id === 'spine spine2');
      if (rec?.status === 'running' && st?.status === 'running' && ['applying', 'gating'].includes(st.switches[0]!.step)) {
        child.kill('SIGKILL');
        killedAt = st.switches[0]!.step;
      } else await sleep(20);
    }
    await exited;
    expect(killedAt).toBeDefined();
    const killed = (await newestRecord())!;
    expect(killed.status).toBe('running');
    const r = await runCli('bringup', file, '--resume', '--timeout', '60s');
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const done = (await newestRecord())!;
    expect(done.id).toBe(killed.id);
    expect(done.attempts).toHaveLength(2);
    expect(done.stages.map((s) => s.status)).toEqual(['passed', 'passed', 'passed', 'passed', 'passed']);
    for (const s of ['spine1', 'spine2']) expect(Object.values(await sessionsOf(s)).filter((x) => x === 'Established')).toHaveLength(8);
    for (const s of ['leaf7', 'leaf8']) expect(Object.values(await sessionsOf(s))).toEqual(['Established', 'Established']);
  }, 180_000);
});
