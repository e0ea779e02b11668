// The runs the API starts, as the CLI runs them: the fabric's run lock first (409 naming the
// holder while another run, CLI or API, holds it), then the service (applyFabric, runBringup,
// rollbackFabric) with its progress turned into the run's events. What can be refused is
// refused before the 202 (stale plan, unknown rack, nothing to resume); the rest happens in
// the background. Shutting down stops bring-ups where they are (recorded, for `--resume`) and
// waits for applies and rollbacks: a switch write in flight always finishes.
import { planBringup } from '../bringup/dry-run.ts';
import { unfinishedRun, type RunRecord } from '../bringup/record.ts';
import { runBringup, scopeFor } from '../bringup/run.ts';
import { parseDuration } from '../core/values.ts';
import { takeRunLock, type RunLock } from '../io/run-lock.ts';
import { newCheckpointId } from '../io/state-dir.ts';
import type { Logger } from '../log.ts';
import { applyFabric } from '../services/apply.ts';
import { hasWork, planFabric } from '../services/plan.ts';
import { rollbackFabric } from '../services/rollback.ts';
import type { FabricSession } from '../services/session.ts';
import { fileTexts, type Fabrics } from './fabrics.ts';
import type { Metrics } from './metrics.ts';
import { hashText, staleSwitches, type PlanStore } from './plans.ts';
import { ApiError } from './problem.ts';
import { newId, type Run, type RunKind, type RunStore } from './runs.ts';

export class Jobs {
  private readonly stop = new AbortController();

  constructor(
    private readonly fabrics: Fabrics,
    private readonly runs: RunStore,
    private readonly plans: PlanStore,
    private readonly metrics: Metrics,
    private readonly log: Logger | undefined,
  ) {}

  get stopping(): boolean {
    return this.stop.signal.aborted;
  }

  async apply(fabric: string, planId: string): Promise<Run> {
    this.refuseWhenStopping();
    const stored = this.plans.get(planId);
    if (!stored) throw new ApiError(404, 'PLAN_NOT_FOUND', `no plan ${planId} (plans are kept in memory by the server that made them)`);
    if (stored.fabric !== fabric) throw new ApiError(400, 'PLAN_OTHER_FABRIC', `plan ${planId} is a plan of fabric ${stored.fabric}, not ${fabric}`);
    const file = this.fabrics.get(fabric).file;
    if (hashText(fileTexts(file)) !== stored.files) throw new ApiError(409, 'PLAN_STALE', `the fabric file or its lock changed since plan ${planId} was made: make a new plan`, { switches: [] });
    const id = newId('apply');
    return this.locked('apply', fabric, id, false, stored.alloc, async (session) => {
      // Re-read every switch just before writing: the plan holds only if nothing changed.
      const fresh = await planFabric(session);
      const stale = staleSwitches(stored, fresh);
      if (stale.length) throw new ApiError(409, 'PLAN_STALE', `${stale.join(', ')} changed since plan ${planId} was made: make a new plan and review it again`, { switches: stale });
      return async (run) => {
        for (const p of stored.plans) run.setSwitch(p.switch, p.error ? 'failed' : hasWork(p) ? 'pending' : 'unchanged', p.error ? `${p.error.code}: ${p.error.message}` : null);
        // The allocation is in use from now on (the CLI writes the lock at the same point).
        await session.writeLock();
        const started = Date.now();
        const outcomes = await applyFabric(session, stored.plans, {
          checkpointId: newCheckpointId(),
          onEvent: (e) => run.emit('action', e),
          onOutcome: (o) => run.setSwitch(o.switch, o.status, o.error ? `${o.error.code}: ${o.error.message}` : o.notes.join('; ') || null),
        });
        this.metrics.applySeconds.observe({ fabric }, (Date.now() - started) / 1000);
        // A switch written but not saved (failed-to-save) fails the run too: a reload would lose it.
        return { state: outcomes.some((o) => o.status === 'failed' || o.status === 'failed-to-save') ? 'failed' : 'done', result: { outcomes } };
      };
    }, planId);
  }

  async rollback(fabric: string, body: { switch?: string; to?: string }): Promise<Run> {
    this.refuseWhenStopping();
    return this.locked('rollback', fabric, newId('rollback'), false, {}, async (session) => {
      if (body.switch && !session.intents.has(body.switch)) throw new ApiError(422, 'UNKNOWN_SWITCH', `no switch ${body.switch} in fabric ${fabric}`);
      return async (run) => {
        const outcomes = await rollbackFabric(session, { ...(body.switch ? { switch: body.switch } : {}), ...(body.to ? { to: body.to } : {}), onEvent: (e) => run.emit('action', e) });
        for (const o of outcomes) run.setSwitch(o.switch, o.status, o.error ? `${o.error.code}: ${o.error.message}` : o.checkpoint ?? null);
        return { state: outcomes.some((o) => o.status === 'failed') ? 'failed' : 'done', result: { outcomes } };
      };
    });
  }

