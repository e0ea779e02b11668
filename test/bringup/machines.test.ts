// The bring-up machines on simulated time, every effect provided by the test: which steps run
// in which order, what is rolled back, and what a resumed run skips.
import { describe, expect, it } from 'vitest';
import { createActor, fromCallback, fromPromise, SimulatedClock, type EventObject } from 'xstate';
import { switchMachine } from '../../src/bringup/machines/switch.ts';
import type { EffectInput, ReachOutput, SwitchReport, SwitchStep } from '../../src/bringup/machines/types.ts';
import { rackScope, wholeFabric } from '../../src/bringup/scope.ts';
import { planStages } from '../../src/bringup/stages.ts';
import { compileDc1 } from './fabric.ts';
import { FakeWorld, flush } from './fake-effects.ts';

const budgets = { lldpMs: 30_000, gateMs: 60_000, cablingSettleMs: 5000 };
const dc1r3 = compileDc1(1);
const rackStages = planStages(dc1r3.intents, rackScope(dc1r3.intents, ['r3']), 8);
const input = { runId: 'run-1', stages: rackStages, budgets };
const first = (log: readonly string[], prefix: string) => log.findIndex((l) => l.startsWith(prefix));
const last = (log: readonly string[], prefix: string) => log.map((l, i) => (l.startsWith(prefix) ? i : -1)).reduce((a, b) => Math.max(a, b), -1);

describe('stages', () => {
  it('a rack: links, cabling, its leaves, then one spine at a time', () => {
    expect(rackStages.map((s) => [s.id, s.waves])).toEqual([
      ['links', [['spine1', 'spine2', 'leaf5', 'leaf6']]],
      ['cabling', [['spine1', 'spine2', 'leaf5', 'leaf6']]],
      ['leaves', [['leaf5', 'leaf6']]],
      ['spine spine1', [['spine1']]],
      ['spine spine2', [['spine2']]],
    ]);
    expect(rackStages.find((s) => s.id === 'cabling')!.undoes).toEqual(['links']);
    expect(rackStages.find((s) => s.id === 'spine spine1')!.steps.gate).toBe('sessions');
    expect(rackStages.find((s) => s.id === 'leaves')!.steps.gate).toBe('ready');
  });

  it('the whole fabric: spines, then leaves, in waves of --concurrency', () => {
    const dc1 = compileDc1(0);
    const stages = planStages(dc1.intents, wholeFabric(), 3);
    expect(stages.map((s) => [s.id, s.waves])).toEqual([
      ['links', [['spine1', 'spine2', 'leaf1'], ['leaf2', 'leaf3', 'leaf4']]],
      ['cabling', [['spine1', 'spine2', 'leaf1'], ['leaf2', 'leaf3', 'leaf4']]],
      ['spines', [['spine1', 'spine2']]],
      ['leaves 1/2', [['leaf1', 'leaf2', 'leaf3']]],
      ['leaves 2/2', [['leaf4']]],
    ]);
  });
});

