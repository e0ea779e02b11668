// The bring-up service with the real effects, on in-memory switches that behave like SONiC
// (test/bringup/memory-lab.ts): whole fabric, a new rack, part of a file's new racks, a
// miscabled rack, a gate that fails, a killed run resumed, a run undone with `rollback --to`.
import { describe, expect, it } from 'vitest';
import { runBringup } from '../../src/bringup/run.ts';
import { loadRecord, unfinishedRun } from '../../src/bringup/record.ts';
import { rollbackFabric } from '../../src/services/rollback.ts';
import type { FabricSession } from '../../src/services/session.ts';
import { dc1Text } from './fabric.ts';
import { MemoryLab } from './memory-lab.ts';

const SPINES = ['spine1', 'spine2'];
const OLD = ['leaf1', 'leaf2', 'leaf3', 'leaf4'];

async function builtDc1(): Promise<MemoryLab> {
  const lab = new MemoryLab();
  const s = await lab.open(dc1Text(0));
  const { record } = await runBringup(s, { timeoutMs: 5000 });
  expect(record.status).toBe('done');
  return lab;
}

const established = (lab: MemoryLab, sw: string) =>
  [...lab.switches.get(sw)!.dbs.STATE_DB].filter(([k, f]) => k.startsWith('NEIGH_STATE_TABLE|') && f.state === 'Established').map(([k]) => k.slice(18)).sort();

