// rollback: puts switches back to a checkpoint (the newest, or the one at or before --to), each
// under a deadline: a switch that stops answering fails as state unknown, the others go on.
import { SWITCH_TIMEOUT_MS } from './apply.ts';
import { mapConcurrent } from './concurrency.ts';
import type { FabricSession } from './session.ts';
import { restoreActions } from './switch/actions.ts';
import { deadline, emptyResult, runActions, type ActionEvent } from './switch/run.ts';

export interface RollbackOutcome {
  readonly switch: string;
  readonly endpoint: string;
  readonly status: 'restored' | 'no-checkpoint' | 'failed';
  readonly checkpoint?: string;
  readonly changes: number;
  readonly restarted: boolean;
  /** After a failure once the restore was sent: what the switch holds is not known. */
  readonly state?: 'unknown';
  /** Whether the startup config was saved after the restore: `no-save` under --no-save. */
  readonly saved?: 'saved' | 'no-save';
  readonly error?: { readonly code: string; readonly message: string };
}

export async function rollbackFabric(session: FabricSession, opts: { switch?: string; to?: string; onEvent?: (e: ActionEvent) => void; timeoutMs?: number; save?: boolean } = {}): Promise<RollbackOutcome[]> {
  const names = opts.switch ? [opts.switch] : session.switches;
  for (const n of names) if (!session.intents.has(n) && !session.inventory.switches[n]) throw new Error(`no switch ${n} in fabric ${session.loaded.fabric.name}`);
  // A rollback records the restored scope: it must be able to, before it writes to a switch.
  session.state.probe();
  return mapConcurrent(names, session.concurrency, async (name) => {
    let endpoint = '(not connected)';
    const within = deadline(opts.timeoutMs ?? SWITCH_TIMEOUT_MS);
    const r = emptyResult('sonic');
    try {
      const cp = await session.state.checkpoint(name, opts.to);
      if (!cp) return { switch: name, endpoint, status: 'no-checkpoint', changes: 0, restarted: false };
      const link = await session.link(name);
      endpoint = link.transport.endpoint;
      // The static part restored means a restart, whatever the switch runs.
      await runActions(link, restoreActions(cp, undefined, opts.save !== false), { state: session.state, flavour: 'sonic', signal: within.signal, ...(opts.onEvent ? { onEvent: opts.onEvent } : {}) }, r);
      return { switch: name, endpoint, status: 'restored', checkpoint: cp.id, changes: r.restored.length, restarted: r.restarted, saved: r.saved ? 'saved' : 'no-save' };
    } catch (e) {
      const err = e as Error & { code?: string; endpoint?: string };
      return { switch: name, endpoint: err.endpoint ?? endpoint, status: 'failed', changes: 0, restarted: false, ...(r.sent ? { state: 'unknown' as const } : {}), error: { code: err.code ?? 'ERROR', message: err.message } };
    } finally {
      within.clear();
    }
  });
}
