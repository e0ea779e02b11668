// apply: per switch, checkpoint → all its changes in one transaction → read back and compare
// → routing-service restart or vtysh when SONiC needs it → config save (the actions of
// switch/actions.ts, run by switch/run.ts). Each switch has a deadline (timeoutMs). A switch that
// fails after its transaction is restored to its checkpoint (under a deadline of its own) and
// reported; one whose transaction went unanswered is NOT restored — it may still apply it, whole —
// and reported as state unknown. A switch whose save fails keeps what was written (it was read
// back and is live) and is reported `failed-to-save`: a reload would lose it. The others go on.
import { refusalText } from '../core/adoption/refusals.ts';
import type { Fields } from '../core/diff/flat.ts';
import { keepCheckpoints, newCheckpointId, type Checkpoint } from '../io/state-dir.ts';
import type { SwitchLink } from '../transport/connect.ts';
import { mapConcurrent } from './concurrency.ts';
import { hasWork, type SwitchPlan } from './plan.ts';
import type { FabricSession } from './session.ts';
import { writeActions } from './switch/actions.ts';
import { deadline, emptyResult, runActions, type ActionEvent } from './switch/run.ts';
import type { Clock } from './watch-kit.ts';

/** Default deadline of one switch's operation (and again of a restore after it fails). */
export const SWITCH_TIMEOUT_MS = 60_000;

export interface ApplyOutcome {
  readonly switch: string;
  readonly endpoint: string;
  readonly status: 'applied' | 'unchanged' | 'failed' | 'failed-to-save';
  readonly changes: number;
  readonly flavour?: 'sonic' | 'legacy-vs';
  readonly restarted: boolean;
  readonly frrConfigured: boolean;
  /** Whether the startup config was saved: `no-save` under --no-save. */
  readonly saved?: 'saved' | 'no-save' | 'failed';
  readonly checkpoint?: string;
  /** After a failure: whether the switch was restored to its checkpoint. */
  readonly restored?: boolean;
  /** After a failure, what the switch holds: as before (nothing written, or restored), or not
   *  known (a transaction or the restore unanswered: `clos plan` reads it again). */
  readonly state?: 'as-before' | 'unknown';
  readonly notes: readonly string[];
  readonly error?: { readonly code: string; readonly message: string };
  readonly ms: number;
}

export interface ApplyOptions {
  /** How long to wait for bgpcfgd to consume a neighbor before deciding it does not run. */
  readonly consumeBudgetMs?: number;
  readonly checkpointId?: string;
  /** Told of every action on every switch as it starts and ends (progress, an event stream). */
  readonly onEvent?: (e: ActionEvent) => void;
  /** Deadline of each switch's operation, and of a restore after a failure. */
  readonly timeoutMs?: number;
  readonly clock?: Clock;
  /** Told of each switch's outcome as it ends (clos serve streams them). */
  readonly onOutcome?: (outcome: ApplyOutcome) => void;
  /** Save each written switch's config (default); false: `--no-save`. */
  readonly save?: boolean;
}

export async function applyFabric(session: FabricSession, plans: readonly SwitchPlan[], opts: ApplyOptions = {}): Promise<ApplyOutcome[]> {
  const id = opts.checkpointId ?? newCheckpointId();
  // Before the first switch write: a checkpoint that cannot be saved stops the whole run here.
  const keep = keepCheckpoints();
  if (plans.some(hasWork)) session.state.probe();
  const outcomes = await mapConcurrent(plans, session.concurrency, async (plan) => {
    const outcome = await applySwitch(session, plan, id, opts);
    opts.onOutcome?.(outcome);
    return outcome;
  });
  // Retention after a successful run only: a failed one keeps every checkpoint to go back to.
  if (outcomes.every((o) => o.status !== 'failed')) session.state.prune(keep);
  return outcomes;
}

