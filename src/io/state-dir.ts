// The state directory of a fabric: what clos applied last (its managed scope), the checkpoints
// to roll back to, bring-up records, drift history and the run lock. Next to the fabric file by
// default (.clos/<fabric>-<key>/), or under CLOS_STATE_DIR. Every write is atomic.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, rmdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Fields } from '../core/diff/flat.ts';
import { writeFileAtomicSync } from './files.ts';
import { AppliedStore, CheckpointStore, type Checkpoint } from './state-records.ts';

export type { Checkpoint } from './state-records.ts';

/** Checkpoints kept per switch after a successful run, unless CLOS_KEEP_CHECKPOINTS says. */
export const KEEP_CHECKPOINTS = 20;

/** The state directory cannot be written: nothing may go to a switch (its checkpoint could not
 *  be saved). Names the path and the cause. */
export class StateDirUnwritable extends Error {
  readonly code = 'STATE_DIR_UNWRITABLE';
  constructor(
    readonly path: string,
    cause: NodeJS.ErrnoException,
    consequence = 'nothing was written to any switch',
  ) {
    super(`state directory ${path} is not writable: ${cause.code ?? 'error'} (${describeErrno(cause)}); ${consequence}`, { cause });
    this.name = 'StateDirUnwritable';
  }
}

function describeErrno(e: NodeJS.ErrnoException): string {
  const known: Record<string, string> = { ENOSPC: 'no space left on the device', EROFS: 'read-only file system', EACCES: 'permission denied', EPERM: 'operation not permitted', EDQUOT: 'disk quota exceeded', ENOTDIR: 'a path component is not a directory' };
  return (e.code && known[e.code]) ?? e.message;
}

/** One checkpoint id and what it holds, for `clos rollback F --list`. */
export interface CheckpointEntry {
  readonly id: string;
  readonly switches: readonly { readonly switch: string; readonly at: string; readonly keys: number }[];
}

/** The state directory of the fabric file `fabricPath` (declaring `fabricName`). Keyed by the
 *  fabric name and a hash of the file, so that two files declaring one name never share a
 *  directory: next to the file the key is its file name (the folder is part of the location, and
 *  moving the folder keeps its state); under CLOS_STATE_DIR, shared by every folder, it is the
 *  file's real path. A directory of the older layout (.clos/<fabric>, unkeyed) is adopted (renamed
 *  to the keyed name) when no other file in the folder declares the same fabric; otherwise the
 *  choice is the user's, and this refuses naming the files. */
export function stateDirFor(fabricPath: string, fabricName: string, env = process.env): string {
  const base = env.CLOS_STATE_DIR ? resolve(env.CLOS_STATE_DIR) : join(dirname(fabricPath), '.clos');
  const key = env.CLOS_STATE_DIR ? realPath(fabricPath) : basename(fabricPath);
  const dir = join(base, `${fabricName}-${createHash('sha256').update(key).digest('hex').slice(0, 10)}`);
  const legacy = join(base, fabricName);
  if (!existsSync(dir) && statSync(legacy, { throwIfNoEntry: false })?.isDirectory()) {
    const others = sameNameFiles(fabricPath, fabricName);
    if (others.length > 0) {
      throw new StateDirError(`${legacy} (the state directory of clos before it was keyed by file) may belong to ${[basename(fabricPath), ...others].join(' or ')}, which all declare fabric ${fabricName}: rename it to ${dir} if it is ${basename(fabricPath)}'s`);
    }
    renameSync(legacy, dir);
  }
  return dir;
}

export class StateDirError extends Error {
  readonly code = 'STATE_DIR_AMBIGUOUS';
}

function realPath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

