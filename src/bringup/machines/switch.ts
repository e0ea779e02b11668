// One switch in one stage of a bring-up:
//
//   reaching ─▶ checkingPlatform ─▶ checkpointing ─▶ linking ─▶ checkingCabling ─▶ live(applying ─▶ gating) ─▶ done
//       │               │                                 any failure once something may have been written ─▶ rollingBack ─▶ rolledBack
//       └── a failure before anything is written ───────────────────────────────────────────────────────────▶ failed
//
// The stage decides which steps run (input.steps); the others are skipped. The machine names
// its effects (actors) and reports its steps to the run (action `announce`); its report is the
// machine's output, which reaches the run as the child's done event, the last thing a finished
// switch sends (a separate message before it would end the run while the child still has its
// done event to deliver: xstate's "sent to stopped actor"). The implementations come from outside (src/bringup/effects.ts, or a test's `.provide()`), and
// time is the actor's clock (budgets are `delays`). No transport is imported here.
import { and, assign, fromCallback, fromPromise, sendParent, setup, type EventObject } from 'xstate';
import type { Steps } from '../stages.ts';
import type { Budgets, CablingSeen, EffectInput, Failure, GateSeen, ReachOutput, SwitchEvent, SwitchInput, SwitchReport, SwitchStep, ToRunEvent, WriteOutput } from './types.ts';

export interface SwitchContext {
  readonly switch: string;
  readonly stage: string;
  readonly steps: Steps;
  readonly budgets: Budgets;
  readonly reach?: ReachOutput;
  /** Something may have been written in this stage: a failure rolls back. */
  readonly changed: boolean;
  /** Changes written in this stage (CONFIG_DB entries, restarts, vtysh sessions). */
  readonly written: number;
  readonly failure?: Failure;
  readonly cabling?: CablingSeen;
  readonly gate?: GateSeen;
  readonly notes: readonly string[];
  /** Set on entering a final state: the result the report carries. */
  readonly result?: SwitchReport['result'];
}

const notProvided = (name: string) => () => {
  throw new Error(`bring-up effect ${name} was not provided`);
};

/** The steps after `reaching`, in order, and the flag of Steps that turns each on. */
const SEQUENCE = [
  ['checkingPlatform', 'platform'],
  ['checkpointing', 'checkpoint'],
  ['linking', 'links'],
  ['checkingCabling', 'cabling'],
  ['live', 'apply'],
] as const;
type Stop = (typeof SEQUENCE)[number][0];

/** Transitions to the next step the stage wants after `from`, else done. */
function next<A>(from: Stop | 'reaching', actions?: A) {
  const i = SEQUENCE.findIndex(([s]) => s === from);
  const act = actions === undefined ? {} : { actions };
  return [...SEQUENCE.slice(i + 1).map(([s]) => ({ guard: { type: 'wants' as const, params: { stop: s } }, target: `#switch.${s}`, ...act })), { target: '#switch.done', ...act }];
}

/** A failure: roll back when something may have been written, else just fail. */
function fail<A>(actions: A) {
  return [
    { guard: 'changed' as const, target: '#switch.rollingBack', actions },
    { target: '#switch.failed', actions },
  ];
}

function mismatch(seen: CablingSeen): Failure {
  return { step: 'checkingCabling', code: 'CABLING_MISMATCH', message: seen.detail };
}

function failureOf(step: SwitchStep, error: unknown): Failure {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  return { step, code: typeof e?.code === 'string' ? e.code : 'ERROR', message: typeof e?.message === 'string' ? e.message : String(error) };
}

export function reportOf(context: SwitchContext, result: SwitchReport['result']): SwitchReport {
  return {
    switch: context.switch,
    stage: context.stage,
    result,
    changed: context.changed,
    written: context.written,
    ...(context.failure ? { failure: context.failure } : {}),
    ...(context.reach ? { endpoint: context.reach.endpoint, flavour: context.reach.flavour, changes: context.reach.changes, left: context.reach.left } : {}),
    notes: context.notes,
  };
}

const noteWrite = assign<SwitchContext, { type: string; output: WriteOutput }, undefined, SwitchEvent, never>({
  changed: ({ context, event }) => context.changed && event.output.written > 0,
  written: ({ context, event }) => context.written + event.output.written,
  notes: ({ context, event }) => [...context.notes, ...(event.output.notes ?? [])],
});

