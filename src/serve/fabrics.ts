// The fabric files a server serves, by their `fabric:` name, and the sessions it reads them
// through. Reads (drift, plan, verify, the intent) share one session per fabric, reopened when
// the fabric file or its lock changes on disk, so repeated requests reuse the switch
// connections; a run (apply, bringup, rollback) opens its own, as the CLI does.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { lockPathFor, loadFabric } from '../io/fabric.ts';
import { readHolder, RUN_LOCK_FILE, type LockHolder } from '../io/run-lock.ts';
import { openSession, type FabricSession, type SessionOptions } from '../services/session.ts';
import { ApiError } from './problem.ts';

export interface ServedFabric {
  readonly name: string;
  readonly file: string;
}

/** The named files, or every *.fabric.yaml in `dir`; two files declaring one name are refused
 *  (the name is the fabric's address in the API). */
export async function discoverFabrics(files: readonly string[], dir: string | undefined): Promise<ServedFabric[]> {
  const paths = [...files.map((f) => resolve(f))];
  if (dir && !existsSync(dir)) throw new Error(`--dir ${dir}: no such directory`);
  if (dir) for (const f of readdirSync(dir).filter((n) => n.endsWith('.fabric.yaml')).sort()) paths.push(resolve(dir, f));
  if (paths.length === 0) throw new Error(`no fabric file to serve${dir ? ` (no *.fabric.yaml in ${dir})` : ''}: name fabric files or --dir DIR`);
  const out: ServedFabric[] = [];
  for (const file of [...new Set(paths)]) {
    const loaded = await loadFabric(file, { writeLock: false, render: false });
    const twin = out.find((f) => f.name === loaded.fabric.name);
    if (twin) throw new Error(`${file} and ${twin.file} both declare fabric ${loaded.fabric.name}: the API names fabrics by their name, serve one of them`);
    out.push({ name: loaded.fabric.name, file });
  }
  return out;
}

interface Cached {
  readonly stamp: string;
  readonly session: Promise<FabricSession>;
  /** The inventory it read (known once open): a lab brought up again rewrites it. */
  inventory?: string;
}

export class Fabrics {
  private readonly byName: Map<string, ServedFabric>;
  private readonly cache = new Map<string, Cached>();
  private readonly retired = new Set<Promise<FabricSession>>();

  constructor(
    readonly list: readonly ServedFabric[],
    readonly sessionOptions: SessionOptions,
  ) {
    this.byName = new Map(list.map((f) => [f.name, f]));
  }

  get(name: string): ServedFabric {
    const f = this.byName.get(name);
    if (!f) throw new ApiError(404, 'FABRIC_NOT_FOUND', `no fabric ${name} is served (served: ${[...this.byName.keys()].join(', ')})`);
    return f;
  }

  /** The shared read session of a fabric (reopened when its file or lock changed). */
  async reader(name: string): Promise<FabricSession> {
    const f = this.get(name);
    const c = this.cache.get(name);
    if (c && c.stamp === fileStamp(f.file, c.inventory)) return c.session;
    if (c) this.retire(c.session);
    const stamp = fileStamp(f.file);
    const session = openSession(f.file, { writeLock: false }, this.sessionOptions);
    const entry: Cached = { stamp, session };
    this.cache.set(name, entry);
    session.then(
      (s) => {
        // Stamped with the inventory as it was when read; a later change reopens the session.
        entry.inventory = s.inventoryFile;
        if (this.cache.get(name) === entry) this.cache.set(name, { ...entry, stamp: `${stamp}|${stat(s.inventoryFile)}` });
      },
      () => this.cache.delete(name),
    );
    return session;
  }

  /** A session of its own, for a run; the caller closes it. */
  open(name: string, writeLock: boolean, alloc: { allowRenumber?: boolean; prune?: boolean } = {}): Promise<FabricSession> {
    return openSession(this.get(name).file, { writeLock, ...alloc }, this.sessionOptions);
  }

  /** Who holds the fabric's run lock now, if anyone. */
  holder(session: FabricSession): LockHolder | null {
    return readHolder(join(session.state.dir, RUN_LOCK_FILE)) ?? null;
  }

  /** A session replaced by a newer one: closed once requests still using it are done. */
  private retire(s: Promise<FabricSession>): void {
    this.retired.add(s);
    setTimeout(() => {
      this.retired.delete(s);
      void s.then((x) => x.close()).catch(() => undefined);
    }, 30_000).unref();
  }

  async close(): Promise<void> {
    const all = [...[...this.cache.values()].map((c) => c.session), ...this.retired];
    this.cache.clear();
    this.retired.clear();
    await Promise.all(all.map((s) => s.then((x) => x.close()).catch(() => undefined)));
  }
}

function stat(p: string): string {
  const s = statSync(p, { throwIfNoEntry: false });
  return s ? `${s.size}:${s.mtimeMs}` : '-';
}

/** Changes whenever the fabric file, its lock or (once known) the inventory does. */
export function fileStamp(file: string, inventory?: string): string {
  return `${stat(file)}|${stat(lockPathFor(file))}${inventory ? `|${stat(inventory)}` : ''}`;
}

/** The texts a plan was made from, to tell whether the fabric changed between plan and apply. */
export function fileTexts(file: string): string {
  const read = (p: string) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return '';
    }
  };
  return `${read(file)}\u0000${read(lockPathFor(file))}`;
}
