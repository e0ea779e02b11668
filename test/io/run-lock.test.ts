// The fabric run lock: one apply/bringup/rollback per fabric at a time, whoever runs it; a dead
// holder's lock taken over and said so; two fabric files declaring one name never share a state
// directory, and the unkeyed directory of older clos versions is adopted.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { acquireRunLock, procStartTime, readHolder, RunLockedError, RUN_LOCK_FILE } from '../../src/io/run-lock.ts';
import { stateDirFor } from '../../src/io/state-dir.ts';
import { runCli } from '../support/cli.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function fabricDir(name = 'lk'): { dir: string; file: string; inventory: string } {
  const dir = mkdtempSync(join(tmpdir(), 'clos-runlock-'));
  dirs.push(dir);
  const file = join(dir, `${name}.fabric.yaml`);
  writeFileSync(file, readFileSync(join(ROOT, 'topologies/dc1.fabric.yaml'), 'utf8').replace(/^fabric: dc1$/m, `fabric: ${name}`));
  // Every switch on a port nothing listens on: apply fails per switch, after taking the lock.
  const inventory = join(dir, 'inv.yaml');
  const names = ['spine1', 'spine2', 'leaf1', 'leaf2', 'leaf3', 'leaf4'];
  writeFileSync(inventory, stringify({ version: 1, fabric: name, switches: Object.fromEntries(names.map((n) => [n, { transport: 'redis', redis: { host: '127.0.0.1', port: 9 } }])) }));
  return { dir, file, inventory };
}

/** Another process holding the lock, as a second `clos apply` would (until killed). */
async function holderProcess(stateDir: string): Promise<ChildProcess> {
  const script = `import { acquireRunLock } from ${JSON.stringify(join(ROOT, 'src/io/run-lock.ts'))};
acquireRunLock(${JSON.stringify(stateDir)}, 'lk', { command: 'clos apply', runId: 'other-run' });
process.stdout.write('locked\\n'); setInterval(() => {}, 1000);`;
  const c = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(c);
  await new Promise<void>((resolve, reject) => {
    c.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
    c.on('exit', (code) => reject(new Error(`holder exited ${code}`)));
  });
  return c;
}