export const switchMachine = setup({
  types: {
    context: {} as SwitchContext,
    input: {} as SwitchInput,
    events: {} as SwitchEvent,
    output: {} as SwitchReport,
  },
  actors: {
    /** Open the link, probe the flavour, read CONFIG_DB and plan the changes in scope. */
    reach: fromPromise<ReachOutput, EffectInput>(notProvided('reach')),
    /** DEVICE_METADATA hwsku (when set) is the intended one; every intended port is in PORT. */
    checkPlatform: fromPromise<void, EffectInput>(notProvided('checkPlatform')),
    /** Save (or extend) the run's checkpoint of the switch: every key the run may change. */
    checkpoint: fromPromise<void, EffectInput>(notProvided('checkpoint')),
    /** Write the PORT changes in scope only, in one transaction. */
    bringLinksUp: fromPromise<WriteOutput, EffectInput>(notProvided('bringLinksUp')),
    /** Watch LLDP (or the carrier): sends CABLING.SEEN at each change. */
    watchCabling: fromCallback<EventObject, EffectInput>(notProvided('watchCabling')),
    /** Write the remaining changes in scope in one transaction, read back, restart or vtysh. */
    apply: fromPromise<WriteOutput, EffectInput>(notProvided('apply')),
    /** Watch the gate's checks: GATE.SEEN at each change, GATE.PASSED once all pass. */
    watchGate: fromCallback<EventObject, EffectInput>(notProvided('watchGate')),
    /** Watch the sessions that are Established and must stay so: SESSION.LOST. */
    watchExisting: fromCallback<EventObject, EffectInput>(notProvided('watchExisting')),
    /** Put the switch back to the run's checkpoint. */
    rollback: fromPromise<WriteOutput, EffectInput>(notProvided('rollback')),
  },
  actions: {
    announce: sendParent(({ context }, params: { step: SwitchStep }): ToRunEvent => ({ type: 'SWITCH.STEP', stage: context.stage, switch: context.switch, step: params.step })),
    finish: assign({ result: (_, params: { result: SwitchReport['result'] }) => params.result }),
  },
  guards: {
    wants: ({ context }, params: { stop: Stop }) => {
      const flag = SEQUENCE.find(([s]) => s === params.stop)![1];
      return Boolean(context.steps[flag]);
    },
    wantsGate: ({ context }) => context.steps.gate !== 'none',
    changed: ({ context }) => context.changed,
    cablingOk: ({ event }) => event.type === 'CABLING.SEEN' && event.seen.ok,
    cablingWrong: ({ event }) => event.type === 'CABLING.SEEN' && event.seen.settled && !event.seen.ok,
    cablingPending: ({ event }) => event.type === 'CABLING.SEEN' && !event.seen.ok,
  },
  delays: {
    lldpBudget: ({ context }) => context.budgets.lldpMs,
    cablingSettle: ({ context }) => context.budgets.cablingSettleMs,
    gateBudget: ({ context }) => context.budgets.gateMs,
  },
}).createMachine({
  id: 'switch',
  context: ({ input }) => ({ switch: input.switch, stage: input.stage, steps: input.steps, budgets: input.budgets, changed: false, written: 0, notes: [] }),
  initial: 'reaching',
  states: {
    reaching: {
      entry: { type: 'announce', params: { step: 'reaching' } },
      invoke: {
        id: 'reach',
        src: 'reach',
        input: ({ context }) => ({ switch: context.switch, stage: context.stage }),
        onDone: next('reaching', assign({ reach: ({ event }) => event.output })),
        onError: { target: 'failed', actions: assign({ failure: ({ event }) => failureOf('reaching', event.error) }) },
      },
    },
    checkingPlatform: {
      entry: { type: 'announce', params: { step: 'checkingPlatform' } },
      invoke: {
        id: 'checkPlatform',
        src: 'checkPlatform',
        input: ({ context }) => ({ switch: context.switch, stage: context.stage }),
        onDone: next('checkingPlatform'),
        onError: { target: 'failed', actions: assign({ failure: ({ event }) => failureOf('checkingPlatform', event.error) }) },
      },
    },
    checkpointing: {
      entry: { type: 'announce', params: { step: 'checkpointing' } },
      invoke: {
        id: 'checkpoint',
        src: 'checkpoint',
        input: ({ context }) => ({ switch: context.switch, stage: context.stage }),
        onDone: next('checkpointing'),
        onError: { target: 'failed', actions: assign({ failure: ({ event }) => failureOf('checkpointing', event.error) }) },
      },
    },
    linking: {
      entry: [{ type: 'announce', params: { step: 'linking' } }, assign({ changed: true })],
      invoke: {
        id: 'bringLinksUp',
        src: 'bringLinksUp',
        input: ({ context }) => ({ switch: context.switch, stage: context.stage }),
        onDone: next('linking', assign({ changed: ({ context, event }) => context.changed && event.output.written > 0, written: ({ context, event }) => context.written + event.output.written })),
        onError: { target: 'rollingBack', actions: assign({ failure: ({ event }) => failureOf('linking', event.error) }) },
      },
    },
    checkingCabling: {
      entry: { type: 'announce', params: { step: 'checkingCabling' } },
      invoke: { id: 'watchCabling', src: 'watchCabling', input: ({ context }) => ({ switch: context.switch, stage: context.stage }) },
      on: {
        'CABLING.SEEN': [
          { guard: and(['cablingOk', { type: 'wants', params: { stop: 'live' as const } }]), target: 'live', actions: assign({ cabling: ({ event }) => event.seen }) },
          { guard: 'cablingOk', target: 'done', actions: assign({ cabling: ({ event }) => event.seen }) },
        ],
      },
      after: {
        lldpBudget: fail(
          assign({
            failure: ({ context }) => ({
              step: 'checkingCabling' as const,
              code: context.cabling?.settled ? 'CABLING_MISMATCH' : 'LLDP_TIMEOUT',
              message: context.cabling ? `${context.cabling.settled ? '' : 'LLDP incomplete: '}${context.cabling.detail}` : 'nothing seen',
            }),
          }),
        ),
      },
      initial: 'watching',
      states: {
        watching: {
          on: {
            'CABLING.SEEN': [
              { guard: 'cablingWrong', target: 'confirming', actions: assign({ cabling: ({ event }) => event.seen }) },
              { guard: 'cablingPending', actions: assign({ cabling: ({ event }) => event.seen }) },
            ],
          },
        },
        // Every port answered and one is wrong. LLDP tables can hold a neighbour a little longer
        // than its link (SONiC's lldp_syncd reads lldpd every 10 s): the mismatch must stay the
        // same for cablingSettle before it counts as a miscabling.
        confirming: {
          on: {
            'CABLING.SEEN': [
              { guard: 'cablingWrong', target: 'confirming', reenter: true, actions: assign({ cabling: ({ event }) => event.seen }) },
              { guard: 'cablingPending', target: 'watching', actions: assign({ cabling: ({ event }) => event.seen }) },
            ],
          },
          after: { cablingSettle: fail(assign({ failure: ({ context }) => mismatch(context.cabling!) })) },
        },
      },
    },
    live: {
      // Existing sessions are watched from before the write until the gate passes.
      invoke: { id: 'watchExisting', src: 'watchExisting', input: ({ context }) => ({ switch: context.switch, stage: context.stage }) },
      on: {
        'SESSION.LOST': {
          target: '#switch.rollingBack',
          actions: assign({ failure: ({ event }) => ({ step: 'gating' as const, code: 'SESSION_LOST', message: `existing session ${event.peer} left Established: ${event.seen}` }) }),
        },
      },
      initial: 'applying',
      states: {
        applying: {
          entry: [{ type: 'announce', params: { step: 'applying' } }, assign({ changed: true })],
          invoke: {
            id: 'apply',
            src: 'apply',
            input: ({ context }) => ({ switch: context.switch, stage: context.stage }),
            onDone: [
              { guard: 'wantsGate', target: 'gating', actions: noteWrite },
              { target: '#switch.done', actions: noteWrite },
            ],
            onError: { target: '#switch.rollingBack', actions: assign({ failure: ({ event }) => failureOf('applying', event.error) }) },
          },
        },
        gating: {
          entry: { type: 'announce', params: { step: 'gating' } },
          invoke: { id: 'watchGate', src: 'watchGate', input: ({ context }) => ({ switch: context.switch, stage: context.stage }) },
          on: {
            'GATE.SEEN': { actions: assign({ gate: ({ event }) => event.seen }) },
            'GATE.PASSED': { target: '#switch.done' },
          },
          after: {
            gateBudget: fail(
              assign({
                failure: ({ context }) => ({
                  step: 'gating' as const,
                  code: 'GATE_TIMEOUT',
                  message: `gate not passed within ${context.budgets.gateMs} ms: ${context.gate ? `${context.gate.passed}/${context.gate.total} checks; ${context.gate.failing.slice(0, 5).join('; ')}` : 'nothing seen'}`,
                }),
              }),
            ),
          },
        },
      },
    },
    rollingBack: {
      entry: { type: 'announce', params: { step: 'rollingBack' } },
      invoke: {
        id: 'rollback',
        src: 'rollback',
        input: ({ context }) => ({ switch: context.switch, stage: context.stage }),
        onDone: { target: 'rolledBack', actions: assign({ notes: ({ context, event }) => [...context.notes, ...(event.output.notes ?? [])] }) },
        onError: {
          target: 'failed',
          actions: assign({
            notes: ({ context, event }) => [...context.notes, `ROLLBACK_FAILED: ${failureOf('rollingBack', event.error).message}`],
          }),
        },
      },
    },
    done: { type: 'final', entry: [{ type: 'announce', params: { step: 'done' } }, { type: 'finish', params: { result: 'done' } }] },
    failed: { type: 'final', entry: [{ type: 'announce', params: { step: 'failed' } }, { type: 'finish', params: { result: 'failed' } }] },
    rolledBack: { type: 'final', entry: [{ type: 'announce', params: { step: 'rolledBack' } }, { type: 'finish', params: { result: 'rolled-back' } }] },
  },
  output: ({ context }) => reportOf(context, context.result ?? 'failed'),
});

export type SwitchMachine = typeof switchMachine;