  async bringup(fabric: string, body: { racks?: string[]; dryRun?: boolean; resume?: boolean; timeout?: string }): Promise<Run> {
    this.refuseWhenStopping();
    let timeoutMs: number;
    try {
      timeoutMs = parseDuration(body.timeout ?? '60s', 'timeout');
    } catch (e) {
      throw new ApiError(400, 'BAD_REQUEST', (e as Error).message);
    }
    if (body.resume && (body.racks?.length || body.dryRun)) throw new ApiError(400, 'BAD_REQUEST', 'resume continues the recorded run: it takes neither racks nor dryRun');
    const racks = body.racks?.length ? body.racks : undefined;
    if (body.dryRun) {
      const session = await this.fabrics.open(fabric, false);
      return this.start('bringup', fabric, newId('bringup'), session, undefined, async (run) => {
        const { stages, switches } = await planBringup(session, racks);
        for (const s of switches) run.setSwitch(s.switch, s.error ? 'failed' : 'planned', s.error ?? null);
        return { state: switches.some((s) => s.error) ? 'failed' : 'done', result: { dryRun: true, stages, switches: switches.map((s) => ({ ...s, lines: Object.fromEntries(s.lines) })) } };
      });
    }
    return this.locked('bringup', fabric, newId('bringup'), true, {}, async (session) => {
      if (racks) scopeFor(session, racks);
      if (body.resume && !(await unfinishedRun(session.state.dir))) throw new ApiError(422, 'NOTHING_TO_RESUME', `no unfinished bring-up run of fabric ${fabric}`);
      return async (run) => {
        const progress = new BringupProgress(run);
        const { record } = await runBringup(session, {
          ...(racks ? { racks } : {}),
          ...(body.resume ? { resume: true } : {}),
          timeoutMs,
          signal: this.stop.signal,
          ...(this.log ? { log: this.log } : {}),
          onUpdate: (r) => progress.update(r),
        });
        progress.update(record);
        this.metrics.bringup(record);
        const state = record.status === 'running' ? 'interrupted' : record.status;
        return { state, result: { record } };
      };
    });
  }

  /** Lock, session, the checks that may refuse (`prepare`), then the run in the background. */
  private async locked(
    kind: RunKind,
    fabric: string,
    id: string,
    writeLock: boolean,
    alloc: { allowRenumber?: boolean; prune?: boolean },
    prepare: (s: FabricSession) => Promise<(run: Run) => Promise<{ state: Run['state']; result: unknown }>>,
    plan: string | null = null,
  ): Promise<Run> {
    const session = await this.fabrics.open(fabric, writeLock, alloc);
    let lock: RunLock | undefined;
    try {
      lock = takeRunLock(session.state.dir, fabric, `clos serve ${kind}`, id, (m) => this.log?.warn({ fabric }, m));
      const body = await prepare(session);
      return this.start(kind, fabric, id, session, lock, body, plan);
    } catch (e) {
      lock?.release();
      await session.close();
      throw e;
    }
  }

  private start(
    kind: RunKind,
    fabric: string,
    id: string,
    session: FabricSession,
    lock: RunLock | undefined,
    body: (run: Run) => Promise<{ state: Run['state']; result: unknown }>,
    plan: string | null = null,
  ): Run {
    const run = this.runs.create(kind, fabric, id, plan);
    void (async () => {
      let end: { state: Run['state']; result: unknown };
      try {
        end = await body(run);
      } catch (e) {
        const err = e as Error & { code?: string };
        end = { state: 'failed', result: { error: { code: err.code ?? 'ERROR', message: err.message } } };
      }
      lock?.release();
      await session.close();
      this.metrics.runs.inc({ fabric, kind, state: end.state });
      run.finish(end.state, end.result);
    })();
    return run;
  }

  private refuseWhenStopping(): void {
    if (this.stopping) throw new ApiError(503, 'SHUTTING_DOWN', 'the server is shutting down: no new run starts');
  }

  /** SIGTERM: bring-ups stop where they are (their record stays resumable), applies and
   *  rollbacks finish; resolves when every run has ended. */
  async drain(): Promise<void> {
    this.stop.abort();
    await Promise.all(this.runs.running().map((r) => r.finished));
  }
}

/** A bring-up record's changes as events: a `stage` event when a stage's status changes, a
 *  `switch` event when a switch's step (reaching, linking, gating, …) or result does. */
class BringupProgress {
  private readonly said = new Map<string, string>();

  constructor(private readonly run: Run) {}

  update(r: RunRecord): void {
    this.run.stages = r.stages.map((s) => ({ id: s.spec.id, status: s.status }));
    for (const st of r.stages) {
      this.once(`stage ${st.spec.id}`, st.status, () => this.run.emit('stage', { stage: st.spec.id, kind: st.spec.kind, status: st.status, switches: st.switches.map((s) => s.name) }));
      for (const s of st.switches) {
        if (s.step === 'pending') continue;
        const detail = s.failure ? `${s.failure.code}: ${s.failure.message}` : s.convergeMs !== undefined ? `converged in ${(s.convergeMs / 1000).toFixed(1)} s` : null;
        this.once(`${st.spec.id}/${s.name}`, `${s.step}|${s.result ?? ''}|${detail ?? ''}`, () => {
          this.run.switches.set(s.name, { status: s.result ?? s.step, detail });
          this.run.emit('switch', { stage: st.spec.id, switch: s.name, step: s.step, result: s.result ?? null, detail, ...(s.convergeMs !== undefined ? { convergeMs: s.convergeMs } : {}) });
        });
      }
    }
  }

  private once(key: string, value: string, f: () => void): void {
    if (this.said.get(key) === value) return;
    this.said.set(key, value);
    f();
  }
}
