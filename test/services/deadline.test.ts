// Every switch operation has a deadline (issue 13, item 1), on in-memory switches and an
// injected clock: a switch that stops answering (paused, as a SIGSTOPped redis) fails in time
// as "state unknown", is never called restored, and the others finish.
import { describe, expect, it } from 'vitest';
import { applyFabric } from '../../src/services/apply.ts';
import { hasWork, planFabric } from '../../src/services/plan.ts';
import { rollbackFabric } from '../../src/services/rollback.ts';
import type { ActionEvent } from '../../src/services/switch/run.ts';
import { deadline, emptyResult, runActions } from '../../src/services/switch/run.ts';
import type { Clock } from '../../src/services/watch-kit.ts';
import { memoryFabric } from '../support/memory-fabric.ts';

/** A clock that moves only when told. */
function manualClock() {
  let t = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  let next = 1;
  const clock: Clock & { advance(ms: number): void; pending(): number } = {
    now: () => t,
    setTimeout: (fn, ms) => {
      timers.set(next, { at: t + ms, fn });
      return next++;
    },
    clearTimeout: (h) => void timers.delete(h as number),
    advance: (ms) => {
      t += ms;
      for (const [h, timer] of [...timers].sort(([, a], [, b]) => a.at - b.at)) {
        if (timer.at > t) continue;
        timers.delete(h);
        timer.fn();
      }
    },
    pending: () => timers.size,
  };
  return clock;
}

/** Resolves once the predicate holds (polled on real time; the clock under test is manual). */
async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (ok()) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`never: ${what}`);
}

