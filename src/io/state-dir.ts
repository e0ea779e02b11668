// The state directory of a fabric: what clos applied last (its managed scope), the checkpoints
// to roll back to, bring-up records, drift history and the run lock. Next to the fabric file by
// default (.clos/<fabric>-<key>/), or under CLOS_STATE_DIR. Every write is atomic.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, rmdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Fields } from '../core/diff/flat.ts';
import { writeFileAtomicSync } from './files.ts';

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

type FlatRecord = Record<string, Fields>;

/** One switch's checkpoint: every key in scope as it was (null = absent), and the managed
 *  scope (last applied) as it was. */
export interface Checkpoint {
  readonly id: string;
  readonly switch: string;
  readonly endpoint: string;
  readonly at: string;
  readonly keys: Record<string, Fields | null>;
  readonly lastApplied: FlatRecord | null;
}

/** What a switch is still owed by clos (StateDir.owed). */
export interface Owed {
  readonly restart?: string;
  readonly save?: string;
}

export class StateDir {
  constructor(readonly dir: string) {}

  private appliedPath(sw: string): string {
    return join(this.dir, 'applied', `${sw}.json`);
  }

  async lastApplied(sw: string): Promise<Map<string, Fields> | undefined> {
    const p = this.appliedPath(sw);
    if (!existsSync(p)) return undefined;
    return new Map(Object.entries(JSON.parse(await readFile(p, 'utf8')) as FlatRecord));
  }

  async saveApplied(sw: string, flat: ReadonlyMap<string, Fields> | null): Promise<void> {
    const body = flat ? Object.fromEntries([...flat].sort(([a], [b]) => (a < b ? -1 : 1))) : {};
    writeFileAtomicSync(this.appliedPath(sw), `${JSON.stringify(body, null, 2)}\n`);
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

  async saveCheckpoint(cp: Checkpoint): Promise<string> {
    const d = join(this.dir, 'checkpoints', cp.id);
    const fresh = !existsSync(d);
    const p = join(d, `${cp.switch}.json`);
    try {
      writeFileAtomicSync(p, `${JSON.stringify(cp, null, 2)}\n`);
    } catch (e) {
      // No empty checkpoint directory left behind; the cause with the path.
      if (fresh && existsSync(d) && readdirSync(d).length === 0) rmdirSync(d);
      const err = e as NodeJS.ErrnoException;
      if (err.code) throw new StateDirUnwritable(p, err, 'its checkpoint could not be saved, nothing was written to this switch');
      throw e;
    }
    return p;
  }

  /** Checkpoint ids, oldest first (ids sort by time). */
  checkpointIds(): string[] {
    const d = join(this.dir, 'checkpoints');
    return existsSync(d) ? readdirSync(d).sort() : [];
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
    const out: CheckpointEntry[] = [];
    for (const id of this.checkpointIds()) {
      const d = join(this.dir, 'checkpoints', id);
      const files = readdirSync(d).filter((f) => f.endsWith('.json') && !f.startsWith('.')).sort();
      const switches = await Promise.all(
        files.map(async (f) => {
          const cp = JSON.parse(await readFile(join(d, f), 'utf8')) as Checkpoint;
          return { switch: cp.switch, at: cp.at, keys: Object.keys(cp.keys).length };
        }),
      );
      out.push({ id, switches });
    }
    return out;
  }

  /** Keeps the newest `keep` checkpoints of each switch and removes the rest (and checkpoint
   *  directories left empty). Returns how many switch checkpoints went. */
  prune(keep: number): number {
    const ids = this.checkpointIds().reverse();
    const seen = new Map<string, number>();
    let removed = 0;
    for (const id of ids) {
      const d = join(this.dir, 'checkpoints', id);
      const files = readdirSync(d).filter((f) => f.endsWith('.json') && !f.startsWith('.'));
      for (const f of files) {
        const n = (seen.get(f) ?? 0) + 1;
        seen.set(f, n);
        if (n > keep) {
          rmSync(join(d, f), { force: true });
          removed++;
        }
      }
      if (readdirSync(d).length === 0) rmdirSync(d);
    }
    return removed;
  }

  /** The newest checkpoint of a switch (at or before `id` when given). */
  async checkpoint(sw: string, id?: string): Promise<Checkpoint | undefined> {
    const ids = this.checkpointIds().filter((i) => !id || i <= id).reverse();
    for (const i of ids) {
      const p = join(this.dir, 'checkpoints', i, `${sw}.json`);
      if (existsSync(p)) return JSON.parse(await readFile(p, 'utf8')) as Checkpoint;
    }
    return undefined;
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
