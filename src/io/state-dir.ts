// The state directory of a fabric: what clos applied last (its managed scope), the checkpoints
// to roll back to, bring-up records, drift history and the run lock. Next to the fabric file by
// default (.clos/<fabric>-<key>/), or under CLOS_STATE_DIR. Every write is atomic.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync, renameSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Fields } from '../core/diff/flat.ts';
import { writeFileAtomicSync } from './files.ts';

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

  async saveCheckpoint(cp: Checkpoint): Promise<string> {
    const p = join(this.dir, 'checkpoints', cp.id, `${cp.switch}.json`);
    writeFileAtomicSync(p, `${JSON.stringify(cp, null, 2)}\n`);
    return p;
  }

  /** Checkpoint ids, oldest first (ids sort by time). */
  checkpointIds(): string[] {
    const d = join(this.dir, 'checkpoints');
    return existsSync(d) ? readdirSync(d).sort() : [];
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

/** Sortable, unique enough for one operator: 20261123T163000123Z-<pid>. */
export function newCheckpointId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, '')}-${process.pid}`;
}
