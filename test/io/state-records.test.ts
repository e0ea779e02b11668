// The applied scope and the checkpoints stored for a run over many switches in few files
// (src/io/state-records.ts): what is saved together lands in one file, a later record wins,
// another reader (a second process) sees what was written, a record cut short by a crash is
// passed over, the journal is folded into a snapshot, and the layout of earlier versions is read.
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StateDir, type Checkpoint } from '../../src/io/state-dir.ts';
import { AppliedStore } from '../../src/io/state-records.ts';
import { applyFabric } from '../../src/services/apply.ts';
import { planFabric } from '../../src/services/plan.ts';
import { memoryFabric } from '../support/memory-fabric.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'clos-records-'));
const scope = (n: number) => new Map([[`BGP_NEIGHBOR|10.0.0.${n}`, { asn: String(65000 + n) }]]);
const cp = (id: string, sw: string, key = 'PORT|Ethernet0'): Checkpoint => ({ id, switch: sw, endpoint: `memory:${sw}`, at: '2026-12-07T03:00:00Z', keys: new Map([[key, null]]), lastApplied: null });

describe('the applied scope', () => {
  it('records saved in one turn go out in one append, and a second reader sees them', async () => {
    const dir = tmp();
    const st = new StateDir(dir);
    await Promise.all([1, 2, 3].map((n) => st.saveApplied(`leaf${n}`, scope(n))));
    expect(readdirSync(dir)).toEqual(['applied.jsonl']);
    expect(readFileSync(join(dir, 'applied.jsonl'), 'utf8').trimEnd().split('\n')).toHaveLength(3);
    const other = new StateDir(dir);
    expect(await other.lastApplied('leaf2')).toEqual(scope(2));
    expect(await other.lastApplied('leaf9')).toBeUndefined();
    // A later record wins, in this reader and in the one that read before.
    await st.saveApplied('leaf2', scope(7));
    expect(await other.lastApplied('leaf2')).toEqual(scope(7));
    await st.saveApplied('leaf3', null);
    expect(await other.lastApplied('leaf3')).toEqual(new Map());
  });

  it('a last line cut short by a crash is passed over, and the next record still reads', async () => {
    const dir = tmp();
    const st = new StateDir(dir);
    await st.saveApplied('leaf1', scope(1));
    appendFileSync(join(dir, 'applied.jsonl'), '{"switch":"leaf2","applied":{"BGP_NEI');
    const fresh = new StateDir(dir);
    expect(await fresh.lastApplied('leaf2')).toBeUndefined();
    expect(await fresh.lastApplied('leaf1')).toEqual(scope(1));
    await fresh.saveApplied('leaf3', scope(3));
    const again = new StateDir(dir);
    expect(await again.lastApplied('leaf3')).toEqual(scope(3));
    expect(await again.lastApplied('leaf1')).toEqual(scope(1));
  });

  it('folds the journal into the snapshot once it outgrows it, and reads the layout of earlier versions', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'applied'));
    writeFileSync(join(dir, 'applied', 'old1.json'), JSON.stringify({ 'LOOPBACK_INTERFACE|Loopback0': {} }, null, 2));
    const store = new AppliedStore(dir, 200);
    expect(store.get('old1')).toEqual(new Map([['LOOPBACK_INTERFACE|Loopback0', {}]]));
    await store.save('leaf1', scope(1));
    expect(existsSync(join(dir, 'applied.json'))).toBe(false);
    await Promise.all([2, 3, 4, 5].map((n) => store.save(`leaf${n}`, scope(n))));
    // Past 200 bytes and twice the (absent) snapshot: one snapshot of every switch, the journal empty,
    // the older layout gone.
    expect(readFileSync(join(dir, 'applied.jsonl'), 'utf8')).toBe('');
    expect(existsSync(join(dir, 'applied'))).toBe(false);
    const snap = JSON.parse(readFileSync(join(dir, 'applied.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(snap)).toEqual(['leaf1', 'leaf2', 'leaf3', 'leaf4', 'leaf5', 'old1']);
    const reader = new StateDir(dir);
    expect(await reader.lastApplied('old1')).toEqual(new Map([['LOOPBACK_INTERFACE|Loopback0', {}]]));
    expect(await reader.lastApplied('leaf4')).toEqual(scope(4));
    await store.save('leaf4', scope(9));
    expect(await reader.lastApplied('leaf4')).toEqual(scope(9));
  });
});

