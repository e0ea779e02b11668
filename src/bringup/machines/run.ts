// A bring-up run: its stages in order, each stage's switches in waves, one switch machine per
// switch of the wave (spawned, reporting its steps with SWITCH.STEP and its report as its output).
//
//   stage ─(every switch of every wave done)─▶ stagePassed ─▶ next stage … ─▶ done
//     └─(a switch failed: the wave finishes, no further wave starts)─▶ stageFailed
//           ─▶ rollingBack (the stage's switches, and those of the stages it undoes) ─▶ rolledBack
//           ─▶ failed (nothing was written, or a rollback failed)
//
// Resuming a run that was killed: input.resume lists the stages that had passed; the run starts
// at the first other one (its switches plan again from what they have now).
import { assign, enqueueActions, fromPromise, raise, setup } from 'xstate';
import type { StageSpec } from '../stages.ts';
import { switchMachine } from './switch.ts';
import type { Budgets, SwitchReport, SwitchStep, ToRunEvent } from './types.ts';

export type StageStatus = 'pending' | 'running' | 'passed' | 'failed' | 'rolled-back';
export type RunResult = 'done' | 'rolled-back' | 'failed';

export interface SwitchProgress {
  readonly step: SwitchStep;
  readonly report?: SwitchReport;
}

export interface RunInput {
  readonly runId: string;
  readonly stages: readonly StageSpec[];
  readonly budgets: Budgets;
  readonly resume?: {
    /** Ids of the stages that had passed. */
    readonly passed: readonly string[];
    /** Switches the earlier attempt wrote to. */
    readonly touched: readonly string[];
  };
}

export interface RollbackOutput {
  readonly restored: readonly string[];
  readonly failed: readonly { readonly switch: string; readonly message: string }[];
}

export interface RunContext {
  readonly runId: string;
  readonly stages: readonly StageSpec[];
  readonly budgets: Budgets;
  readonly index: number;
  readonly wave: number;
  readonly outstanding: number;
  readonly status: Readonly<Record<string, StageStatus>>;
  /** Keyed `<stage>/<switch>`. */
  readonly switches: Readonly<Record<string, SwitchProgress>>;
  /** Switches this run has written to (they have a checkpoint to go back to). */
  readonly touched: readonly string[];
  readonly rollback?: RollbackOutput;
  readonly failure?: string;
  readonly result?: RunResult;
}

export interface RunOutput {
  readonly result: RunResult;
  readonly failure?: string;
}

export const progressKey = (stage: string, sw: string) => `${stage}/${sw}`;

const current = (c: RunContext) => c.stages[c.index]!;
const waveOf = (c: RunContext) => current(c).waves[c.wave] ?? [];
const reportsOf = (c: RunContext, stage: StageSpec) => stage.waves.flat().map((s) => c.switches[progressKey(stage.id, s)]?.report).filter((r): r is SwitchReport => r !== undefined);

/** Switches to put back when the current stage failed: those of the stage and of the stages
 *  it undoes that this run wrote to, except those whose own machine already rolled back. */
function toRollBack(c: RunContext): string[] {
  const stage = current(c);
  const selfRolledBack = new Set(reportsOf(c, stage).filter((r) => r.result === 'rolled-back').map((r) => r.switch));
  const names = [...stage.undoes.flatMap((id) => c.stages.find((s) => s.id === id)?.waves.flat() ?? []), ...stage.waves.flat()];
  return [...new Set(names)].filter((n) => c.touched.includes(n) && !selfRolledBack.has(n));
}

/** The context once a switch's report is recorded. */
function withReport(c: RunContext, report: SwitchReport): RunContext {
  const k = progressKey(report.stage, report.switch);
  return {
    ...c,
    switches: { ...c.switches, [k]: { step: c.switches[k]?.step ?? 'done', report } },
    touched: report.changed && !c.touched.includes(report.switch) ? [...c.touched, report.switch] : c.touched,
    outstanding: c.outstanding - 1,
  };
}

/** What a finished switch leads to. */
export type Next = 'wait' | 'nextWave' | 'nextStage' | 'done' | 'rollBack' | 'rolledBack' | 'failed';

function nextAfter(c: RunContext): Next {
  if (c.outstanding > 0) return 'wait';
  const stage = current(c);
  const wave = waveOf(c).map((s) => c.switches[progressKey(stage.id, s)]?.report);
  if (wave.every((r) => r?.result === 'done')) {
    if (c.wave + 1 < stage.waves.length) return 'nextWave';
    return c.index + 1 < c.stages.length ? 'nextStage' : 'done';
  }
  if (toRollBack(c).length > 0) return 'rollBack';
  if (reportsOf(c, stage).some((r) => r.result === 'failed' && r.changed)) return 'failed'; // its own rollback failed
  return reportsOf(c, stage).some((r) => r.result === 'rolled-back') ? 'rolledBack' : 'failed';
}

const finishedIs =
  (want: Next) =>
  ({ context, event }: { context: RunContext; event: ToRunEvent }) =>
    event.type === 'SWITCH.FINISHED' && nextAfter(withReport(context, event.report)) === want;

function failureText(c: RunContext): string {
  const stage = current(c);
  const bad = reportsOf(c, stage).filter((r) => r.result !== 'done');
  return `stage ${stage.id}: ${bad.map((r) => `${r.switch} ${r.result}${r.failure ? ` (${r.failure.code}: ${r.failure.message})` : ''}`).join('; ')}`;
}

const setStatus = (c: RunContext, id: string, status: StageStatus) => ({ ...c.status, [id]: status });

