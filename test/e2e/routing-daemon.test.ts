// End to end, a dead routing daemon: spine1's bgpd is killed (by its recorded pid) on a converged
// lab. bgpmon then keeps spine1's NEIGH_STATE_TABLE as it was — Established, stale — so STATE_DB
// alone would pass spine1's sessions. verify asks FRR through the exec channel and fails them
// with "routing daemon down", within its budget; drift reports it as a finding. Fabric
// t-e2e-daemon (1 spine, 2 leaves), redis on 127.0.2.16/28.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, readRecords } from '../../src/lab/processes.ts';
import type { VerifyReport } from '../../src/results/verify-schema.ts';
import { runCli } from '../support/cli.ts';
import { fabricYaml } from '../lab/host-fixtures.ts';
import { downLab, labSwitch, STATE_DB, upLab, waitUntil } from './helpers.ts';
import { labDown } from '../../src/lab/down.ts';
import { readState } from '../../src/lab/state.ts';

const FABRIC = 't-e2e-daemon';
const ADDRESSES = '127.0.2.16/28';
let dir: string;
let file: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), `clos-${FABRIC}-`));
  file = join(dir, `${FABRIC}.fabric.yaml`);
  writeFileSync(file, fabricYaml(FABRIC, 1, 1));
  await labDown(FABRIC);
  await upLab(file, ADDRESSES);
  const applied = await runCli('apply', file, '--yes');
  expect(applied.code, applied.stderr).toBe(0);
  const converged = await runCli('verify', file, '--timeout', '60s');
  expect(converged.code, converged.stdout).toBe(0);
}, 240_000);

afterAll(async (suite) => {
  await downLab(FABRIC, dir, suite);
}, 90_000);

describe('a dead routing daemon', () => {
  it('verify fails spine1\'s sessions with "routing daemon down" within its budget; drift finds it', async () => {
    const state = readState(FABRIC)!;
    const records = (await readRecords(state.records)).filter((r) => r.switch === 'spine1' && r.name === 'bgpd' && !r.pidFile);
    const bgpd = records.filter(isAlive).at(-1);
    if (!bgpd) throw new Error(`no live recorded bgpd of spine1 in ${state.records}`);
    process.kill(bgpd.pid, 'SIGKILL');
    await waitUntil('bgpd of spine1 gone', () => isAlive(bgpd), (alive) => !alive, 5_000);

    // STATE_DB still says Established: what verify must not believe.
    const redis = new Redis({ path: join(labSwitch(FABRIC, 'spine1').dir, 'redis.sock'), db: STATE_DB });
    try {
      const keys = await redis.keys('NEIGH_STATE_TABLE|*');
      expect(keys.length).toBe(2);
      for (const k of keys) expect(await redis.hget(k, 'state')).toBe('Established');
    } finally {
      redis.disconnect();
    }

    const t0 = Date.now();
    const v = await runCli('verify', file, '--timeout', '10s', '--format', 'json');
    const took = Date.now() - t0;
    expect(v.code).toBe(11);
    expect(took).toBeLessThan(10_000 + 5_000);
    const report = JSON.parse(v.stdout) as VerifyReport;
    const spine1 = report.switches.find((s) => s.name === 'spine1')!;
    expect(spine1.error).toBeNull();
    const sessions = spine1.checks.filter((c) => c.kind === 'bgp-session');
    expect(sessions).toHaveLength(2);
    for (const c of sessions) expect(c).toMatchObject({ pass: false, seen: `routing daemon down: bgpd not running (lab ${FABRIC}/spine1)` });
    // Ports are not FRR's: they still pass.
    expect(spine1.checks.filter((c) => c.kind === 'port').every((c) => c.pass)).toBe(true);

    const d = await runCli('drift', file, '--format', 'json');
    const findings = (JSON.parse(d.stdout) as { findings: { switch: string; object: string; actual: string }[] }).findings;
    expect(findings.filter((f) => f.switch === 'spine1' && f.object === 'routing daemons (zebra, bgpd)').map((f) => f.actual)).toEqual([
      'ROUTING_DAEMON_DOWN: routing daemon down: bgpd not running: STATE_DB sessions and APPL_DB routes are stale',
    ]);
  }, 120_000);
});
