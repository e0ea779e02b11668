// The lab's services as the CLI and the API call them: fabric file in, one call, result out.
import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parse } from 'yaml';
import type { Flavour } from '../core/model.ts';
import { loadFabric } from '../io/fabric.ts';
import { assertPrograms, assertRoot } from './preflight.ts';
import { labTopology } from './topology.ts';
import { type UpOptions, type UpResult, upTopology } from './up.ts';

export interface LabUpOptions extends Omit<UpOptions, 'fabricFile'> {
  readonly flavour?: Flavour;
  readonly allowRenumber?: boolean;
  readonly uid?: number; // injectable for the not-root test
}

export async function labUp(file: string, opts: LabUpOptions = {}): Promise<UpResult> {
  assertRoot(opts.uid);
  const alloc = { ...(opts.allowRenumber ? { allowRenumber: true } : {}) };
  // Check the programs before the lock is written: a missing package changes nothing.
  const probe = await loadFabric(file, { writeLock: false, render: false, ...alloc });
  assertPrograms(new Set(labTopology(probe, opts.flavour).switches.map((s) => s.flavour)));
  const compiled = await loadFabric(file, { writeLock: true, render: false, ...alloc });
  return upTopology(labTopology(compiled, opts.flavour), { ...opts, fabricFile: resolve(file) });
}

/** `clos lab down|status|exec F`: F is the fabric file or the fabric's name. Only the name is
 *  needed, so a file that no longer validates (or is gone) still lets a lab be torn down. */
export function fabricNameOf(fileOrName: string): string {
  if (!existsSync(fileOrName)) return fileOrName;
  try {
    const doc = parse(readFileSync(fileOrName, 'utf8')) as { fabric?: unknown } | null;
    if (typeof doc?.fabric === 'string') return doc.fabric;
  } catch {
    // unreadable YAML: fall back to the file name (dc1.fabric.yaml → dc1)
  }
  return basename(fileOrName).replace(/(\.fabric)?\.ya?ml$/, '');
}