export const runMachine = setup({
  types: {
    context: {} as RunContext,
    input: {} as RunInput,
    events: {} as ToRunEvent,
    output: {} as RunOutput,
  },
  actors: {
    switchMachine,
    /** Puts these switches back to the run's checkpoint. */
    rollbackSwitches: fromPromise<RollbackOutput, { switches: readonly string[] }>(() => {
      throw new Error('bring-up effect rollbackSwitches was not provided');
    }),
  },
  actions: {
    record: assign(({ context, event }) => (event.type === 'SWITCH.FINISHED' ? withReport(context, event.report) : {})),
    passStage: assign({ status: ({ context }) => setStatus(context, current(context).id, 'passed') }),
    failStage: assign({ status: ({ context }) => setStatus(context, current(context).id, 'failed'), failure: ({ context }) => failureText(context) }),
  },
  guards: {
    isNextWave: finishedIs('nextWave'),
    isNextStage: finishedIs('nextStage'),
    isDone: finishedIs('done'),
    isRollBack: finishedIs('rollBack'),
    isRolledBack: finishedIs('rolledBack'),
    isFailed: finishedIs('failed'),
    rollbackFailed: ({ event }) => (event as unknown as { output: RollbackOutput }).output.failed.length > 0,
    ownRollbackFailed: ({ context }) => reportsOf(context, current(context)).some((r) => r.result === 'failed' && r.changed),
  },
}).createMachine({
  id: 'run',
  context: ({ input }) => {
    const passed = new Set(input.resume?.passed ?? []);
    let index = 0;
    while (index < input.stages.length - 1 && passed.has(input.stages[index]!.id)) index++;
    return {
      runId: input.runId,
      stages: input.stages,
      budgets: input.budgets,
      index,
      wave: 0,
      outstanding: 0,
      status: Object.fromEntries(input.stages.map((s) => [s.id, passed.has(s.id) ? 'passed' : 'pending'])),
      switches: {},
      touched: [...(input.resume?.touched ?? [])],
    };
  },
  // A run has at least one stage that has not passed (the driver checks before starting).
  initial: 'stage',
  states: {
    stage: {
      entry: [
        assign({
          outstanding: ({ context }) => waveOf(context).length,
          status: ({ context }) => setStatus(context, current(context).id, 'running'),
        }),
        enqueueActions(({ context, enqueue }) => {
          const stage = current(context);
          for (const sw of waveOf(context)) {
            enqueue.spawnChild('switchMachine', { id: progressKey(stage.id, sw), input: { switch: sw, stage: stage.id, steps: stage.steps, budgets: context.budgets } });
          }
        }),
      ],
      on: {
        // A switch machine's output is its report (see machines/switch.ts).
        'xstate.done.actor.*': { actions: raise(({ event }) => ({ type: 'SWITCH.FINISHED' as const, report: (event as unknown as { output: SwitchReport }).output })) },
        'SWITCH.STEP': {
          actions: assign({ switches: ({ context, event }) => ({ ...context.switches, [progressKey(event.stage, event.switch)]: { ...context.switches[progressKey(event.stage, event.switch)], step: event.step } }) }),
        },
        'SWITCH.FINISHED': [
          { guard: 'isNextWave', target: 'stage', reenter: true, actions: ['record', assign({ wave: ({ context }) => context.wave + 1 })] },
          { guard: 'isNextStage', target: 'stage', reenter: true, actions: ['record', 'passStage', assign({ index: ({ context }) => context.index + 1, wave: 0 })] },
          { guard: 'isDone', target: 'done', actions: ['record', 'passStage'] },
          { guard: 'isRollBack', target: 'rollingBack', actions: ['record', 'failStage'] },
          { guard: 'isRolledBack', target: 'rolledBack', actions: ['record', 'failStage'] },
          { guard: 'isFailed', target: 'failed', actions: ['record', 'failStage'] },
          { actions: 'record' },
        ],
      },
    },
    rollingBack: {
      invoke: {
        id: 'rollbackSwitches',
        src: 'rollbackSwitches',
        input: ({ context }) => ({ switches: toRollBack(context) }),
        onDone: [
          { guard: 'rollbackFailed', target: 'failed', actions: assign({ rollback: ({ event }) => event.output }) },
          { guard: 'ownRollbackFailed', target: 'failed', actions: assign({ rollback: ({ event }) => event.output }) },
          {
            target: 'rolledBack',
            actions: assign({
              rollback: ({ event }) => event.output,
              status: ({ context }) => ({ ...context.status, ...Object.fromEntries(current(context).undoes.map((id) => [id, 'rolled-back' as const])) }),
            }),
          },
        ],
        onError: { target: 'failed', actions: assign({ failure: ({ context, event }) => `${context.failure}; rollback failed: ${(event.error as Error)?.message ?? String(event.error)}` }) },
      },
    },
    done: { type: 'final', entry: assign({ result: 'done' as const }) },
    rolledBack: {
      type: 'final',
      entry: assign({
        result: 'rolled-back' as const,
        status: ({ context }) => {
          const stage = current(context);
          const writes = stage.steps.links || stage.steps.apply;
          const undone = writes && (reportsOf(context, stage).some((r) => r.result === 'rolled-back') || stage.waves.flat().some((s) => context.rollback?.restored.includes(s)));
          return undone ? setStatus(context, stage.id, 'rolled-back') : context.status;
        },
      }),
    },
    failed: { type: 'final', entry: assign({ result: 'failed' as const }) },
  },
  output: ({ context }) => ({ result: context.result ?? 'failed', ...(context.failure ? { failure: context.failure } : {}) }),
});

export type RunMachine = typeof runMachine;
