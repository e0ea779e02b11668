// The switch-operation engine: the action lists (restart rule, flavour fallback, scope) and
// the executor's observer and abort, on in-memory switches behind the real services.
import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/core/diff/diff.ts';
import { applyFabric } from '../../src/services/apply.ts';
import { hasWork, planFabric } from '../../src/services/plan.ts';
import { rollbackFabric } from '../../src/services/rollback.ts';
import { restartReason, restoreActions, restoreTouchesStatic, writeActions } from '../../src/services/switch/actions.ts';
import { runActions, type ActionEvent } from '../../src/services/switch/run.ts';
import { MemoryTransport } from '../../src/transport/memory.ts';
import type { Transport } from '../../src/transport/transport.ts';
import { memoryFabric } from '../support/memory-fabric.ts';

const change = (key: string, impact: Change['impact'] = 'none'): Change => ({ op: 'add', key, set: { a: '1' }, after: { a: '1' }, impact });

describe('switch actions', () => {
  it('writes, then restarts on a first bring-up; a plan that has legacy-vs configures FRR only when it lacks something', async () => {
    const { session } = await memoryFabric();
    const [plan] = await planFabric(session, new Set(['leaf1']));
    const kinds = (p: typeof plan) => writeActions({ plan: p!, intent: session.intents.get('leaf1')!, desired: session.desired.get('leaf1')! }).map((a) => a.kind);
    expect(kinds(plan)).toEqual(['write', 'restart-routing', 'configure-frr', 'save']);
    expect(kinds({ ...plan!, flavour: 'legacy-vs', frr: { lines: [], missing: [], extra: [], pending: false } })).toEqual(['write', 'restart-routing', 'save']);
    expect(kinds({ ...plan!, flavourSource: 'default' })).toEqual(['write', 'confirm-consumed', 'restart-routing', 'configure-frr', 'save']);
    expect(writeActions({ plan: plan!, intent: session.intents.get('leaf1')!, desired: session.desired.get('leaf1')!, save: false }).map((a) => a.kind)).toEqual(['write', 'restart-routing', 'configure-frr']);
    expect(kinds({ ...plan!, changes: [] })).toEqual(['configure-frr']);
  });

  it('the restart rule: first bring-up, a restart impact; after a restore, DEVICE_METADATA or Loopback0 touched', () => {
    expect(restartReason({ firstBringUp: true, changes: [] })).toBe('routing service restarted: first bring-up');
    expect(restartReason({ firstBringUp: false, changes: [change('DEVICE_METADATA|localhost', 'restart')] })).toMatch(/bgp_asn, router id or Loopback0/);
    expect(restartReason({ firstBringUp: false, changes: [change('PORT|Ethernet0', 'session-reset')] })).toBeUndefined();
    expect(restoreTouchesStatic([change('LOOPBACK_INTERFACE|Loopback0|10.0.0.1/32')])).toBe(true);
    expect(restoreTouchesStatic([change('PORT|Ethernet0')])).toBe(false);
    const cp = { id: 'x', switch: 's', endpoint: 'e', at: '', keys: new Map(), lastApplied: null };
    expect(restoreActions(cp).map((a) => a.kind)).toEqual(['restore', 'restart-routing', 'save']);
    expect(restoreActions(cp, { asn: 65101, neighbors: ['10.1.0.0'], routerAdded: false }).map((a) => a.kind)).toEqual(['restore', 'vtysh', 'save']);
    expect(restoreActions(cp, undefined, false).map((a) => a.kind)).toEqual(['restore', 'restart-routing']);
  });
});