describe('the deadline of a switch operation', () => {
  it('a transaction the switch never answers fails at the deadline as state unknown; the switch applies it later, whole', async () => {
    const { session, switches } = await memoryFabric();
    const plan = (await planFabric(session)).find((p) => p.switch === 'leaf1')!;
    const leaf1 = switches.get('leaf1')!.transport;
    leaf1.pause();
    const clock = manualClock();
    const within = deadline(5000, clock);
    const r = emptyResult('sonic');
    const link = await session.link('leaf1');
    const running = runActions(link, [{ kind: 'write', changes: plan.changes, readBack: { kind: 'written' }, record: { kind: 'written', desired: session.desired.get('leaf1')! } }], { state: session.state, flavour: 'sonic', signal: within.signal, clock }, r);
    running.catch(() => undefined);
    clock.advance(4999);
    await new Promise((res) => setTimeout(res, 5));
    expect(r.unknown).toBeUndefined();
    clock.advance(1);
    await expect(running).rejects.toThrow('leaf1 (memory:leaf1): state unknown: transaction sent, no reply before the deadline of 5000 ms passed: it may still be applied, whole, when the switch answers again');
    expect(r.sent).toBe(true);
    expect(r.unknown).toMatch(/^leaf1 \(memory:leaf1\): state unknown: transaction sent/);
    expect(clock.pending()).toBe(0);
    // Why it is unknown and not "nothing applied": the paused switch runs it once it answers.
    expect(leaf1.dbs.CONFIG_DB.get('DEVICE_METADATA|localhost')?.bgp_asn).toBeUndefined();
    leaf1.resume();
    await until('the late transaction to land', () => leaf1.dbs.CONFIG_DB.get('DEVICE_METADATA|localhost')?.bgp_asn === '65101');
  });

  it('apply: the hung switch fails as state unknown and is not restored; the five others are applied', async () => {
    const { session, switches } = await memoryFabric();
    const plans = await planFabric(session);
    const leaf2 = switches.get('leaf2')!.transport;
    leaf2.pause();
    const clock = manualClock();
    const events: ActionEvent[] = [];
    const run = applyFabric(session, plans, { timeoutMs: 60_000, clock, onEvent: (e) => events.push(e) });
    const othersDone = () => ['spine1', 'spine2', 'leaf1', 'leaf3', 'leaf4'].every((s) => events.some((e) => e.switch === s && e.action === 'configure-frr'));
    await until('the other switches to finish and leaf2 to send its write', () => othersDone() && events.some((e) => e.switch === 'leaf2' && e.action === 'write' && e.phase === 'start'));
    clock.advance(60_000);
    const outcomes = await run;
    const hung = outcomes.find((o) => o.switch === 'leaf2')!;
    expect(hung).toMatchObject({ status: 'failed', restored: false, state: 'unknown' });
    expect(hung.error).toEqual({ code: 'TIMEOUT', message: 'leaf2 (memory:leaf2): state unknown: transaction sent, no reply before the deadline of 60000 ms passed: it may still be applied, whole, when the switch answers again' });
    expect(hung.notes).toContain('not restored: the switch may still apply the transaction; `clos plan` reads what it holds, `clos rollback --switch leaf2` puts the checkpoint back');
    expect(outcomes.filter((o) => o.switch !== 'leaf2').map((o) => o.status)).toEqual(Array(5).fill('applied'));
    // No restore was attempted: the only leaf2 actions are the checkpoint and the write.
    expect(events.filter((e) => e.switch === 'leaf2' && e.phase === 'start').map((e) => e.action)).toEqual(['checkpoint', 'write']);
    expect(clock.pending()).toBe(0);
    // A failed run keeps its checkpoint (no pruning).
    expect(session.state.checkpointIds()).toHaveLength(1);
  });

  it('the routing restart a hung first bring-up needed is owed: once the switch answers, plan says so and apply gives it', async () => {
    const { session, switches } = await memoryFabric();
    const leaf2 = switches.get('leaf2')!;
    const first = await planFabric(session, new Set(['leaf2']));
    leaf2.transport.pause();
    const clock = manualClock();
    const events: ActionEvent[] = [];
    const run = applyFabric(session, first, { timeoutMs: 60_000, clock, onEvent: (e) => events.push(e) });
    await until('leaf2 to send its write', () => events.some((e) => e.switch === 'leaf2' && e.action === 'write' && e.phase === 'start'));
    clock.advance(60_000);
    expect((await run)[0]).toMatchObject({ status: 'failed', state: 'unknown' });
    expect(session.state.owed('leaf2').restart).toBe('routing service restarted: first bring-up');
    leaf2.transport.resume();
    await until('the late transaction to land', () => leaf2.transport.dbs.CONFIG_DB.get('DEVICE_METADATA|localhost')?.bgp_asn === '65102');
    // CONFIG_DB now matches: only the owed restart is left, and plan says so.
    const [plan] = await planFabric(session, new Set(['leaf2']));
    expect(plan).toMatchObject({ changes: [], impact: 'restart', restartOwed: 'routing service restarted: first bring-up' });
    leaf2.commands.length = 0;
    const [o] = await applyFabric(session, [plan!]);
    expect(o).toMatchObject({ status: 'applied', restarted: true });
    expect(leaf2.commands.map((c) => c.join(' '))).toContain('systemctl restart bgp');
    expect(session.state.owed('leaf2')).toEqual({});
    expect(hasWork((await planFabric(session, new Set(['leaf2'])))[0]!)).toBe(false);
  });

  it('a restore after a failure has its own deadline and says "restore failed: state unknown"', async () => {
    const { session, switches } = await memoryFabric();
    const plans = await planFabric(session);
    const leaf3 = switches.get('leaf3')!.transport;
    leaf3.failNextApply = 'READONLY You can\'t write against a read only replica.';
    const clock = manualClock();
    let restoring = false;
    const run = applyFabric(session, plans, {
      timeoutMs: 2000,
      clock,
      onEvent: (e) => {
        // The switch stops answering right after its write was refused: the restore hangs.
        if (e.switch === 'leaf3' && e.action === 'write' && e.phase === 'failed') leaf3.pause();
        if (e.switch === 'leaf3' && e.action === 'restore' && e.phase === 'start') restoring = true;
      },
    });
    await until('leaf3 restoring', () => restoring);
    clock.advance(2000);
    const o = (await run).find((x) => x.switch === 'leaf3')!;
    expect(o).toMatchObject({ status: 'failed', restored: false, state: 'unknown', error: { code: 'REJECTED' } });
    expect(o.notes).toContain('restore failed: state unknown: leaf3 (memory:leaf3): restore did not finish: the deadline of 2000 ms passed');
  });

  it('a switch refused before its transaction was sent is as before, not unknown', async () => {
    const { session, switches } = await memoryFabric();
    const plans = await planFabric(session);
    switches.get('leaf4')!.transport.reachable = false;
    const o = (await applyFabric(session, plans)).find((x) => x.switch === 'leaf4')!;
    expect(o).toMatchObject({ status: 'failed', state: 'as-before' });
  });

  it('rollback: a switch that stops answering fails at the deadline as state unknown, the others are restored', async () => {
    const { session, switches } = await memoryFabric();
    await applyFabric(session, await planFabric(session));
    switches.get('spine1')!.transport.pause();
    const outcomes = await rollbackFabric(session, { timeoutMs: 300 });
    const hung = outcomes.find((o) => o.switch === 'spine1')!;
    expect(hung.status).toBe('failed');
    expect(hung.error?.message).toBe('spine1 (memory:spine1): restore did not finish: the deadline of 300 ms passed');
    expect(outcomes.filter((o) => o.switch !== 'spine1').map((o) => o.status)).toEqual(Array(5).fill('restored'));
  });
});
