// The state directory before a run (issue 13, item 5): proved writable before anything goes to
// a switch, the cause named with the path, no directory left behind; checkpoints kept to the
// last N per switch and listed.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keepCheckpoints, StateDir, StateDirUnwritable, type Checkpoint } from '../../src/io/state-dir.ts';
import { applyFabric } from '../../src/services/apply.ts';
import { planFabric } from '../../src/services/plan.ts';
import { FabricSession } from '../../src/services/session.ts';
import { memoryFabric } from '../support/memory-fabric.ts';

const cp = (id: string, sw: string): Checkpoint => ({ id, switch: sw, endpoint: `memory:${sw}`, at: '2026-12-06T10:00:00Z', keys: new Map([['PORT|Ethernet0', null]]), lastApplied: null });

describe('StateDir.probe', () => {
  it('passes on a writable directory and leaves nothing behind', () => {
    const root = mkdtempSync(join(tmpdir(), 'clos-state-'));
    const st = new StateDir(join(root, '.clos', 'dc1'));
    st.probe();
    expect(readdirSync(root)).toEqual([]);
  });

  it('a path that cannot hold a directory: the cause with the path, nothing created', () => {
    const root = mkdtempSync(join(tmpdir(), 'clos-state-'));
    writeFileSync(join(root, '.clos'), 'a file where the directory should be');
    const st = new StateDir(join(root, '.clos', 'dc1'));
    expect(() => st.probe()).toThrow(StateDirUnwritable);
    expect(() => st.probe()).toThrow(`state directory ${join(root, '.clos', 'dc1')} is not writable: ENOTDIR (a path component is not a directory); nothing was written to any switch`);
    expect(readdirSync(root)).toEqual(['.clos']);
  });

  it('apply refuses before any switch write; no checkpoint directory is left', async () => {
    const { session, switches, dir } = await memoryFabric();
    const plans = await planFabric(session);
    const before = new Map([...switches].map(([n, s]) => [n, new Map(s.transport.dbs.CONFIG_DB)]));
    writeFileSync(join(dir, 'blocked'), '');
    const blocked = new FabricSession(session.loaded, session.inventory, session.inventoryFile, new StateDir(join(dir, 'blocked', 'dc1')), session.opts);
    await expect(applyFabric(blocked, plans)).rejects.toThrow(/^state directory \S+blocked\/dc1 is not writable: ENOTDIR/);
    for (const [n, s] of switches) expect(s.transport.dbs.CONFIG_DB).toEqual(before.get(n));
  });
});

describe('checkpoint retention', () => {
  it('keeps the newest N of each switch, removes emptied checkpoint directories, lists what is left', async () => {
    const root = mkdtempSync(join(tmpdir(), 'clos-state-'));
    const st = new StateDir(root);
    for (let i = 10; i < 16; i++) {
      await st.saveCheckpoint(cp(`20261206T1000${i}000Z-1`, 'leaf1'));
      if (i % 2 === 0) await st.saveCheckpoint(cp(`20261206T1000${i}000Z-1`, 'leaf2'));
    }
    expect(st.prune(2)).toBe(4 + 1);
    expect(st.checkpointIds()).toEqual(['20261206T100012000Z-1', '20261206T100014000Z-1', '20261206T100015000Z-1']);
    expect(await st.listCheckpoints()).toEqual([
      { id: '20261206T100012000Z-1', switches: [{ switch: 'leaf2', at: '2026-12-06T10:00:00Z', keys: 1 }] },
      { id: '20261206T100014000Z-1', switches: [{ switch: 'leaf1', at: '2026-12-06T10:00:00Z', keys: 1 }, { switch: 'leaf2', at: '2026-12-06T10:00:00Z', keys: 1 }] },
      { id: '20261206T100015000Z-1', switches: [{ switch: 'leaf1', at: '2026-12-06T10:00:00Z', keys: 1 }] },
    ]);
    expect(readdirSync(join(root, 'checkpoints', '20261206T100012000Z-1'))).toEqual(['leaf2.json']);
  });

  it('a successful apply prunes to CLOS_KEEP_CHECKPOINTS; a failed one keeps every checkpoint', async () => {
    const { session, switches } = await memoryFabric();
    const st = session.state;
    for (let i = 10; i < 14; i++) await st.saveCheckpoint(cp(`20261206T1000${i}000Z-1`, 'leaf2'));
    process.env.CLOS_KEEP_CHECKPOINTS = '2';
    try {
      switches.get('leaf2')!.transport.failNextApply = 'READONLY';
      await applyFabric(session, await planFabric(session));
      expect(st.checkpointIds()).toHaveLength(5);
      await applyFabric(session, await planFabric(session));
      // leaf2 has the failed run's checkpoint and the second run's; the four older ones went.
      const leaf2 = (await st.listCheckpoints()).filter((c) => c.switches.some((s) => s.switch === 'leaf2'));
      expect(leaf2).toHaveLength(2);
      expect(leaf2.every((c) => !c.id.startsWith('20261206T1000'))).toBe(true);
      expect(st.checkpointIds()).toHaveLength(2);
    } finally {
      delete process.env.CLOS_KEEP_CHECKPOINTS;
    }
  });

  it('CLOS_KEEP_CHECKPOINTS: 20 by default, a whole number of at least 1', () => {
    expect(keepCheckpoints({})).toBe(20);
    expect(keepCheckpoints({ CLOS_KEEP_CHECKPOINTS: '5' })).toBe(5);
    expect(() => keepCheckpoints({ CLOS_KEEP_CHECKPOINTS: '0' })).toThrow('CLOS_KEEP_CHECKPOINTS must be a whole number of at least 1, not "0"');
  });

  it('a checkpoint that cannot be saved names its path and leaves no empty directory', async () => {
    const root = mkdtempSync(join(tmpdir(), 'clos-state-'));
    const st = new StateDir(root);
    mkdirSync(join(root, 'checkpoints', 'X', 'leaf1.json'), { recursive: true }); // a directory where the file goes
    await expect(st.saveCheckpoint(cp('X', 'leaf1'))).rejects.toThrow(`state directory ${join(root, 'checkpoints', 'X', 'leaf1.json')} is not writable`);
    await expect(st.saveCheckpoint(cp('Y', 'leaf1'))).resolves.toBe(join(root, 'checkpoints', 'Y', 'leaf1.json'));
    expect(existsSync(join(root, 'checkpoints', 'X'))).toBe(true);
  });
});
