// `clos bringup` as a service: plans the stages, runs the run machine with the real effects,
// records every transition, and returns the record (the report is read from it).
import { createActor } from 'xstate';
import type { Logger } from '../log.ts';
import { keepCheckpoints, newCheckpointId } from '../io/state-dir.ts';
import { SWITCH_TIMEOUT_MS } from '../services/apply.ts';
import type { FabricSession } from '../services/session.ts';
import { bringupEffects } from './effects.ts';
import { runMachine, type RunOutput } from './machines/run.ts';
import { switchMachine } from './machines/switch.ts';
import { applyContext, newRecord, RecordWriter, recordPath, unfinishedRun, type RunRecord } from './record.ts';
import { rackScope, wholeFabric, type Scope } from './scope.ts';
import { planStages } from './stages.ts';
import { baselineCheckpoint, BringupError } from './writes.ts';

export interface BringupOptions {
  readonly racks?: readonly string[];
  readonly resume?: boolean;
  /** Budget of each gate. */
  readonly timeoutMs: number;
  /** Budget of the LLDP wait (default: min(timeout, 60 s)). */
  readonly lldpMs?: number;
  /** How long a cabling mismatch must hold before it counts (default 12 s: SONiC's lldp_syncd
   *  refreshes every 10 s, so a neighbour can outlive its link that long). */
  readonly cablingSettleMs?: number;
  readonly log?: Logger;
  /** Called after every recorded transition (progress display). */
  readonly onUpdate?: (record: RunRecord) => void;
  readonly consumeBudgetMs?: number;
  /** Save each switch's config after every write and rollback (default); false: `--no-save`. */
  readonly save?: boolean;
  /** Stops the run where it is, as a kill would: the record stays `running`, to be resumed. */
  readonly signal?: AbortSignal;
}

export interface BringupResult {
  readonly record: RunRecord;
  readonly path: string;
}

export function scopeFor(session: FabricSession, racks: readonly string[] | null | undefined): Scope {
  if (!racks || racks.length === 0) return wholeFabric();
  const known = new Set(session.loaded.fabric.racks.map((r) => r.name));
  const unknown = racks.filter((r) => !known.has(r));
  if (unknown.length > 0) throw new BringupError('UNKNOWN_RACK', `--racks: no rack ${unknown.join(', ')} in fabric ${session.loaded.fabric.name} (racks: ${[...known].join(', ')})`);
  return rackScope(session.loaded.intents, racks);
}

export async function runBringup(session: FabricSession, opts: BringupOptions): Promise<BringupResult> {
  const at = () => Date.now();
  // Before anything is recorded or written: the checkpoints must be able to land.
  session.state.probe();
  let record: RunRecord;
  if (opts.resume) {
    const found = await unfinishedRun(session.state.dir);
    if (!found) throw new BringupError('NOTHING_TO_RESUME', `no unfinished bring-up run of fabric ${session.loaded.fabric.name} in ${session.state.dir}/bringup`);
    record = found;
  } else {
    const scope = scopeFor(session, opts.racks);
    const stages = planStages(session.loaded.intents, scope, session.concurrency);
    if (stages[0]!.waves.length === 0) throw new BringupError('NOTHING_IN_SCOPE', `no switch in the scope of this run`);
    record = newRecord({
      id: newCheckpointId(),
      fabric: session.loaded.fabric.name,
      file: session.loaded.fabricPath,
      racks: opts.racks?.length ? [...opts.racks] : null,
      concurrency: session.concurrency,
      timeoutMs: opts.timeoutMs,
      lldpMs: opts.lldpMs ?? Math.min(opts.timeoutMs, 60_000),
      cablingSettleMs: opts.cablingSettleMs ?? 12_000,
      startedAt: new Date().toISOString(),
      stages,
    });
  }
  const scope = scopeFor(session, record.racks);
  const path = recordPath(session.state.dir, record.id);
  const writer = new RecordWriter(path, record);
  record.attempts.push({ startedAt: new Date().toISOString(), pid: process.pid });
  record.status = 'running';
  delete record.failure;
  // Every switch gets the run's checkpoint id now (empty until the run writes to it): a
  // `clos rollback F --to <run id>` then touches only what this run changed.
  for (const sw of session.switches) await baselineCheckpoint(session, sw, record.id, record.startedAt);
  await writer.save();

  const passed = record.stages.filter((s) => s.status === 'passed').map((s) => s.spec.id);
  if (passed.length === record.stages.length) {
    record.status = 'done';
    await writer.save();
    return { record, path };
  }
  const stages = record.stages.map((s) => s.spec);
  const fx = bringupEffects({
    session,
    runId: record.id,
    scope,
    stages,
    ...(opts.log ? { log: opts.log } : {}),
    ...(opts.consumeBudgetMs !== undefined ? { consumeBudgetMs: opts.consumeBudgetMs } : {}),
    // --timeout bounds each switch's write as it bounds each gate, never below apply's default:
    // a write includes waiting for bgpcfgd and a routing restart.
    writeTimeoutMs: Math.max(record.timeoutMs, SWITCH_TIMEOUT_MS),
    save: opts.save !== false,
  });
  const machine = runMachine.provide({ actors: { switchMachine: switchMachine.provide({ actors: fx.switchActors }), rollbackSwitches: fx.rollbackSwitches } });
  const actor = createActor(machine, {
    input: {
      runId: record.id,
      stages,
      budgets: { lldpMs: record.lldpMs, gateMs: record.timeoutMs, cablingSettleMs: Math.min(record.cablingSettleMs, record.lldpMs) },
      ...(opts.resume ? { resume: { passed, touched: record.touched } } : {}),
    },
  });
  const output = await new Promise<RunOutput | undefined>((resolve, reject) => {
    opts.signal?.addEventListener('abort', () => {
      actor.stop();
      resolve(undefined);
    });
    actor.subscribe({
      next: (snap) => {
        if (applyContext(record, snap.context, at())) {
          void writer.save();
          opts.onUpdate?.(record);
        }
      },
      complete: () => resolve(actor.getSnapshot().output!),
      error: reject,
    });
    actor.start();
  });
  applyContext(record, actor.getSnapshot().context, at());
  if (!output) {
    await writer.save();
    await writer.flush();
    return { record, path };
  }
  record.status = output.result;
  if (output.failure) record.failure = output.failure;
  record.endedAt = new Date().toISOString();
  record.durationMs = Date.now() - Date.parse(record.startedAt);
  await writer.save();
  await writer.flush();
  if (record.status === 'done') session.state.prune(keepCheckpoints());
  opts.onUpdate?.(record);
  return { record, path };
}
