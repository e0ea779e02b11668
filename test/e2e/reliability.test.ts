// End to end, issue 13 items 1 and 5 on the emulated fabric, with `clos` run as a process where
// it matters: a state directory that cannot be written (read-only, full) is refused before any
// switch is written; a switch whose redis is paused (SIGSTOP, by the lab's recorded pid) during
// `clos apply` fails as "state unknown", the others are applied and the process EXITS (main
// ran 7.5 minutes until SIGCONT); after SIGCONT `clos plan` shows what the switch really holds;
// a successful apply prunes checkpoints to CLOS_KEEP_CHECKPOINTS and `rollback --list` lists
// them. Fabric t-e2e-rel, redis on 127.0.3.16/28.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flatten } from '../../src/core/diff/flat.ts';
import { runCli } from '../support/cli.ts';
import { dumpConfigDb, e2eLab, labSwitch, PausedRedis, ROOT, waitHolding } from './helpers.ts';

const FABRIC = 't-e2e-rel';
const ADDRESSES = '127.0.3.16/28';
const HUNG = 'leaf3';
const SWITCHES = ['spine1', 'spine2', 'leaf1', 'leaf2', 'leaf3', 'leaf4'];
const lab = e2eLab(FABRIC, ADDRESSES);
const hungRedis = new PausedRedis(FABRIC, HUNG);

async function dumpAll(): Promise<Record<string, unknown>> {
  return Object.fromEntries(await Promise.all(SWITCHES.map(async (s) => [s, await dumpConfigDb(labSwitch(FABRIC, s))] as const)));
}

function mount(...args: string[]): void {
  const r = spawnSync('mount', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mount ${args.join(' ')}: ${r.stderr}`);
}

/** A small tmpfs of our own for the state directory, unmounted (and its mount point removed)
 *  whatever happens. */
async function withTmpfs(size: string, body: (at: string) => Promise<void>): Promise<void> {
  const at = mkdtempSync(join(tmpdir(), 'clos-rel-state-'));
  mount('-t', 'tmpfs', '-o', `size=${size}`, 'clos-rel-state', at);
  const before = process.env.CLOS_STATE_DIR;
  process.env.CLOS_STATE_DIR = at;
  try {
    await body(at);
  } finally {
    if (before === undefined) delete process.env.CLOS_STATE_DIR;
    else process.env.CLOS_STATE_DIR = before;
    spawnSync('umount', [at]);
    rmdirSync(at);
  }
}

describe('a state directory that cannot be written is refused before any switch write', () => {
  it('read-only: EROFS with the path, nothing written to any switch nor to the lock', async () => {
    const before = await dumpAll();
    const lock = lab.file.replace(/\.fabric\.yaml$/, '.lock.yaml');
    const lockBefore = existsSync(lock) ? readFileSync(lock, 'utf8') : null;
    await withTmpfs('1m', async (at) => {
      mount('-o', 'remount,ro', at);
      const r = await runCli('apply', lab.file, '--yes');
      expect(r.code).toBe(1);
      // The first directory it could not create, with the real cause (a recursive mkdir says ENOENT).
      expect(r.stderr).toMatch(new RegExp(`clos: STATE_DIR_UNWRITABLE: state directory ${join(at, FABRIC)}-[0-9a-f]{10} is not writable: EROFS \\(read-only file system\\); nothing was written to any switch`));
      expect(readdirSync(at)).toEqual([]);
    });
    expect(existsSync(lock) ? readFileSync(lock, 'utf8') : null).toBe(lockBefore);
    expect(await dumpAll()).toEqual(before);
  }, 60_000);

  it('full: ENOSPC with the path, nothing written to any switch, no checkpoint directory left', async () => {
    const before = await dumpAll();
    await withTmpfs('64k', async (at) => {
      // Fill it: the file system takes no more data blocks.
      for (let i = 0; ; i++) {
        try {
          writeFileSync(join(at, `fill-${i}`), Buffer.alloc(4096, 1));
        } catch {
          break;
        }
      }
      const filled = readdirSync(at).sort();
      const r = await runCli('apply', lab.file, '--yes');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`clos: STATE_DIR_UNWRITABLE: state directory ${join(at, FABRIC)}-[0-9a-f]{10}/checkpoints/\\.probe-\\d+ is not writable: ENOSPC \\(no space left on the device\\); nothing was written to any switch`));
      expect(readdirSync(at).sort()).toEqual(filled);
    });
    expect(await dumpAll()).toEqual(before);
  }, 60_000);
});

describe(`${HUNG}'s redis paused during \`clos apply\` (a process)`, () => {
  let desired: Map<string, Record<string, string>>;

  it('exits 1 right after its summary: state unknown for the paused switch, the others applied', async () => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [join(ROOT, 'bin/clos.js'), 'apply', lab.file, '--yes', '--concurrency', '1', '--timeout', '30s'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let summaryAt = 0;
    let paused: Promise<void> | undefined;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      // The plan is printed (every switch read); with one switch at a time leaf3 is written
      // only after the spines and two leaves: pause it now, before its transaction.
      if (!paused && /switch\(es\) with changes pending/.test(stdout)) paused = hungRedis.signal('SIGSTOP');
      if (!summaryAt && /switch\(es\) applied or up to date, \d+ failed\./.test(stdout)) summaryAt = Date.now();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const exitedAt = Date.now();
    await paused;
    lab.timings.push(`apply as a process with ${HUNG} paused: ${((exitedAt - t0) / 1000).toFixed(1)} s, exit ${((exitedAt - summaryAt) / 1000).toFixed(2)} s after the summary`);
    expect(stderr.split('\n').filter((l) => l && !/^\d\d:\d\d:\d\d |applying|planning/.test(l))).toEqual([]);
    expect(code).toBe(1);
    expect(summaryAt).toBeGreaterThan(0);
    // Nothing holds the process after the summary (no socket, timer or pending restore).
    expect(exitedAt - summaryAt).toBeLessThan(3_000);
    // Within the budget: 6 switches one at a time, --timeout 30s each at most.
    expect(exitedAt - t0).toBeLessThan(6 * 30_000);
    const line = stdout.split('\n').find((l) => new RegExp(`^${HUNG} +failed `).test(l))!;
    expect(line).toBeDefined();
    expect(line).toContain('state unknown: transaction sent, no reply');
    expect(line).toContain('not restored');
    expect(line).not.toContain('restored to checkpoint');
    for (const s of SWITCHES.filter((x) => x !== HUNG)) expect(stdout).toMatch(new RegExp(`^${s} +applied `, 'm'));
    expect(stdout).toContain('5 switch(es) applied or up to date, 1 failed.');
  }, 240_000);

  it('after SIGCONT, `clos plan` reads the switch again and shows what it holds', async () => {
    await hungRedis.signal('SIGCONT');
    const { loadFabric } = await import('../../src/io/fabric.ts');
    const loaded = await loadFabric(lab.file, { writeLock: false });
    desired = flatten(loaded.configs.get(HUNG)!) as Map<string, Record<string, string>>;
    // The transaction the paused redis held ran, whole, when it resumed.
    const held = await waitHolding(FABRIC, HUNG, desired, `${HUNG} to hold the queued transaction`);
    expect(Object.keys(held).length).toBeGreaterThan(0);
    const r = await runCli('plan', lab.file, '--json');
    const plan = JSON.parse(r.stdout) as { switches: { switch: string; changes: { key: string }[]; error: unknown }[] };
    const leaf3 = plan.switches.find((s) => s.switch === HUNG)!;
    expect(leaf3.error).toBeNull();
    // Its CONFIG_DB already is the intent: no CONFIG_DB change is planned for it (not the
    // first bring-up's full change set a report of "restored" would imply).
    expect(leaf3.changes.map((c) => c.key)).toEqual([]);
    lab.timings.push(`plan after SIGCONT: ${HUNG} exit ${r.code}, ${leaf3.changes.length} change(s)`);
  }, 60_000);
});

