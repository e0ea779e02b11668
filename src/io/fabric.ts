// Reads a fabric file and its lock, runs the pure pipeline, and (when asked) writes the lock.
// The only place the compiler touches the file system.
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { serializeLock } from '../core/allocate/lock.ts';
import { compileFabric, formatDiagnostics, type Compiled } from '../core/compile.ts';
import { diag, type Diagnostic } from '../core/diagnostics.ts';
import { tooLarge } from '../core/fabric/parse.ts';
import { LIMITS } from '../core/fabric/schema.ts';
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

/** The fabric file's text, read at most LIMITS.fileBytes + 1 bytes far: a huge file (or a
 *  device that never ends) is refused without being held in memory. */
async function readFabricText(file: string): Promise<string> {
  const refuse = (d: Diagnostic): never => {
    throw new FabricInvalidError([{ ...d, file, line: 1, col: 1 }]);
  };
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return refuse(diag('FILE_NOT_FOUND', [], 'the fabric file does not exist', 'check the path'));
    return refuse(unreadable('the fabric file', e));
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const { bytesRead, buffer } = await fh.read(Buffer.alloc(64 * 1024), 0, 64 * 1024, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > LIMITS.fileBytes) return refuse(tooLarge());
      chunks.push(buffer.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch (e) {
    if (e instanceof FabricInvalidError) throw e;
    return refuse(unreadable('the fabric file', e));
  } finally {
    await fh.close();
  }
}

function unreadable(what: string, e: unknown): Diagnostic {
  const err = e as NodeJS.ErrnoException;
  const why = err.code === 'EISDIR' ? 'it is a directory' : err.code === 'EACCES' ? 'permission denied' : (err.code ?? err.message);
  return diag('FILE_UNREADABLE', [], `cannot read ${what}: ${why}`, 'check the path and its permissions');
}

export async function loadFabric(file: string, opts: LoadOptions): Promise<LoadedFabric> {
  const text = await readFabricText(file);
  const lockPath = lockPathFor(file);
  const hadLock = existsSync(lockPath);
  let lockText: string | undefined;
  try {
    lockText = hadLock ? await readFile(lockPath, 'utf8') : undefined;
  } catch (e) {
    throw new FabricInvalidError([{ ...unreadable('the lock file', e), file: lockPath, line: 1, col: 1 }]);
  }
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