async function applySwitch(session: FabricSession, plan: SwitchPlan, checkpointId: string, opts: ApplyOptions): Promise<ApplyOutcome> {
  const started = Date.now();
  const base = { switch: plan.switch, endpoint: plan.endpoint, changes: plan.changes.length, ...(plan.flavour ? { flavour: plan.flavour } : {}) };
  const result = emptyResult(plan.flavour ?? 'sonic');
  const done = (o: Partial<ApplyOutcome> & Pick<ApplyOutcome, 'status'>): ApplyOutcome => ({ restarted: false, frrConfigured: false, ...base, notes: result.notes, ms: Date.now() - started, ...o });
  if (plan.error) return done({ status: 'failed', error: plan.error });
  // Refused before anything is written: no checkpoint, no change (docs/adoption.md).
  if (plan.refusals?.length) return done({ status: 'failed', error: { code: 'REFUSED', message: `not adopted, nothing written: ${plan.refusals.map(refusalText).join('; ')}` } });
  if (!hasWork(plan)) return done({ status: 'unchanged' });

  let link: SwitchLink;
  try {
    link = await session.link(plan.switch);
  } catch (e) {
    return done({ status: 'failed', error: errorOf(e), state: 'as-before' });
  }
  const checkpoint = plan.changes.length > 0 ? makeCheckpoint(checkpointId, plan) : undefined;
  const actions = writeActions({
    plan,
    intent: session.intents.get(plan.switch)!,
    desired: session.desired.get(plan.switch)!,
    ...(checkpoint ? { checkpoint } : {}),
    ...(opts.consumeBudgetMs !== undefined ? { consumeBudgetMs: opts.consumeBudgetMs } : {}),
    save: opts.save !== false,
  });
  const timeoutMs = opts.timeoutMs ?? SWITCH_TIMEOUT_MS;
  if (opts.save === false && plan.changes.length > 0) result.notes.push('not saved (--no-save): a config reload or reboot brings back the startup config');
  const run = { state: session.state, flavour: result.flavour, ...(plan.actual ? { actual: plan.actual } : {}), ...(opts.onEvent ? { onEvent: opts.onEvent } : {}), ...(opts.clock ? { clock: opts.clock } : {}) };
  const saved = { ...(checkpoint ? { checkpoint: checkpoint.id } : {}) };
  const within = deadline(timeoutMs, opts.clock);
  try {
    await runActions(link, actions, { ...run, signal: within.signal }, result);
    return done({ status: 'applied', flavour: result.flavour, restarted: result.restarted, frrConfigured: result.frrConfigured, ...saved, ...savedOf(plan, result.saved, opts) });
  } catch (e) {
    // The write was read back and is live: a failed save leaves it, and says a reload loses it.
    if ((e as { code?: string }).code === 'SAVE_FAILED') {
      return done({ status: 'failed-to-save', error: errorOf(e), flavour: result.flavour, restarted: result.restarted, frrConfigured: result.frrConfigured, saved: 'failed', ...saved });
    }
    const failed = { status: 'failed' as const, error: errorOf(e), restarted: result.restarted, frrConfigured: result.frrConfigured, ...saved };
    // Nothing went to the switch (the checkpoint could not be saved, the deadline came first).
    if (!result.sent) return done({ ...failed, restored: false, state: 'as-before' });
    if (result.unknown) {
      result.notes.push(`not restored: the switch may still apply the transaction; \`clos plan\` reads what it holds, \`clos rollback --switch ${plan.switch}\` puts the checkpoint back`);
      return done({ ...failed, restored: false, state: 'unknown' });
    }
    if (!checkpoint) return done({ ...failed, restored: false, state: 'unknown' });
    const again = deadline(timeoutMs, opts.clock);
    try {
      await runActions(link, [{ kind: 'restore', checkpoint }], { ...run, signal: again.signal });
      return done({ ...failed, restored: true, state: 'as-before' });
    } catch (re) {
      result.notes.push(`restore failed: state unknown: ${(re as Error).message}`);
      return done({ ...failed, restored: false, state: 'unknown' });
    } finally {
      again.clear();
    }
  } finally {
    within.clear();
  }
}

function savedOf(plan: SwitchPlan, saved: boolean, opts: ApplyOptions): { saved?: 'saved' | 'no-save' } {
  if (saved) return { saved: 'saved' };
  return opts.save === false && plan.changes.length > 0 ? { saved: 'no-save' } : {};
}

function makeCheckpoint(id: string, plan: SwitchPlan): Checkpoint {
  const keys = new Map<string, Fields | null>();
  for (const c of plan.changes) keys.set(c.key, plan.actual?.get(c.key) ?? null);
  return {
    id,
    switch: plan.switch,
    endpoint: plan.endpoint,
    at: new Date().toISOString(),
    keys,
    lastApplied: plan.lastApplied ?? null,
  };
}

function errorOf(e: unknown): { code: string; message: string } {
  const err = e as Error & { code?: string };
  return { code: err.code ?? 'ERROR', message: err.message };
}
