// What every command that talks to switches opens first: the compiled fabric, its inventory,
// one link per switch (opened on first use) and the state directory.
import { serializeLock } from '../core/allocate/lock.ts';
import { flatten, type FlatDb } from '../core/diff/flat.ts';
import type { SwitchIntent } from '../core/model.ts';
import { findInventory, InventoryError, type DefaultInventory } from '../inventory/load.ts';
import type { Inventory } from '../inventory/schema.ts';
import { loadFabric, type LoadedFabric, type LoadOptions } from '../io/fabric.ts';
import { writeFileAtomic } from '../io/files.ts';
import { StateDir, stateDirFor } from '../io/state-dir.ts';
import { connectSwitch, type SwitchLink, type TransportKind } from '../transport/connect.ts';
import { boundHeapGrowth } from './heap.ts';
import type { LabExecRunner } from '../transport/exec.ts';

export interface SessionOptions {
  readonly inventory?: string;
  readonly transport?: TransportKind;
  readonly concurrency?: number;
  /** Replaces connectSwitch (tests, dry runs with in-memory switches). */
  readonly connect?: (name: string) => Promise<SwitchLink>;
  /** The inventory when none is named (the CLI hands in the running lab's). */
  readonly defaultInventory?: DefaultInventory;
  /** Runs `exec: {kind: lab}` channels (the CLI hands in the lab's). */
  readonly labExec?: LabExecRunner;
}

export class FabricSession {
  private readonly links = new Map<string, Promise<SwitchLink>>();
  readonly desired: ReadonlyMap<string, FlatDb>;
  readonly intents: ReadonlyMap<string, SwitchIntent>;

  constructor(
    readonly loaded: LoadedFabric,
    readonly inventory: Inventory,
    readonly inventoryFile: string,
    readonly state: StateDir,
    readonly opts: SessionOptions,
  ) {
    boundHeapGrowth(loaded.intents.length);
    this.desired = new Map([...loaded.configs].map(([n, db]) => [n, flatten(db)]));
    this.intents = new Map(loaded.intents.map((s) => [s.name, s]));
  }

  get concurrency(): number {
    return this.opts.concurrency ?? 8;
  }

  /** Switches of the fabric, in file order (spines first). */
  get switches(): string[] {
    return this.loaded.intents.map((s) => s.name);
  }

  link(name: string): Promise<SwitchLink> {
    let l = this.links.get(name);
    if (!l) {
      const entry = this.inventory.switches[name];
      l = this.opts.connect
        ? this.opts.connect(name)
        : entry
          ? connectSwitch(name, entry, this.opts.transport, process.env, this.opts.labExec)
          : Promise.reject(new Error(`${name}: not in the inventory ${this.inventoryFile}`));
      l.catch(() => undefined);
      this.links.set(name, l);
    }
    return l;
  }

  /** Writes the lock with this run's allocation (apply, once the user goes ahead: the
   *  allocation is now in use). */
  async writeLock(): Promise<void> {
    await writeFileAtomic(this.loaded.lockPath, serializeLock(this.loaded.allocation));
  }

  /** Every switch of the fabric has an inventory entry (commands that read them all). */
  requireInventoryEntries(): void {
    const missing = this.switches.filter((n) => !this.inventory.switches[n]);
    if (missing.length) throw new InventoryError(`${this.inventoryFile}: no entry for ${missing.join(', ')} of fabric ${this.loaded.fabric.name}`);
  }

  /** Closes one switch's link now (a later link() opens a new one). */
  async release(name: string): Promise<void> {
    const l = this.links.get(name);
    this.links.delete(name);
    await (await l?.catch(() => undefined))?.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    const all = [...this.links.values()];
    this.links.clear();
    await Promise.all(all.map(async (l) => (await l.catch(() => undefined))?.close().catch(() => undefined)));
  }
}

export async function openSession(file: string, load: LoadOptions, opts: SessionOptions): Promise<FabricSession> {
  const loaded = await loadFabric(file, load);
  const { inventory, file: inventoryFile } = findInventory(loaded.fabric.name, opts.inventory, opts.defaultInventory);
  return new FabricSession(loaded, inventory, inventoryFile, new StateDir(stateDirFor(file, loaded.fabric.name)), opts);
}