describe('switch executor', () => {
  it('tells an observer of every action of every switch, in order, apply and rollback alike', async () => {
    const { session } = await memoryFabric();
    const events: ActionEvent[] = [];
    const outcomes = await applyFabric(session, await planFabric(session, new Set(['leaf1'])), { onEvent: (e) => events.push(e) });
    expect(outcomes[0]!.status).toBe('applied');
    expect(events.map((e) => `${e.switch} ${e.action} ${e.phase}`)).toEqual([
      'leaf1 checkpoint start',
      'leaf1 checkpoint done',
      'leaf1 write start',
      'leaf1 write done',
      'leaf1 restart-routing start',
      'leaf1 restart-routing done',
      'leaf1 configure-frr skipped',
      'leaf1 save start',
      'leaf1 save done',
    ]);
    expect(events.filter((e) => e.phase === 'done').every((e) => typeof e.ms === 'number')).toBe(true);
    const back: ActionEvent[] = [];
    const rolled = await rollbackFabric(session, { switch: 'leaf1', onEvent: (e) => back.push(e) });
    expect(rolled[0]).toMatchObject({ status: 'restored', restarted: true });
    expect(back.map((e) => `${e.action} ${e.phase}`)).toEqual(['restore start', 'restore done', 'restart-routing start', 'restart-routing done', 'save start', 'save done']);
  });

  it('a failed action is reported to the observer with its message, and an aborted list writes nothing more', async () => {
    const { session, switches } = await memoryFabric();
    const [plan] = await planFabric(session, new Set(['leaf2']));
    switches.get('leaf2')!.transport.failNextApply = 'READONLY no writes here';
    const events: ActionEvent[] = [];
    const outcomes = await applyFabric(session, [plan!], { onEvent: (e) => events.push(e) });
    expect(outcomes[0]).toMatchObject({ status: 'failed', restored: true });
    expect(events.find((e) => e.phase === 'failed')).toMatchObject({ switch: 'leaf2', action: 'write', error: expect.stringContaining('READONLY no writes here') });

    const link = await session.link('leaf2');
    const stop = new AbortController();
    stop.abort('deadline');
    const before = new Map(switches.get('leaf2')!.transport.dbs.CONFIG_DB);
    const actions = writeActions({ plan: plan!, intent: session.intents.get('leaf2')!, desired: session.desired.get('leaf2')! });
    await expect(runActions(link, actions, { state: session.state, flavour: 'sonic', signal: stop.signal })).rejects.toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('stopped before write: deadline') });
    expect(switches.get('leaf2')!.transport.dbs.CONFIG_DB).toEqual(before);
  });

  it('saves after the write: the startup config is what was applied; --no-save leaves it and says so', async () => {
    const { session, switches } = await memoryFabric();
    const [plan] = await planFabric(session, new Set(['leaf1']));
    const [o] = await applyFabric(session, [plan!]);
    expect(o).toMatchObject({ status: 'applied', saved: 'saved' });
    const leaf1 = switches.get('leaf1')!;
    expect(leaf1.startup).toEqual(leaf1.transport.dbs.CONFIG_DB);

    const other = await memoryFabric();
    const [p2] = await planFabric(other.session, new Set(['leaf1']));
    const [o2] = await applyFabric(other.session, [p2!], { save: false });
    expect(o2).toMatchObject({ status: 'applied', saved: 'no-save', notes: expect.arrayContaining([expect.stringContaining('--no-save')]) });
    expect(other.switches.get('leaf1')!.startup).not.toEqual(other.switches.get('leaf1')!.transport.dbs.CONFIG_DB);
    expect(other.switches.get('leaf1')!.commands.some((c) => c[0] === 'config')).toBe(false);
    // The save is owed: the next plan says so, and an apply with nothing to change saves.
    const [owed] = await planFabric(other.session, new Set(['leaf1']));
    expect(owed).toMatchObject({ changes: [], saveOwed: 'clos changed the running config without saving it (--no-save)' });
    expect(hasWork(owed!)).toBe(true);
    const [o3] = await applyFabric(other.session, [owed!]);
    expect(o3).toMatchObject({ status: 'applied', saved: 'saved' });
    expect(other.switches.get('leaf1')!.startup).toEqual(other.switches.get('leaf1')!.transport.dbs.CONFIG_DB);
    expect(hasWork((await planFabric(other.session, new Set(['leaf1'])))[0]!)).toBe(false);
  });

  it('a failed save leaves the write standing, unrestored, and marks the switch failed-to-save', async () => {
    const { session, switches } = await memoryFabric();
    const [plan] = await planFabric(session, new Set(['leaf1']));
    switches.get('leaf1')!.failSave = 'Error: /etc/sonic is read-only';
    const [o] = await applyFabric(session, [plan!]);
    expect(o).toMatchObject({ status: 'failed-to-save', saved: 'failed', error: { code: 'SAVE_FAILED', message: expect.stringContaining('/etc/sonic is read-only') } });
    expect(o!.restored).toBeUndefined();
    // The write stands: planning again finds nothing to change.
    const [again] = await planFabric(session, new Set(['leaf1']));
    expect(again!.changes).toEqual([]);
    // … and the save is owed until one succeeds.
    expect(again!.saveOwed).toMatch(/^the save failed: .*\/etc\/sonic is read-only/);
    switches.get('leaf1')!.failSave = undefined;
    expect(await applyFabric(session, [again!])).toMatchObject([{ status: 'applied', saved: 'saved' }]);
    expect((await planFabric(session, new Set(['leaf1'])))[0]!.saveOwed).toBeUndefined();
  });

  it('a read-back that differs from what was written fails the switch and restores it: a written key, or one the transaction dropped', async () => {
    const { session, switches } = await memoryFabric();
    const t = switches.get('leaf1')!.transport;
    const before = new Map(t.dbs.CONFIG_DB);
    const [plan] = await planFabric(session, new Set(['leaf1']));
    const port = plan!.changes.find((c) => c.key.startsWith('PORT|'))!.key;
    const neighbor = plan!.changes.find((c) => c.key.startsWith('BGP_NEIGHBOR|'))!.key;
    // A transport whose transaction's read-back (as Redis gives it) says what the switch now
    // holds: one port's MTU otherwise, then one neighbour missing.
    const cases: [string, (m: Map<string, Record<string, string>>) => void][] = [
      [port, (m) => m.set(port, { ...m.get(port)!, mtu: '1500' })],
      [neighbor, (m) => m.delete(neighbor)],
    ];
    for (const [key, wrong] of cases) {
      const plain = MemoryTransport.prototype.apply.bind(t);
      (t as Transport).apply = async (changes) => {
        await plain(changes);
        const readBack = new Map<string, Record<string, string>>();
        for (const c of changes) if (t.dbs.CONFIG_DB.has(c.key)) readBack.set(c.key, { ...t.dbs.CONFIG_DB.get(c.key)! });
        wrong(readBack);
        return { readBack };
      };
      const [o] = await applyFabric(session, [plan!]);
      expect(o).toMatchObject({ status: 'failed', restored: true, state: 'as-before', error: { code: 'READBACK_MISMATCH', message: expect.stringContaining('read back differs from what was written') } });
      expect(o!.error!.message).toContain(key.slice(key.indexOf('|') + 1));
      expect(t.dbs.CONFIG_DB).toEqual(before);
    }
  });
});