describe('run lock', () => {
  it('a second apply while another process holds the fabric exits 1 naming the holder', async () => {
    const f = fabricDir();
    const state = stateDirFor(f.file, 'lk');
    const holder = await holderProcess(state);
    const r = await runCli('apply', f.file, '--yes', '--inventory', f.inventory);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`RUN_LOCKED: fabric lk is busy: clos apply run other-run (pid ${holder.pid} on ${hostname()}, since `);
    expect(r.stderr).not.toContain('took over');
    // The same for rollback and bringup.
    expect((await runCli('rollback', f.file, '--inventory', f.inventory)).stderr).toContain(`pid ${holder.pid}`);
    expect((await runCli('bringup', f.file, '--inventory', f.inventory)).stderr).toContain(`pid ${holder.pid}`);
    expect(readHolder(join(state, RUN_LOCK_FILE))!.pid).toBe(holder.pid);
  });

  it('in one process: the second acquire throws RunLockedError; release frees it', () => {
    const f = fabricDir();
    const state = stateDirFor(f.file, 'lk');
    const a = acquireRunLock(state, 'lk', { command: 'api apply', runId: 'r1' });
    let err: unknown;
    try {
      acquireRunLock(state, 'lk', { command: 'api apply', runId: 'r2' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RunLockedError);
    expect((err as RunLockedError).holder).toMatchObject({ pid: process.pid, runId: 'r1', command: 'api apply' });
    a.release();
    expect(existsSync(a.path)).toBe(false);
    acquireRunLock(state, 'lk', { command: 'api apply', runId: 'r3' }).release();
  });

  it('the lock of a holder that died is taken over, and the apply says so', async () => {
    const f = fabricDir();
    const state = stateDirFor(f.file, 'lk');
    const holder = await holderProcess(state);
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    const r = await runCli('apply', f.file, '--yes', '--inventory', f.inventory);
    expect(r.stderr).toContain(`took over the run lock of clos apply run other-run (pid ${holder.pid} on ${hostname()}`);
    expect(r.stderr).not.toContain('RUN_LOCKED');
    expect(existsSync(join(state, RUN_LOCK_FILE))).toBe(false); // released at the end
  });

  it('a lock whose pid now belongs to another process (pid reused) is taken over', () => {
    const f = fabricDir();
    const state = stateDirFor(f.file, 'lk');
    mkdirSync(state, { recursive: true });
    // Our own pid, but a start time that is not ours: the holder was another process.
    const start = procStartTime(process.pid)!;
    writeFileSync(join(state, RUN_LOCK_FILE), JSON.stringify({ pid: process.pid, host: hostname(), command: 'clos bringup', runId: 'old', since: '2026-01-01T00:00:00.000Z', procStart: start - 1 }));
    const lock = acquireRunLock(state, 'lk', { command: 'clos apply', runId: 'new' });
    expect(lock.tookOver).toMatchObject({ runId: 'old', command: 'clos bringup' });
    expect(readHolder(lock.path)).toMatchObject({ runId: 'new', procStart: start });
    lock.release();
  });

  it('a lock held on another host is never taken over', () => {
    const f = fabricDir();
    const state = stateDirFor(f.file, 'lk');
    mkdirSync(state, { recursive: true });
    writeFileSync(join(state, RUN_LOCK_FILE), JSON.stringify({ pid: 999999, host: 'elsewhere', command: 'clos apply', runId: 'x', since: '2026-01-01T00:00:00.000Z', procStart: 1 }));
    expect(() => acquireRunLock(state, 'lk', { command: 'clos apply', runId: 'y' })).toThrow(/pid 999999 on elsewhere/);
  });
});

describe('state directory', () => {
  it('two fabric files declaring one name in one folder get separate state directories', async () => {
    const f = fabricDir();
    const twin = join(f.dir, 'copy.fabric.yaml');
    cpSync(f.file, twin);
    const a = stateDirFor(f.file, 'lk');
    const b = stateDirFor(twin, 'lk');
    expect(a).not.toBe(b);
    expect(a.startsWith(join(f.dir, '.clos', 'lk-'))).toBe(true);
    // One holds its lock; the other's apply is not blocked by it.
    const lock = acquireRunLock(a, 'lk', { command: 'clos apply', runId: 'a' });
    const r = await runCli('apply', twin, '--yes', '--inventory', f.inventory);
    expect(r.stderr).not.toContain('RUN_LOCKED');
    lock.release();
  });

  it('the same file keeps its directory when its folder moves; under CLOS_STATE_DIR the key is the real path', () => {
    const f = fabricDir();
    const moved = `${f.dir}-moved`;
    dirs.push(moved);
    const before = stateDirFor(f.file, 'lk');
    cpSync(f.dir, moved, { recursive: true });
    expect(stateDirFor(join(moved, 'lk.fabric.yaml'), 'lk').slice(moved.length)).toBe(before.slice(f.dir.length));
    const env = { CLOS_STATE_DIR: join(f.dir, 'states') };
    expect(stateDirFor(f.file, 'lk', env)).not.toBe(stateDirFor(join(moved, 'lk.fabric.yaml'), 'lk', env));
  });

  it('adopts the unkeyed directory of an older clos, unless another file in the folder declares the name', () => {
    const f = fabricDir();
    const legacy = join(f.dir, '.clos', 'lk');
    mkdirSync(join(legacy, 'applied'), { recursive: true });
    writeFileSync(join(legacy, 'applied', 'leaf1.json'), '{}\n');
    const twin = join(f.dir, 'copy.fabric.yaml');
    cpSync(f.file, twin);
    expect(() => stateDirFor(f.file, 'lk')).toThrow(/may belong to copy.fabric.yaml or lk.fabric.yaml|may belong to lk.fabric.yaml or copy.fabric.yaml/);
    rmSync(twin);
    const dir = stateDirFor(f.file, 'lk');
    expect(existsSync(join(dir, 'applied', 'leaf1.json'))).toBe(true);
    expect(existsSync(legacy)).toBe(false);
  });
});