describe('checkpoint retention and --list', () => {
  it('a successful apply keeps CLOS_KEEP_CHECKPOINTS per switch; rollback --list shows them', async () => {
    const first = JSON.parse((await runCli('rollback', lab.file, '--list', '--json')).stdout) as { checkpoints: { id: string; switches: { switch: string }[] }[] };
    expect(first.checkpoints).toHaveLength(1);
    expect(first.checkpoints[0]!.switches.map((s) => s.switch).sort()).toEqual([...SWITCHES].sort());
    // leaf3 back to as it was, then applied again: a second checkpoint of leaf3 only.
    const rb = await runCli('rollback', lab.file, '--switch', HUNG);
    expect(rb.code).toBe(0);
    process.env.CLOS_KEEP_CHECKPOINTS = '1';
    try {
      const r = await runCli('apply', lab.file, '--yes');
      expect(r.code).toBe(0);
    } finally {
      delete process.env.CLOS_KEEP_CHECKPOINTS;
    }
    const list = await runCli('rollback', lab.file, '--list', '--json');
    const after = JSON.parse(list.stdout) as typeof first;
    expect(after.checkpoints.map((c) => c.id)).toHaveLength(2);
    expect(after.checkpoints[0]!.id).toBe(first.checkpoints[0]!.id);
    expect(after.checkpoints[0]!.switches.map((s) => s.switch).sort()).toEqual(SWITCHES.filter((s) => s !== HUNG).sort());
    expect(after.checkpoints[1]!.switches.map((s) => s.switch)).toEqual([HUNG]);
    const text = await runCli('rollback', lab.file, '--list', '--switch', HUNG);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^${after.checkpoints[1]!.id} +\\S+ +${HUNG} +\\d+ *$`, 'm'));
    expect(text.stdout).not.toContain(first.checkpoints[0]!.id);
  }, 120_000);
});