describe('bring-up service on in-memory switches', () => {
  it('the whole fabric from factory state: links, cabling, spines, leaves; every session up', async () => {
    const lab = new MemoryLab();
    const s = await lab.open(dc1Text(0), 4);
    const { record, path } = await runBringup(s, { timeoutMs: 5000 });
    expect(record.status).toBe('done');
    expect(record.stages.map((st) => [st.spec.id, st.status])).toEqual([
      ['links', 'passed'],
      ['cabling', 'passed'],
      ['spines', 'passed'],
      ['leaves', 'passed'],
    ]);
    for (const sw of OLD) expect(established(lab, sw)).toHaveLength(2);
    for (const sw of SPINES) expect(established(lab, sw)).toHaveLength(4);
    // Recorded on disk as it went, with times to converge for gated switches.
    const onDisk = await loadRecord(s.state.dir, record.id);
    expect(onDisk.status).toBe('done');
    expect(path.endsWith(`/bringup/${record.id}.json`)).toBe(true);
    const leaf1 = onDisk.stages.find((st) => st.spec.id === 'leaves')!.switches.find((x) => x.name === 'leaf1')!;
    expect(leaf1.result).toBe('done');
    expect(leaf1.convergeMs).toBeGreaterThanOrEqual(0);
    // First bring-up restarts each switch's routing service once.
    expect(lab.commands.filter((c) => c.endsWith('systemctl restart bgp')).length).toBe(6);
  });

  it('a new rack: only its objects on the spines, one spine at a time; no existing session ever drops', async () => {
    const lab = await builtDc1();
    const before = new Map(SPINES.map((sp) => [sp, lab.config(sp)]));
    const s = await lab.open(dc1Text(1));
    lab.sessionLog.length = 0;
    const { record } = await runBringup(s, { racks: ['r3'], timeoutMs: 5000 });
    expect(record.status, record.failure).toBe('done');
    expect(record.stages.map((st) => st.spec.id)).toEqual(['links', 'cabling', 'leaves', 'spine spine1', 'spine spine2']);
    // Nothing but Established for the old sessions, at any time during the run.
    const old = lab.sessionLog.filter((l) => OLD.some((lf) => l.startsWith(`${lf} `)) || /^spine\d 10\.1\.0\.([0-9]|1[0-5]) /.test(l));
    expect(old.filter((l) => !l.endsWith(' Established'))).toEqual([]);
    for (const sw of ['leaf5', 'leaf6']) expect(established(lab, sw)).toHaveLength(2);
    for (const sp of SPINES) {
      expect(established(lab, sp)).toHaveLength(6);
      const added = [...lab.config(sp).keys()].filter((k) => !before.get(sp)!.has(k));
      expect(added.every((k) => /leaf[56]|Ethernet(16|20)\b|BGP_NEIGHBOR\|10\.1\.0\.(1[6-9]|2[0-3])$/.test(k)), added.join(' ')).toBe(true);
    }
  });

  it('--racks r3 when the file adds r3 and r4: the spines get r3 only, r4 is left for later', async () => {
    const lab = await builtDc1();
    const s = await lab.open(dc1Text(2));
    const { record } = await runBringup(s, { racks: ['r3'], timeoutMs: 5000 });
    expect(record.status, record.failure).toBe('done');
    for (const sp of SPINES) {
      const cfg = lab.config(sp);
      expect([...cfg.keys()].filter((k) => /leaf[78]/.test(k) || /leaf[78]/.test(JSON.stringify(cfg.get(k))))).toEqual([]);
      const sw = record.stages.find((st) => st.spec.id === `spine ${sp}`)!.switches[0]!;
      expect(sw.left).toBeGreaterThan(0);
    }
    expect(lab.config('leaf7').get('DEVICE_METADATA|localhost')).toEqual({ mac: '52:54:00:00:00:01' });
  });

  it('a miscabled new leaf: stops before any BGP change, names the ports, leaves every switch as it was', async () => {
    const lab = await builtDc1();
    const s = await lab.open(dc1Text(1));
    const before = new Map([...SPINES, 'leaf5', 'leaf6'].map((sw) => [sw, lab.config(sw)]));
    lab.swap('leaf5', 'Ethernet120', 'Ethernet124');
    const { record } = await runBringup(s, { racks: ['r3'], timeoutMs: 5000, cablingSettleMs: 300 });
    expect(record.status).toBe('rolled-back');
    expect(record.failure).toContain('CABLING_MISMATCH');
    expect(record.failure).toContain('leaf5 Ethernet120: intended spine1 Ethernet16, seen spine2 Ethernet16');
    expect(record.failure).toContain('leaf5 Ethernet124: intended spine2 Ethernet16, seen spine1 Ethernet16');
    for (const [sw, cfg] of before) expect(lab.config(sw), sw).toEqual(cfg);
    expect(record.stages.map((st) => st.status)).toEqual(['rolled-back', 'failed', 'pending', 'pending', 'pending']);
  });

  it('a new leaf with a PortChannel on an uplink: refused before anything is written, switch, key and reason named', async () => {
    const lab = await builtDc1();
    const s = await lab.open(dc1Text(1));
    const leaf5 = lab.switches.get('leaf5')!.dbs.CONFIG_DB;
    leaf5.set('PORTCHANNEL|PortChannel0001', { admin_status: 'up' });
    leaf5.set('PORTCHANNEL_MEMBER|PortChannel0001|Ethernet120', {});
    const before = new Map([...SPINES, 'leaf5', 'leaf6'].map((sw) => [sw, lab.config(sw)]));
    const { record } = await runBringup(s, { racks: ['r3'], timeoutMs: 5000 });
    // The ports the stage wrote on the other switches are put back: the run is rolled back.
    expect(record.status).toBe('rolled-back');
    expect(record.failure).toContain('REFUSED');
    expect(record.failure).toContain('leaf5: not adopted, nothing written: PORTCHANNEL_MEMBER|PortChannel0001|Ethernet120: Ethernet120 is a member of PortChannel0001');
    for (const [sw, cfg] of before) expect(lab.config(sw), sw).toEqual(cfg);
  });

  it('a spine link down during its gate: that spine goes back to exactly its checkpoint, exit "rolled back"', async () => {
    const lab = await builtDc1();
    const s = await lab.open(dc1Text(1));
    const spine2Before = lab.config('spine2');
    let cut = false;
    const { record } = await runBringup(s, {
      racks: ['r3'],
      timeoutMs: 1500,
      onUpdate: (r) => {
        const st = r.stages.find((x) => x.spec.id === 'spine spine2')!;
        if (!cut && st.switches[0]!.step === 'applying') {
          cut = true;
          lab.setCable('spine2', 'Ethernet16', false);
        }
      },
    });
    expect(cut).toBe(true);
    expect(record.status).toBe('rolled-back');
    expect(record.failure).toMatch(/spine2 rolled-back \(GATE_TIMEOUT: gate not passed within 1500 ms/);
    expect(lab.config('spine2')).toEqual(spine2Before);
    expect(record.stages.map((st) => [st.spec.id, st.status])).toEqual([
      ['links', 'passed'],
      ['cabling', 'passed'],
      ['leaves', 'passed'],
      ['spine spine1', 'passed'],
      ['spine spine2', 'rolled-back'],
    ]);
    expect(established(lab, 'spine1')).toHaveLength(6);
  });

  it('a run killed midway is resumed: passed stages are not redone, the rest completes', async () => {
    const lab = await builtDc1();
    const s = await lab.open(dc1Text(1));
    const stop = new AbortController();
    const first = await runBringup(s, {
      racks: ['r3'],
      timeoutMs: 5000,
      signal: stop.signal,
      onUpdate: (r) => r.stages.find((x) => x.spec.id === 'spine spine1')!.status === 'running' && stop.abort(),
    });
    expect(first.record.status).toBe('running');
    expect((await unfinishedRun(s.state.dir))?.id).toBe(first.record.id);
    const again = await runBringup(s, { resume: true, timeoutMs: 5000 });
    expect(again.record.id).toBe(first.record.id);
    expect(again.record.status, again.record.failure).toBe('done');
    expect(again.record.attempts).toHaveLength(2);
    for (const sp of SPINES) expect(established(lab, sp)).toHaveLength(6);
  });

  it('`clos rollback F --to <run id>` undoes exactly the run: switches it did not touch are left alone', async () => {
    const lab = await builtDc1();
    const s = await lab.open(dc1Text(1));
    const before = new Map([...SPINES, ...OLD, 'leaf5', 'leaf6'].map((sw) => [sw, lab.config(sw)]));
    const { record } = await runBringup(s, { racks: ['r3'], timeoutMs: 5000 });
    expect(record.status).toBe('done');
    const out = await rollbackFabric(s as FabricSession, { to: record.id });
    expect(out.filter((o) => o.status === 'failed')).toEqual([]);
    for (const [sw, cfg] of before) expect(lab.config(sw), sw).toEqual(cfg);
  });
});

describe('bring-up service on in-memory legacy-vs switches (no bgpcfgd, bgpmon or LLDP)', () => {
  const frrPeers = (lab: MemoryLab, sw: string) => [...(lab.frr.get(sw)?.peers.keys() ?? [])].sort();

  async function builtLegacy(): Promise<MemoryLab> {
    const lab = new MemoryLab('legacy-vs');
    const s = await lab.open(dc1Text(0));
    const { record } = await runBringup(s, { timeoutMs: 5000 });
    expect(record.status, record.failure).toBe('done');
    return lab;
  }

  it('whole fabric, then a rack: BGP through vtysh, cabling by carrier, sessions read from FRR', async () => {
    const lab = await builtLegacy();
    expect(frrPeers(lab, 'spine1')).toHaveLength(4);
    const s = await lab.open(dc1Text(1));
    const { record } = await runBringup(s, { racks: ['r3'], timeoutMs: 5000 });
    expect(record.status, record.failure).toBe('done');
    expect(frrPeers(lab, 'spine1')).toHaveLength(6);
    expect(frrPeers(lab, 'leaf5')).toHaveLength(2);
    expect(lab.commands.some((c) => c.startsWith('spine1: vtysh -c configure terminal'))).toBe(true);
  });

  it('a swap is invisible without LLDP: the first spine gate catches it and the spine takes its FRR neighbours back', async () => {
    const lab = await builtLegacy();
    const s = await lab.open(dc1Text(1));
    const spine1 = lab.config('spine1');
    const peers = frrPeers(lab, 'spine1');
    lab.swap('leaf5', 'Ethernet120', 'Ethernet124');
    const { record } = await runBringup(s, { racks: ['r3'], timeoutMs: 1000 });
    expect(record.status).toBe('rolled-back');
    expect(record.stages.map((st) => [st.spec.id, st.status])).toEqual([
      ['links', 'passed'],
      ['cabling', 'passed'],
      ['leaves', 'passed'],
      ['spine spine1', 'rolled-back'],
      ['spine spine2', 'pending'],
    ]);
    expect(record.failure).toContain('GATE_TIMEOUT');
    expect(lab.config('spine1')).toEqual(spine1);
    expect(frrPeers(lab, 'spine1')).toEqual(peers);
  });
});
