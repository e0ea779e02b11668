// `clos lab up` of a running lab brings back a daemon that died: dc1 (2×4) applied and
// converged, then one daemon at a time killed with SIGKILL by its recorded pid — bgpd of a leaf,
// lldpd of a spine, redis of a leaf (its config saved first), the agent — and `lab up` run again:
// the daemon runs again (a new process), nothing else was restarted, and verify converges.
// Fabric t-revive, redis on 127.0.2.0/28.
import { describe, expect, it } from 'vitest';
import { labExec } from '../../src/lab/exec.ts';
import { isAlive, readRecords, type ProcessRecord } from '../../src/lab/processes.ts';
import { readState } from '../../src/lab/state.ts';
import { runCli } from '../support/cli.ts';
import { e2eLab, upLab } from '../e2e/helpers.ts';

const FABRIC = 't-revive';
const ADDRESSES = '127.0.2.0/28';
const lab = e2eLab(FABRIC, ADDRESSES, { added: ['spine1', 'spine2', 'leaf1', 'leaf2', 'leaf3', 'leaf4'] });

/** Live processes as recorded: a launcher record (pidFile) stands for the daemon its pid file
 *  names, which has a record of its own. */
async function live(): Promise<ProcessRecord[]> {
  return (await readRecords(readState(FABRIC)!.records)).filter((r) => !r.pidFile && isAlive(r));
}

async function daemon(sw: string | undefined, name: string): Promise<ProcessRecord> {
  const found = (await live()).filter((r) => r.switch === sw && (r.name === name || (name === 'agent' && r.name.startsWith('agent-'))));
  expect(found, `${sw ?? 'lab'}: ${name}`).toHaveLength(1);
  return found[0]!;
}

/** SIGKILL by recorded pid (verified alive just before), waiting until it is gone. */
async function kill(r: ProcessRecord): Promise<void> {
  expect(isAlive(r)).toBe(true);
  process.kill(r.pid, 'SIGKILL');
  for (let i = 0; i < 200 && isAlive(r); i++) await new Promise((res) => setTimeout(res, 10));
  expect(isAlive(r)).toBe(false);
}

const id = (r: ProcessRecord) => `${r.name}/${r.pid}/${r.startTime}`;

/** Kills `victim`, runs `lab up`, and expects exactly the victim (and `alsoNew`, daemons that
 *  go with it) to be new processes, every other one untouched. */
async function killAndUp(victim: ProcessRecord, alsoNew: (r: ProcessRecord) => boolean = () => false): Promise<void> {
  const before = await live();
  await kill(victim);
  const r = await upLab(lab.file, ADDRESSES);
  expect(r.added).toEqual([]);
  const after = await live();
  const kept = new Set(after.map(id));
  for (const old of before) if (id(old) !== id(victim) && !alsoNew(old)) expect(kept.has(id(old)), `${old.switch ?? 'lab'} ${old.name} kept`).toBe(true);
  const back = after.filter((x) => x.switch === victim.switch && x.name.replace(/-\d+$/, '') === victim.name.replace(/-\d+$/, ''));
  expect(back, `${victim.name} back`).toHaveLength(1);
  expect(id(back[0]!)).not.toBe(id(victim));
}

describe('lab up restarts what died in a running lab', () => {
  it('dc1 applied converges', async () => {
    const r = await runCli('apply', lab.file, '--yes');
    expect(r.code).toBe(0);
    await lab.verifyConverges();
  }, 120_000);

  it('bgpd of leaf1 killed: lab up restarts leaf1\'s bgp service (zebra and bgpd), verify converges', async () => {
    const zebra = await daemon('leaf1', 'zebra');
    await killAndUp(await daemon('leaf1', 'bgpd'), (r) => id(r) === id(zebra));
    expect(isAlive(zebra)).toBe(false); // the whole service restarted, as systemd restarts the container
    await daemon('leaf1', 'zebra');
    // The restarted zebra withdraws and relearns leaf1's routes: a verify started in between can
    // pass on the routes still in APPL_DB and see them gone at its final read. Converged means a
    // verify that passes within the minute.
    const until = Date.now() + 60_000;
    for (;;) {
      try {
        await lab.verifyConverges([], 'verify after bgpd restart');
        break;
      } catch (e) {
        if (Date.now() > until) throw e;
      }
    }
  }, 120_000);

  it('lldpd of spine1 killed: lab up starts it again and the agent configures its ports (LLDP checks pass)', async () => {
    await killAndUp(await daemon('spine1', 'lldpd'));
    await lab.verifyConverges([], 'verify after lldpd restart');
  }, 120_000);

  it('redis of leaf2 killed after `config save`: lab up starts it, CONFIG_DB comes from the startup config, verify converges', async () => {
    expect((await labExec(FABRIC, 'leaf2', ['config', 'save', '-y'], { stdio: 'pipe' })).code).toBe(0);
    await killAndUp(await daemon('leaf2', 'redis'));
    await lab.verifyConverges([], 'verify after redis restart');
  }, 120_000);

  it('the agent killed: lab up starts a new one that adopts the running FRR, verify converges', async () => {
    const frr = (await live()).filter((r) => r.name === 'zebra' || r.name === 'bgpd');
    // The agent's own helpers (its `ip monitor` per switch) die or stay with it; FRR stays.
    await killAndUp(await daemon(undefined, 'agent'), (r) => r.switch !== undefined && r.name !== 'zebra' && r.name !== 'bgpd' && r.name !== 'redis' && r.name !== 'lldpd');
    for (const r of frr) expect(isAlive(r), `${r.switch} ${r.name} adopted`).toBe(true);
    await lab.verifyConverges([], 'verify after agent restart');
  }, 120_000);
});
