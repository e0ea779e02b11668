// One mutating run (apply, bringup, rollback) per fabric at a time: a lock file in the fabric's
// state directory, created atomically (a complete temporary file hard-linked to the lock's name:
// link fails with EEXIST when the lock exists, so no reader ever sees a half-written lock). It
// names its holder (pid, host, command, run id, start time). A lock whose holder is dead (same
// host; its pid gone, or reused by another process: the kernel's start time of the pid differs
// from the one recorded) is taken over, and the caller is told so.
import { linkSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly command: string;
  readonly runId: string;
  /** ISO time the run took the lock. */
  readonly since: string;
  /** The holder's start time in clock ticks since boot (/proc/<pid>/stat field 22), null off Linux. */
  readonly procStart: number | null;
}

export class RunLockedError extends Error {
  readonly code = 'RUN_LOCKED';
  constructor(
    readonly fabric: string,
    readonly holder: LockHolder,
    readonly path: string,
  ) {
    super(`fabric ${fabric} is busy: ${describeHolder(holder)} holds ${path}`);
    this.name = 'RunLockedError';
  }
}

export function describeHolder(h: LockHolder): string {
  return `${h.command} run ${h.runId} (pid ${h.pid} on ${h.host}, since ${h.since})`;
}

export interface RunLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** The dead holder whose lock this one replaced, if any. */
  readonly tookOver?: LockHolder;
  release(): void;
}

export const RUN_LOCK_FILE = 'run.lock';

/** Takes the run lock of the fabric whose state directory is `stateDir`, or throws
 *  RunLockedError naming the live holder. */
export function acquireRunLock(stateDir: string, fabric: string, what: { command: string; runId: string }): RunLock {
  mkdirSync(stateDir, { recursive: true });
  const path = join(stateDir, RUN_LOCK_FILE);
  const holder: LockHolder = { pid: process.pid, host: hostname(), command: what.command, runId: what.runId, since: new Date().toISOString(), procStart: procStartTime(process.pid) };
  const tmp = join(stateDir, `.${RUN_LOCK_FILE}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(holder)}\n`);
  try {
    let tookOver: LockHolder | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      if (tryLink(tmp, path)) return made(path, holder, tookOver);
      const current = readHolder(path);
      if (!current) continue; // released between our link and our read: try again
      if (isAlive(current)) throw new RunLockedError(fabric, current, path);
      if (takeOver(path, current)) tookOver = current;
    }
    throw new Error(`${path}: could not take the run lock (it changed hands five times while trying)`);
  } finally {
    rmSync(tmp, { force: true });
  }
}

function made(path: string, holder: LockHolder, tookOver: LockHolder | undefined): RunLock {
  let released = false;
  return {
    path,
    holder,
    ...(tookOver ? { tookOver } : {}),
    release() {
      if (released) return;
      released = true;
      // Only our own lock: after a takeover by someone else (we were judged dead) it is theirs.
      const now = readHolder(path);
      if (now && now.pid === holder.pid && now.runId === holder.runId && now.host === holder.host) rmSync(path, { force: true });
    },
  };
}

function tryLink(tmp: string, path: string): boolean {
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/** The holder recorded in the lock; undefined when there is no lock. A lock that cannot be
 *  parsed (written by hand, disk damage) is reported, never silently replaced. */
export function readHolder(path: string): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    if (typeof h.pid === 'number' && typeof h.host === 'string') return h;
  } catch {
    // fall through
  }
  throw new Error(`${path}: the run lock is not one clos wrote; remove it if no clos run is going on`);
}

/** Another host's holder cannot be checked from here: it counts as alive. */
export function isAlive(h: LockHolder): boolean {
  if (h.host !== hostname()) return true;
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const start = procStartTime(h.pid);
  return start === null || h.procStart === null || start === h.procStart;
}

/** Removes a dead holder's lock, under a short-lived guard file so that two processes taking
 *  over at once cannot remove each other's fresh lock. True when this process removed it. */
function takeOver(path: string, dead: LockHolder): boolean {
  const guard = `${path}.takeover`;
  try {
    writeFileSync(guard, String(process.pid), { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // A guard left by a process killed while taking over: stale after a few seconds.
    const st = statSync(guard, { throwIfNoEntry: false });
    if (st && Date.now() - st.mtimeMs > 5000) rmSync(guard, { force: true });
    return false;
  }
  try {
    const now = readHolder(path);
    if (!now || now.pid !== dead.pid || now.runId !== dead.runId || now.since !== dead.since) return false;
    rmSync(path, { force: true });
    return true;
  } finally {
    rmSync(guard, { force: true });
  }
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces). */
export function procStartTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(fields[19]);
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

/** What apply, bringup and rollback do first: take the lock, and say so when a dead run's lock
 *  was taken over. */
export function takeRunLock(stateDir: string, fabric: string, command: string, runId: string, warn: (msg: string) => void): RunLock {
  const lock = acquireRunLock(stateDir, fabric, { command, runId });
  if (lock.tookOver) warn(`took over the run lock of ${describeHolder(lock.tookOver)}: that process is gone`);
  return lock;
}