describe('run machine', () => {
  it('success: every step in order, the next spine only after the previous spine passed its gate', async () => {
    const w = new FakeWorld();
    const r = await w.run(input);
    expect(r.output).toEqual({ result: 'done' });
    const log = w.log;
    // Nothing is checked for cabling before every link is up; nothing applied before cabling passed.
    expect(last(log, 'links')).toBeLessThan(first(log, 'cabling'));
    expect(last(log, 'cabling')).toBeLessThan(first(log, 'apply'));
    // Leaves first, then spine1, then spine2, each after the previous gate.
    expect(log.some((l) => l.startsWith('gate passed leaf6 [leaves]'))).toBe(true);
    expect(last(log, 'gate passed leaf')).toBeLessThan(first(log, 'apply spine1'));
    expect(first(log, 'gate passed spine1')).toBeLessThan(first(log, 'apply spine2'));
    expect(log.filter((l) => l.startsWith('rollback') || l.startsWith('stage rollback'))).toEqual([]);
    expect(Object.values(r.snapshot.context.status)).toEqual(['passed', 'passed', 'passed', 'passed', 'passed']);
  });

  it('cabling mismatch: stops before any BGP change and rolls the links back on every switch', async () => {
    const detail = 'leaf5 Ethernet120: intended spine1 Ethernet16, seen spine2 Ethernet16; leaf5 Ethernet124: intended spine2 Ethernet16, seen spine1 Ethernet16';
    const w = new FakeWorld({ cabling: new Map([['leaf5', { ok: false, settled: true, detail }]]) });
    const r = await w.run(input);
    expect(r.output?.result).toBe('rolled-back');
    expect(r.output?.failure).toContain('CABLING_MISMATCH: leaf5 Ethernet120: intended spine1 Ethernet16, seen spine2 Ethernet16');
    expect(w.log.filter((l) => l.startsWith('apply'))).toEqual([]);
    expect(w.log.filter((l) => l.startsWith('stage rollback')).sort()).toEqual(['stage rollback leaf5', 'stage rollback leaf6', 'stage rollback spine1', 'stage rollback spine2']);
    expect(r.snapshot.context.status).toMatchObject({ links: 'rolled-back', cabling: 'failed', leaves: 'pending' });
    // A settled mismatch waits only until it has held for cablingSettle, not for the LLDP budget.
    expect(w.clock.now()).toBeGreaterThanOrEqual(6_000);
    expect(w.clock.now()).toBeLessThan(10_000);
  });

  it('a stale LLDP neighbour that is replaced within the settle time is not a miscabling', async () => {
    const wrong = { ok: false, settled: true, detail: 'leaf5 Ethernet120: intended spine1 Ethernet16, seen spine2 Ethernet16' };
    const w = new FakeWorld({ cablingOverTime: new Map([['leaf5', [{ at: 500, seen: wrong }, { at: 3000, seen: { ok: true, settled: true, detail: '' } }]]]) });
    const r = await w.run(input);
    expect(r.output).toEqual({ result: 'done' });
  });

  it('LLDP that never completes fails after its budget, naming what is missing', async () => {
    const w = new FakeWorld({ cabling: new Map([['leaf6', { ok: false, settled: false, detail: 'leaf6 Ethernet124: intended spine2 Ethernet20, seen no LLDP neighbour' }]]) });
    const r = await w.run(input);
    expect(r.output?.result).toBe('rolled-back');
    expect(r.output?.failure).toContain('LLDP_TIMEOUT: LLDP incomplete: leaf6 Ethernet124');
    expect(w.clock.now()).toBeGreaterThanOrEqual(30_000);
  });

  it('unreachable switch: the switches of its wave that wrote are rolled back; nothing written, nothing to undo', async () => {
    const w = new FakeWorld({ unreachable: new Set(['spine2']) });
    const r = await w.run(input);
    expect(r.output?.result).toBe('rolled-back');
    expect(r.output?.failure).toContain('spine2 failed (UNREACHABLE');
    expect(w.log.filter((l) => l.startsWith('stage rollback')).sort()).toEqual(['stage rollback leaf5', 'stage rollback leaf6', 'stage rollback spine1']);

    const alone = new FakeWorld({ unreachable: new Set(['spine1']) });
    const one = planStages(dc1r3.intents, rackScope(dc1r3.intents, ['r3']), 1);
    const r2 = await alone.run({ ...input, stages: one });
    expect(r2.output?.result).toBe('failed'); // exit 1: an error, nothing was changed
    expect(alone.log.filter((l) => l.includes('rollback'))).toEqual([]);
    expect(alone.log.filter((l) => l.startsWith('links'))).toEqual([]);
  });

  it('platform mismatch: fails before any write', async () => {
    const w = new FakeWorld({ platformWrong: new Set(['leaf5']) });
    const r = await w.run({ ...input, stages: planStages(dc1r3.intents, rackScope(dc1r3.intents, ['r3']), 1) });
    expect(r.output?.result).toBe('rolled-back'); // spine1 and spine2 wrote in earlier waves of links
    expect(r.output?.failure).toContain('leaf5 failed (PLATFORM_MISMATCH');
    expect(w.log).not.toContain('links leaf5 [links]');
  });

  it('gate timeout on the second spine: that spine rolls back, the passed stages stay, the run stops', async () => {
    const w = new FakeWorld({ gateMs: new Map([['spine2', Infinity]]) });
    const r = await w.run(input);
    expect(r.output?.result).toBe('rolled-back');
    expect(r.output?.failure).toContain('spine2 rolled-back (GATE_TIMEOUT: gate not passed within 60000 ms: 0/2 checks; spine2: session 10.1.0.1 Established: state=Connect)');
    expect(w.log.filter((l) => l.includes('rollback'))).toEqual(['rollback spine2 [spine spine2]']);
    expect(r.snapshot.context.status).toEqual({ links: 'passed', cabling: 'passed', leaves: 'passed', 'spine spine1': 'passed', 'spine spine2': 'rolled-back' });
  });

  it('an existing session leaving Established during the gate rolls the spine back at once', async () => {
    const w = new FakeWorld({ loseSessionAt: new Map([['spine1', 500]]), gateMs: new Map([['spine1', 10_000]]) });
    const r = await w.run(input);
    expect(r.output?.result).toBe('rolled-back');
    expect(r.output?.failure).toContain('SESSION_LOST: existing session 10.1.0.1 (leaf1) left Established: state=Idle');
    expect(w.log.filter((l) => l.startsWith('apply spine2'))).toEqual([]);
    expect(w.clock.now()).toBeLessThan(10_000);
  });

  it('a failed write rolls back; a failed rollback makes the run fail (exit 1), not "rolled back"', async () => {
    const w = new FakeWorld({ applyFails: new Set(['leaf6']) });
    const r = await w.run(input);
    expect(r.output?.result).toBe('rolled-back');
    expect(w.log.filter((l) => l.includes('rollback')).sort()).toEqual(['rollback leaf6 [leaves]', 'stage rollback leaf5']);

    const w2 = new FakeWorld({ applyFails: new Set(['leaf6']), rollbackFails: new Set(['leaf6']) });
    const r2 = await w2.run(input);
    expect(r2.output?.result).toBe('failed');
  });

  it('resume after a crash: passed stages are skipped, the interrupted one runs again from its start', async () => {
    const w = new FakeWorld();
    const crashed = await w.run(input, { stopAt: (log) => log.some((l) => l.startsWith('apply spine1')) });
    expect(crashed.crashed).toBe(true);
    const ctx = crashed.snapshot.context;
    const passed = Object.entries(ctx.status).filter(([, s]) => s === 'passed').map(([id]) => id);
    expect(passed).toEqual(['links', 'cabling', 'leaves']);

    const again = new FakeWorld();
    const r = await again.run({ ...input, resume: { passed, touched: ctx.touched } });
    expect(r.output).toEqual({ result: 'done' });
    expect(again.log.filter((l) => l.startsWith('reach')).map((l) => l.split(' [')[0])).toEqual(['reach spine1', 'reach spine2']);
    // A failure after resuming still rolls back what the first attempt wrote in the failing stage.
    const bad = new FakeWorld({ gateMs: new Map([['spine1', Infinity]]) });
    const r2 = await bad.run({ ...input, resume: { passed, touched: ctx.touched } });
    expect(r2.output?.result).toBe('rolled-back');
    expect(bad.log.filter((l) => l.includes('rollback'))).toEqual(['rollback spine1 [spine spine1]']);
  });

  it('switches with nothing to change pass through without writing; their gate still runs', async () => {
    const w = new FakeWorld({ unchanged: new Set(['spine1', 'spine2', 'leaf5', 'leaf6']) });
    const r = await w.run(input);
    expect(r.output?.result).toBe('done');
    expect(r.snapshot.context.touched).toEqual([]);
    expect(w.log.filter((l) => l.startsWith('gate ') && !l.startsWith('gate passed')).length).toBe(4);
  });
});

