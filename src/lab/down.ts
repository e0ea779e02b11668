// `clos lab down`: stops exactly the processes the lab recorded (pid + start time + command
// name verified), deletes its namespaces and files, and FRR's and lldpd's leftovers. Works
// from whatever the state file says, so a crashed or half-finished `up` is undone too.
// Idempotent: a second `down` finds nothing and does nothing.
import { existsSync, rmSync, rmdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Logger, silentLogger } from './log.ts';
import { deleteNamespace } from './netns.ts';
import { lldpdPids } from './lldpd.ts';
import { LAB_ROOT, fabricDir } from './paths.ts';
import { type ProcessRecord, readRecords, stopRecorded } from './processes.ts';
import { readState } from './state.ts';

export interface DownResult {
  readonly stopped: readonly ProcessRecord[];
  readonly namespaces: readonly string[];
}

export async function labDown(fabric: string, opts: { root?: string; log?: Logger } = {}): Promise<DownResult> {
  const log = opts.log ?? silentLogger;
  const root = opts.root ?? LAB_ROOT;
  const state = readState(fabric, root);
  const dir = state?.dir ?? fabricDir(fabric, root);
  const records = state?.records ?? join(dir, 'processes.jsonl');
  // Agents first: they start FRR, and must not start one more while the rest is being stopped.
  const stopped = [...(await stopRecorded(records, (r) => r.name.startsWith('agent')))];
  stopped.push(...(await stopRecorded(records)));
  for (const r of stopped) log.info({ switch: r.switch, daemon: r.name, pid: r.pid }, 'stopped');

  const namespaces = Object.values(state?.switches ?? {}).map((s) => s.namespace);
  for (const ns of namespaces) await deleteNamespace(ns);
  removeFrrLeftovers(await readRecords(records));
  removeLldpdLeftovers();
  rmSync(dir, { recursive: true, force: true });
  removeIfEmpty(root);
  removeIfEmpty(dirname(root));
  return { stopped, namespaces };
}

/** FRR keeps /var/tmp/frr/<daemon>.<pid>/ per running daemon and may leave it behind: remove
 *  those of the pids this lab started, never another FRR's. */
function removeFrrLeftovers(records: readonly ProcessRecord[]): void {
  for (const r of records) rmSync(`/var/tmp/frr/${r.comm}.${r.pid}`, { recursive: true, force: true });
  removeIfEmpty('/var/tmp/frr');
}

/** lldpd creates /run/lldpd (its chroot) shared by every instance: removed only when no lldpd
 *  runs at all on the host (looking, not signalling: other lldpd are not ours). */
function removeLldpdLeftovers(): void {
  if (!existsSync('/run/lldpd')) return;
  if (lldpdPids().length === 0) rmSync('/run/lldpd', { recursive: true, force: true });
}

function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // not empty (another lab, another FRR) or already gone
  }
}