describe('checkpoints saved together', () => {
  it('an apply of the whole fabric writes one checkpoint file and one journal', async () => {
    const { session } = await memoryFabric();
    const outcomes = await applyFabric(session, await planFabric(session), { checkpointId: '20261207T030000000Z-1' });
    expect(outcomes.map((o) => o.status)).toEqual(Array(6).fill('applied'));
    const d = join(session.state.dir, 'checkpoints', '20261207T030000000Z-1');
    // The switches whose turn came together share a bundle (here two turns: the in-memory
    // switches connect in two ticks); no switch has a file of its own.
    const files = readdirSync(d);
    expect(files.every((f) => /^@\d{6}\.jsonl$/.test(f)) && files.length < outcomes.length).toBe(true);
    const inBundles = files.flatMap((f) => (JSON.parse(readFileSync(join(d, f), 'utf8').split('\n')[0]!) as { switches: string[] }).switches);
    expect(inBundles.sort()).toEqual(outcomes.map((o) => o.switch).sort());
    for (const o of outcomes) {
      expect((await session.state.checkpoint(o.switch))?.switch).toBe(o.switch);
      expect(await session.state.lastApplied(o.switch)).toEqual(session.desired.get(o.switch));
    }
    expect(readdirSync(session.state.dir).filter((f) => f.startsWith('applied'))).toEqual(['applied.jsonl']);
  });

  it('a switch saved again in its run: the newer one wins, and prune drops the one it replaced', async () => {
    const dir = tmp();
    const st = new StateDir(dir);
    const id = '20261207T030000000Z-1';
    await Promise.all([st.saveCheckpoint(cp(id, 'leaf1')), st.saveCheckpoint(cp(id, 'leaf2'))]);
    // Alone, but already in a bundle: a newer bundle, not leaf1.json under it.
    await st.saveCheckpoint(cp(id, 'leaf1', 'PORT|Ethernet4'));
    // Alone and new to the run: its own file.
    await st.saveCheckpoint(cp(id, 'leaf3'));
    const d = join(dir, 'checkpoints', id);
    expect(readdirSync(d).sort()).toEqual(['@000001.jsonl', '@000002.jsonl', 'leaf3.json']);
    expect((await st.checkpoint('leaf1'))?.keys).toEqual(new Map([['PORT|Ethernet4', null]]));
    expect((await new StateDir(dir).checkpoint('leaf2', id))?.keys).toEqual(new Map([['PORT|Ethernet0', null]]));
    expect(st.prune(5)).toBe(0);
    // The replaced leaf1 line left the first bundle; leaf2 is still in it.
    expect(readFileSync(join(d, '@000001.jsonl'), 'utf8').split('\n')[0]).toBe('{"switches":["leaf2"]}');
    expect((await st.listCheckpoints())[0]!.switches.map((s) => [s.switch, s.keys])).toEqual([
      ['leaf1', 1],
      ['leaf2', 1],
      ['leaf3', 1],
    ]);
  });

  it('reads a checkpoint as earlier versions wrote it (keys and applied scope as objects)', async () => {
    const dir = tmp();
    const id = '20261206T100000000Z-1';
    mkdirSync(join(dir, 'checkpoints', id), { recursive: true });
    const old = { id, switch: 'leaf1', endpoint: 'memory:leaf1', at: '2026-12-06T10:00:00Z', keys: { 'PORT|Ethernet0': { admin_status: 'down' }, 'INTERFACE|Ethernet0': null }, lastApplied: { 'PORT|Ethernet0': { admin_status: 'up' } } };
    writeFileSync(join(dir, 'checkpoints', id, 'leaf1.json'), JSON.stringify(old, null, 2));
    const got = await new StateDir(dir).checkpoint('leaf1');
    expect(got?.keys).toEqual(new Map<string, unknown>([['PORT|Ethernet0', { admin_status: 'down' }], ['INTERFACE|Ethernet0', null]]));
    expect(got?.lastApplied).toEqual(new Map([['PORT|Ethernet0', { admin_status: 'up' }]]));
  });

  it('prune keeps the newest N of each switch across runs, rewriting or removing bundles', async () => {
    const dir = tmp();
    const st = new StateDir(dir);
    const ids = ['20261207T030001000Z-1', '20261207T030002000Z-1', '20261207T030003000Z-1'];
    await Promise.all([st.saveCheckpoint(cp(ids[0]!, 'leaf1')), st.saveCheckpoint(cp(ids[0]!, 'leaf2'))]);
    await Promise.all([st.saveCheckpoint(cp(ids[1]!, 'leaf1')), st.saveCheckpoint(cp(ids[1]!, 'leaf3'))]);
    await st.saveCheckpoint(cp(ids[2]!, 'leaf1'));
    expect(st.prune(2)).toBe(1);
    // leaf1's oldest went from the first run's bundle; leaf2's is kept there.
    expect((await st.listCheckpoints()).map((c) => [c.id, c.switches.map((s) => s.switch)])).toEqual([
      [ids[0], ['leaf2']],
      [ids[1], ['leaf1', 'leaf3']],
      [ids[2], ['leaf1']],
    ]);
    expect(st.prune(1)).toBe(1);
    expect((await st.listCheckpoints()).map((c) => [c.id, c.switches.map((s) => s.switch)])).toEqual([
      [ids[0], ['leaf2']],
      [ids[1], ['leaf3']],
      [ids[2], ['leaf1']],
    ]);
    expect(readdirSync(join(dir, 'checkpoints', ids[1]!))).toEqual(['@000001.jsonl']);
  });
});
