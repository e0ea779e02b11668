// Effects for machine tests: every effect of the bring-up machines replaced through
// `.provide()`, time on a SimulatedClock, and a log of what was done in which order.
import { createActor, fromCallback, fromPromise, SimulatedClock, type EventObject } from 'xstate';
import { runMachine, type RollbackOutput, type RunInput, type RunOutput } from '../../src/bringup/machines/run.ts';
import { switchMachine } from '../../src/bringup/machines/switch.ts';
import type { CablingSeen, EffectInput, ReachOutput, WriteOutput } from '../../src/bringup/machines/types.ts';

export interface Behaviour {
  unreachable?: Set<string>;
  platformWrong?: Set<string>;
  /** Switch → what LLDP shows (default: correct, 1 s after the watch starts). */
  cabling?: Map<string, CablingSeen>;
  /** Switch → what LLDP shows over time (ms after the watch starts). */
  cablingOverTime?: Map<string, { at: number; seen: CablingSeen }[]>;
  /** Switch → ms until its gate passes (default 2000; Infinity: never). */
  gateMs?: Map<string, number>;
  /** Switch → ms after the write when an existing session drops. */
  loseSessionAt?: Map<string, number>;
  applyFails?: Set<string>;
  rollbackFails?: Set<string>;
  /** Switches with nothing left to change. */
  unchanged?: Set<string>;
}

export class FakeWorld {
  readonly clock = new SimulatedClock();
  readonly log: string[] = [];
  constructor(readonly b: Behaviour = {}) {}

  private at(): string {
    return `t=${this.clock.now()}`;
  }

  private note(what: string, input: EffectInput): void {
    this.log.push(`${what} ${input.switch} [${input.stage}]`);
  }

  actors() {
    const b = this.b;
    const clock = this.clock;
    const fail = (code: string, message: string) => Object.assign(new Error(message), { code });
    return {
      reach: fromPromise<ReachOutput, EffectInput>(async ({ input }) => {
        this.note('reach', input);
        if (b.unreachable?.has(input.switch)) throw fail('UNREACHABLE', `${input.switch} (redis 127.0.0.1:6379): cannot connect`);
        return { endpoint: `fake:${input.switch}`, flavour: 'sonic', changes: b.unchanged?.has(input.switch) ? 0 : 3, left: 0 };
      }),
      checkPlatform: fromPromise<void, EffectInput>(async ({ input }) => {
        this.note('platform', input);
        if (b.platformWrong?.has(input.switch)) throw fail('PLATFORM_MISMATCH', `${input.switch}: hwsku is Mellanox-SN2700, intended Force10-S6000`);
      }),
      checkpoint: fromPromise<void, EffectInput>(async ({ input }) => this.note('checkpoint', input)),
      bringLinksUp: fromPromise<WriteOutput, EffectInput>(async ({ input }) => {
        this.note('links', input);
        return { written: b.unchanged?.has(input.switch) ? 0 : 2 };
      }),
      watchCabling: fromCallback<EventObject, EffectInput>(({ input, sendBack }) => {
        this.note('cabling', input);
        const seen = b.cabling?.get(input.switch) ?? { ok: true, settled: true, detail: '' };
        const steps = b.cablingOverTime?.get(input.switch) ?? [{ at: 1000, seen }];
        const hs = steps.map((st) => clock.setTimeout(() => sendBack({ type: 'CABLING.SEEN', seen: st.seen }), st.at));
        return () => hs.forEach((h) => clock.clearTimeout(h));
      }),
      apply: fromPromise<WriteOutput, EffectInput>(async ({ input }) => {
        this.note('apply', input);
        if (b.applyFails?.has(input.switch)) throw fail('REJECTED', `${input.switch}: command 3 of the transaction failed`);
        return { written: b.unchanged?.has(input.switch) ? 0 : 1 };
      }),
      watchGate: fromCallback<EventObject, EffectInput>(({ input, sendBack }) => {
        this.note('gate', input);
        const ms = b.gateMs?.get(input.switch) ?? 2000;
        sendBack({ type: 'GATE.SEEN', seen: { passed: 0, total: 2, failing: [`${input.switch}: session 10.1.0.1 Established: state=Connect`] } });
        if (!Number.isFinite(ms)) return () => {};
        const h = clock.setTimeout(() => {
          this.log.push(`gate passed ${input.switch} [${input.stage}] ${this.at()}`);
          sendBack({ type: 'GATE.PASSED' });
        }, ms);
        return () => clock.clearTimeout(h);
      }),
      watchExisting: fromCallback<EventObject, EffectInput>(({ input, sendBack }) => {
        const ms = b.loseSessionAt?.get(input.switch);
        if (ms === undefined) return () => {};
        const h = clock.setTimeout(() => sendBack({ type: 'SESSION.LOST', peer: '10.1.0.1 (leaf1)', seen: 'state=Idle' }), ms);
        return () => clock.clearTimeout(h);
      }),
      rollback: fromPromise<WriteOutput, EffectInput>(async ({ input }) => {
        this.note('rollback', input);
        if (b.rollbackFails?.has(input.switch)) throw fail('UNREACHABLE', `${input.switch}: gone`);
        return { written: 1 };
      }),
    };
  }

  runMachine() {
    return runMachine.provide({
      actors: {
        switchMachine: switchMachine.provide({ actors: this.actors() }),
        rollbackSwitches: fromPromise<RollbackOutput, { switches: readonly string[] }>(async ({ input }) => {
          for (const s of input.switches) this.log.push(`stage rollback ${s}`);
          const failed = input.switches.filter((s) => this.b.rollbackFails?.has(s)).map((s) => ({ switch: s, message: 'gone' }));
          return { restored: input.switches.filter((s) => !this.b.rollbackFails?.has(s)), failed };
        }),
      },
    });
  }

  /** Runs to the end on simulated time (or until `stopAt` says stop: a crash). */
  async run(input: RunInput, opts: { stopAt?: (log: readonly string[]) => boolean; stepMs?: number; limitMs?: number } = {}) {
    const actor = createActor(this.runMachine(), { input, clock: this.clock });
    let output: RunOutput | undefined;
    actor.subscribe({ complete: () => (output = actor.getSnapshot().output) });
    actor.start();
    const limit = opts.limitMs ?? 600_000;
    while (!output && this.clock.now() < limit) {
      await flush();
      if (opts.stopAt?.(this.log)) {
        actor.stop();
        return { output: undefined, snapshot: actor.getSnapshot(), crashed: true };
      }
      if (output) break;
      this.clock.increment(opts.stepMs ?? 100);
    }
    await flush();
    return { output, snapshot: actor.getSnapshot(), crashed: false };
  }
}

export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
}
