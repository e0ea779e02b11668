// Every state of both machines is reachable (xstate's graph utilities walk the machines with
// the events their effects can send), and no machine file imports a transport.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { getShortestPaths, getStateNodes } from '@xstate/graph';
import { describe, expect, it } from 'vitest';
import type { AnyStateMachine, EventObject } from 'xstate';
import { progressKey, runMachine, type RunContext } from '../../src/bringup/machines/run.ts';
import { switchMachine } from '../../src/bringup/machines/switch.ts';
import type { SwitchReport } from '../../src/bringup/machines/types.ts';
import type { StageSpec, Steps } from '../../src/bringup/stages.ts';

const budgets = { lldpMs: 1000, gateMs: 1000, cablingSettleMs: 500 };

/** Ids of the states the traversal reached (every ancestor of each reached leaf state). */
function reached(machine: AnyStateMachine, input: unknown, events: EventObject[] | ((s: never) => EventObject[])): Set<string> {
  const paths = getShortestPaths(machine, { input, events, limit: 5000 } as never);
  const ids = new Set<string>();
  for (const p of paths) for (const n of (p.state as unknown as { _nodes: { id: string }[] })._nodes) ids.add(n.id);
  return ids;
}

function allStates(machine: AnyStateMachine): string[] {
  return getStateNodes(machine.root).map((n) => n.id);
}

const done = (id: string, output: unknown = undefined) => ({ type: `xstate.done.actor.${id}`, output }) as EventObject;
const error = (id: string) => ({ type: `xstate.error.actor.${id}`, error: Object.assign(new Error('x'), { code: 'X' }) }) as EventObject;
const after = (delay: string, state: string) => ({ type: `xstate.after.${delay}.${state}` }) as EventObject;

describe('switch machine: every state reachable', () => {
  const events: EventObject[] = [
    done('reach', { endpoint: 'e', flavour: 'sonic', changes: 1, left: 0 }),
    error('reach'),
    done('checkPlatform'),
    error('checkPlatform'),
    done('checkpoint'),
    error('checkpoint'),
    done('bringLinksUp', { written: 1 }),
    error('bringLinksUp'),
    { type: 'CABLING.SEEN', seen: { ok: true, settled: true, detail: '' } } as EventObject,
    { type: 'CABLING.SEEN', seen: { ok: false, settled: true, detail: 'x' } } as EventObject,
    { type: 'CABLING.SEEN', seen: { ok: false, settled: false, detail: 'x' } } as EventObject,
    after('lldpBudget', 'switch.checkingCabling'),
    after('cablingSettle', 'switch.checkingCabling.confirming'),
    done('apply', { written: 1 }),
    error('apply'),
    { type: 'GATE.SEEN', seen: { passed: 1, total: 2, failing: ['x'] } } as EventObject,
    { type: 'GATE.PASSED' },
    after('gateBudget', 'switch.live.gating'),
    { type: 'SESSION.LOST', peer: 'p', seen: 's' } as EventObject,
    done('rollback', { written: 1 }),
    error('rollback'),
  ];
  const all: Steps = { platform: true, checkpoint: true, links: true, cabling: true, apply: true, gate: 'sessions' };
  const inputs: Steps[] = [
    all,
    { ...all, gate: 'none' },
    { platform: false, checkpoint: false, links: false, cabling: true, apply: false, gate: 'none' },
  ];
  const machine = switchMachine.provide({ actions: { announce: () => {}, finish: () => {} } });

  it('covers every state node', () => {
    const seen = new Set<string>();
    for (const steps of inputs) for (const id of reached(machine, { switch: 'leaf5', stage: 's', steps, budgets }, events)) seen.add(id);
    expect(allStates(machine).filter((id) => !seen.has(id))).toEqual([]);
  });
});

describe('run machine: every state reachable', () => {
  const stages: StageSpec[] = [
    { id: 'links', kind: 'links', waves: [['a'], ['b']], steps: { platform: true, checkpoint: true, links: true, cabling: false, apply: false, gate: 'none' }, undoes: [], why: '' },
    { id: 'cabling', kind: 'cabling', waves: [['a', 'b']], steps: { platform: false, checkpoint: false, links: false, cabling: true, apply: false, gate: 'none' }, undoes: ['links'], why: '' },
  ];
  const report = (stage: string, sw: string, result: SwitchReport['result'], changed: boolean): EventObject =>
    ({ type: 'SWITCH.FINISHED', report: { switch: sw, stage, result, changed, notes: [] } }) as EventObject;
  /** What the run can be told now: each switch of the running wave that has not finished yet
   *  finishes in every way a switch machine can end; a rollback ends well or badly. */
  const events = (snap: { value: unknown; context: RunContext }): EventObject[] => {
    const c = snap.context;
    if (snap.value === 'rollingBack') {
      return [done('rollbackSwitches', { restored: ['a'], failed: [] }), done('rollbackSwitches', { restored: [], failed: [{ switch: 'a', message: 'x' }] }), error('rollbackSwitches')];
    }
    if (snap.value !== 'stage') return [];
    const stage = c.stages[c.index]!;
    const open = (stage.waves[c.wave] ?? []).filter((s) => !c.switches[progressKey(stage.id, s)]?.report);
    return open.flatMap((s) => [
      { type: 'SWITCH.STEP', stage: stage.id, switch: s, step: 'reaching' } as EventObject,
      report(stage.id, s, 'done', stage.steps.links),
      report(stage.id, s, 'failed', false),
      report(stage.id, s, 'failed', true),
      report(stage.id, s, 'rolled-back', true),
    ]);
  };
  // The traversal only steps the parent: spawned switch machines are replaced by do-nothing ones.
  const machine = runMachine.provide({ actors: { switchMachine: switchMachine.provide({ actors: {}, actions: { announce: () => {}, finish: () => {} } }) } });

  it('covers every state node', () => {
    const seen = new Set<string>();
    for (const input of [
      { runId: 'r', stages, budgets },
      { runId: 'r', stages, budgets, resume: { passed: ['links'], touched: ['a', 'b'] } },
    ]) {
      for (const id of reached(machine, input, events as never)) seen.add(id);
    }
    expect(allStates(machine).filter((id) => !seen.has(id))).toEqual([]);
  });
});

describe('the stages, scope and gates of a bring-up are pure', () => {
  const dir = new URL('../../src/bringup', import.meta.url).pathname;
  for (const f of ['scope.ts', 'stages.ts', 'gates.ts']) {
    it(f, () => {
      const text = readFileSync(join(dir, f), 'utf8');
      const imports = [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
      expect(imports.filter((i) => !i.startsWith('../core/') && !i.startsWith('./'))).toEqual([]);
      expect(text).not.toMatch(/\bconsole\.|Date\.now\(|new Date\(|process\./);
    });
  }
});

describe('src/bringup/machines imports no transport', () => {
  const dir = new URL('../../src/bringup/machines', import.meta.url).pathname;
  const FORBIDDEN = /^(ioredis|@grpc\/|protobufjs|fastify|pino|node:|fs|net|child_process)|\/(transport|services|lab|io|inventory)\/|\.\.\/effects/;
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  it('has machines to check', () => expect(files.length).toBeGreaterThanOrEqual(3));
  for (const f of files) {
    it(f, () => {
      const text = readFileSync(join(dir, f), 'utf8');
      const imports = [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
      expect(imports.filter((i) => FORBIDDEN.test(i))).toEqual([]);
      expect(text).not.toMatch(/\bconsole\.|Date\.now\(|new Date\(|process\.|setTimeout\(/);
    });
  }
});