/** Other fabric files in the same folder whose `fabric:` line names the same fabric. */
function sameNameFiles(fabricPath: string, fabricName: string): string[] {
  const folder = dirname(fabricPath);
  const me = basename(fabricPath);
  const out: string[] = [];
  for (const f of readdirSync(folder)) {
    if (f === me || !/\.ya?ml$/.test(f) || /\.lock\.ya?ml$/.test(f)) continue;
    let text: string;
    try {
      text = readFileSync(join(folder, f), 'utf8');
    } catch {
      continue;
    }
    const m = /^fabric:[ \t]*["']?([^"'\s#]+)/m.exec(text);
    // Inventories name their fabric too; a fabric file also declares its spines.
    if (m?.[1] === fabricName && /^spines:/m.test(text)) out.push(f);
  }
  return out.sort();
}

/** What a switch is still owed by clos (StateDir.owed). */
export interface Owed {
  readonly restart?: string;
  readonly save?: string;
}

export class StateDir {
  private readonly applied: AppliedStore;
  private readonly checkpoints: CheckpointStore;

  constructor(readonly dir: string) {
    this.applied = new AppliedStore(dir);
    this.checkpoints = new CheckpointStore(join(dir, 'checkpoints'), (p, e) => new StateDirUnwritable(p, e, 'its checkpoint could not be saved, nothing was written to this switch'));
  }

  /** What clos last applied to the switch (its managed scope), if it ever did. */
  async lastApplied(sw: string): Promise<Map<string, Fields> | undefined> {
    return this.applied.get(sw);
  }

  /** Records the switch's applied scope (null: none); resolves once it is on disk. */
  saveApplied(sw: string, flat: ReadonlyMap<string, Fields> | null): Promise<void> {
    return this.applied.save(sw, flat);
  }

  private owedPath(sw: string): string {
    return join(this.dir, 'owed', `${sw}.json`);
  }

  /** What clos still owes a switch, and why: a routing restart (a run's write went out
   *  unanswered before the restart it needed), a config save (clos changed the running config
   *  and did not save it: `--no-save`, or the save failed). The next plan reads it; apply gives it. */
  owed(sw: string): Owed {
    const p = this.owedPath(sw);
    return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as Owed) : {};
  }

  owe(sw: string, what: keyof Owed, why: string): void {
    const now = this.owed(sw);
    if (now[what] === why) return;
    writeFileAtomicSync(this.owedPath(sw), `${JSON.stringify({ ...now, [what]: why }, null, 2)}\n`);
  }

  settle(sw: string, what: keyof Owed): void {
    const now = this.owed(sw);
    if (now[what] === undefined) return;
    const { [what]: _, ...rest } = now;
    if (Object.keys(rest).length === 0) rmSync(this.owedPath(sw), { force: true });
    else writeFileAtomicSync(this.owedPath(sw), `${JSON.stringify(rest, null, 2)}\n`);
  }

  /** Saves a checkpoint (those asked for in one turn go into one file); resolves to its file.
   *  Throws StateDirUnwritable, with the path, when it cannot be written. */
  saveCheckpoint(cp: Checkpoint): Promise<string> {
    return this.checkpoints.save(cp);
  }

  /** Checkpoint ids, oldest first (ids sort by time). */
  checkpointIds(): string[] {
    return this.checkpoints.ids();
  }

  /** Proves the directory writable before anything goes to a switch: a probe file written,
   *  fsynced and removed where the checkpoints go. Directories it had to create and could not
   *  use are removed again. Throws StateDirUnwritable. */
  probe(): void {
    const target = join(this.dir, 'checkpoints');
    const created: string[] = [];
    for (let d = target; !existsSync(d); d = dirname(d)) created.unshift(d);
    const file = join(target, `.probe-${process.pid}`);
    let fd: number | undefined;
    const made: string[] = [];
    let at = target;
    try {
      // One level at a time: a recursive mkdir reports a read-only file system as ENOENT.
      for (const d of created) {
        at = d;
        mkdirSync(d);
        made.push(d);
      }
      at = file;
      fd = openSync(file, 'w');
      // A page of data: a full file system refuses it; an empty file would pass.
      writeSync(fd, Buffer.alloc(4096, 0x20));
      fsyncSync(fd);
    } catch (e) {
      throw new StateDirUnwritable(at, e as NodeJS.ErrnoException);
    } finally {
      if (fd !== undefined) closeSync(fd);
      if (at === file) rmSync(file, { force: true });
      for (const d of made.reverse()) {
        try {
          rmdirSync(d);
        } catch {
          break; // no longer empty: another run is using it
        }
      }
    }
  }

  /** Every checkpoint, oldest first, with its switches. */
  async listCheckpoints(): Promise<CheckpointEntry[]> {
    return this.checkpointIds().map((id) => ({ id, switches: this.checkpoints.all(id).map((cp) => ({ switch: cp.switch, at: cp.at, keys: cp.keys.size })) }));
  }

  /** Keeps the newest `keep` checkpoints of each switch and removes the rest (and checkpoint
   *  directories left empty). Returns how many switch checkpoints went. */
  prune(keep: number): number {
    return this.checkpoints.prune(keep);
  }

  /** The newest checkpoint of a switch (at or before `id` when given). */
  async checkpoint(sw: string, id?: string): Promise<Checkpoint | undefined> {
    return this.checkpoints.get(sw, id);
  }
}

/** How many checkpoints to keep per switch: CLOS_KEEP_CHECKPOINTS, or KEEP_CHECKPOINTS. */
export function keepCheckpoints(env = process.env): number {
  const v = env.CLOS_KEEP_CHECKPOINTS;
  if (v === undefined || v === '') return KEEP_CHECKPOINTS;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`CLOS_KEEP_CHECKPOINTS must be a whole number of at least 1, not "${v}"`);
  return n;
}

/** Sortable, unique enough for one operator: 20261123T163000123Z-<pid>. */
export function newCheckpointId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, '')}-${process.pid}`;
}