describe('switch machine alone', () => {
  function runSwitch(steps: Partial<(typeof rackStages)[number]['steps']>, w: FakeWorld) {
    const seen: SwitchStep[] = [];
    let report: SwitchReport | undefined;
    const m = switchMachine.provide({
      actors: w.actors(),
      actions: {
        announce: (_, p: { step: SwitchStep }) => void seen.push(p.step),
        finish: ({ context }) => void (report = { switch: context.switch, stage: context.stage, result: 'done', changed: context.changed, notes: context.notes, ...(context.failure ? { failure: context.failure } : {}) }),
      },
    });
    const full = { platform: true, checkpoint: true, links: true, cabling: true, apply: true, gate: 'sessions' as const, ...steps };
    const actor = createActor(m, { input: { switch: 'leaf5', stage: 's', steps: full, budgets }, clock: w.clock });
    actor.start();
    return {
      seen,
      actor,
      report: () => report,
      async settle() {
        for (let i = 0; i < 2000 && actor.getSnapshot().status === 'active'; i++) {
          await flush();
          w.clock.increment(100);
        }
      },
    };
  }

  it('all steps: the issue\'s sequence', async () => {
    const s = runSwitch({}, new FakeWorld());
    await s.settle();
    expect(s.seen).toEqual(['reaching', 'checkingPlatform', 'checkpointing', 'linking', 'checkingCabling', 'applying', 'gating', 'done']);
  });

  it('a cabling mismatch after links were written rolls back; none is needed before any write', async () => {
    const bad = { ok: false, settled: true, detail: 'leaf5 Ethernet120: intended spine1 Ethernet16, seen spine2 Ethernet16' };
    const s = runSwitch({}, new FakeWorld({ cabling: new Map([['leaf5', bad]]) }));
    await s.settle();
    expect(s.seen).toEqual(['reaching', 'checkingPlatform', 'checkpointing', 'linking', 'checkingCabling', 'rollingBack', 'rolledBack']);
    const c = runSwitch({ platform: false, checkpoint: false, links: false }, new FakeWorld({ cabling: new Map([['leaf5', bad]]) }));
    await c.settle();
    expect(c.seen).toEqual(['reaching', 'checkingCabling', 'failed']);
    expect(c.report()?.failure).toEqual({ step: 'checkingCabling', code: 'CABLING_MISMATCH', message: bad.detail });
  });

  it('unreachable: failed at once, nothing rolled back', async () => {
    const s = runSwitch({}, new FakeWorld({ unreachable: new Set(['leaf5']) }));
    await s.settle();
    expect(s.seen).toEqual(['reaching', 'failed']);
    expect(s.report()?.failure?.code).toBe('UNREACHABLE');
  });

  it('the gate budget is the machine\'s own delay, on the actor clock', async () => {
    const w = new FakeWorld({ gateMs: new Map([['leaf5', Infinity]]) });
    const s = runSwitch({}, w);
    for (let i = 0; i < 20; i++) {
      await flush();
      w.clock.increment(1000);
    }
    expect(s.actor.getSnapshot().value).toEqual({ live: 'gating' });
    await s.settle();
    expect(s.seen.slice(-2)).toEqual(['rollingBack', 'rolledBack']);
    expect(s.report()?.failure?.code).toBe('GATE_TIMEOUT');
  });

  it('events a callback effect sends after its state was left are ignored', async () => {
    let late: ((e: EventObject) => void) | undefined;
    const w = new FakeWorld();
    const m = switchMachine.provide({
      actors: { ...w.actors(), watchGate: fromCallback(({ sendBack }) => { late = sendBack; sendBack({ type: 'GATE.PASSED' }); }), reach: fromPromise<ReachOutput, EffectInput>(async () => ({ endpoint: 'x', flavour: 'sonic', changes: 1, left: 0 })) },
      actions: { announce: () => {}, finish: () => {} },
    });
    const actor = createActor(m, { input: { switch: 'leaf5', stage: 's', steps: { platform: false, checkpoint: false, links: false, cabling: false, apply: true, gate: 'ready' }, budgets }, clock: new SimulatedClock() });
    actor.start();
    await flush();
    expect(actor.getSnapshot().value).toBe('done');
    late?.({ type: 'GATE.PASSED' });
    expect(actor.getSnapshot().status).toBe('done');
  });
});
