// The state directory of a fabric: what clos applied last (its managed scope) and the
// checkpoints to roll back to. Next to the fabric file by default (.clos/<fabric>/), or
// CLOS_STATE_DIR. Every write is atomic.
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Fields } from '../core/diff/flat.ts';
import { writeFileAtomicSync } from './files.ts';

export function stateDirFor(fabricPath: string, fabricName: string, env = process.env): string {
  return env.CLOS_STATE_DIR ? join(env.CLOS_STATE_DIR, fabricName) : join(dirname(fabricPath), '.clos', fabricName);
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
