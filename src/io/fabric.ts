// Reads a fabric file and its lock, runs the pure pipeline, and (when asked) writes the lock.
// The only place the compiler touches the file system.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { serializeLock } from '../core/allocate/lock.ts';
import { compileFabric, formatDiagnostics, type Compiled } from '../core/compile.ts';
import type { Diagnostic } from '../core/diagnostics.ts';
import { writeFileAtomic } from './files.ts';

export interface LoadOptions {
  /** render, apply, bringup and lab up act on the allocation and write the lock; validate and
   *  plan never do. */
  readonly writeLock: boolean;
  readonly allowRenumber?: boolean;
  readonly prune?: boolean;
  /** Skip rendering CONFIG_DB (validate of a large fabric needs only the allocation). */
  readonly render?: boolean;
}

export interface LoadedFabric extends Compiled {
  readonly fabricPath: string;
  readonly lockPath: string;
  /** Whether the lock file existed before this run. */
  readonly hadLock: boolean;
  /** Whether this run wrote the lock. */
  readonly lockWritten: boolean;
}

/** The fabric file is invalid: carries every diagnostic; the CLI exits 2. */
export class FabricInvalidError extends Error {
  readonly code = 'FABRIC_INVALID';
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(formatDiagnostics(diagnostics));
    this.name = 'FabricInvalidError';
  }
}

/** topologies/dc1.fabric.yaml → topologies/dc1.lock.yaml */
export function lockPathFor(fabricPath: string): string {
  const name = basename(fabricPath).replace(/(\.fabric)?\.ya?ml$/, '');
  return join(dirname(fabricPath), `${name}.lock.yaml`);
}

export async function loadFabric(file: string, opts: LoadOptions): Promise<LoadedFabric> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new FabricInvalidError([{ code: 'YAML_SYNTAX', path: [], message: `cannot read the fabric file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, file, line: 1, col: 1 }]);
  }
  const lockPath = lockPathFor(file);
  const hadLock = existsSync(lockPath);
  const lockText = hadLock ? await readFile(lockPath, 'utf8') : undefined;
  const result = compileFabric(
    { text, file, ...(lockText === undefined ? {} : { lockText, lockFile: lockPath }) },
    {
      ...(opts.allowRenumber ? { allowRenumber: true } : {}),
      ...(opts.prune ? { prune: true } : {}),
      ...(opts.render === false ? { render: false } : {}),
    },
  );
  if (!result.ok) throw new FabricInvalidError(result.diagnostics);
  let lockWritten = false;
  if (opts.writeLock) {
    const next = serializeLock(result.allocation);
    if (next !== lockText) {
      await writeFileAtomic(lockPath, next);
      lockWritten = true;
    }
  }
  return { ...result, fabricPath: file, lockPath, hadLock, lockWritten };
}
