// `clos lab up --flavour legacy-vs`: switches like docker-sonic-vs release images, without
// lldp: no lldpd is started, everything else is. Fabric t-host-legacy, addresses 127.0.1.160/28.
import { readFileSync, writeFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { readRecords } from '../../src/lab/processes.ts';
import { readState } from '../../src/lab/state.ts';
import { runCli } from '../support/cli.ts';
import { fabricYaml, hostLabFile } from './host-fixtures.ts';

const FABRIC = 't-host-legacy';
const fabricFile = hostLabFile(FABRIC);

it('builds legacy-vs switches without lldpd, with redis, FRR and the agent running', async () => {
  const file = fabricFile();
  writeFileSync(file, fabricYaml(FABRIC, 1, 1));
  const up = await runCli('lab', 'up', file, '--addresses', '127.0.1.160/28', '--flavour', 'legacy-vs');
  expect(up.stderr).toBe('');
  expect(up.code).toBe(0);
  const st = JSON.parse((await runCli('lab', 'status', FABRIC, '--json')).stdout);
  for (const s of st.switches) {
    expect(s.flavour).toBe('legacy-vs');
    expect(s.daemons).toMatchObject({ redis: true, zebra: true, bgpd: true, agent: true });
    expect(s.daemons).not.toHaveProperty('lldpd');
  }
  const records = await readRecords(readState(FABRIC)!.records);
  expect(records.filter((r) => r.name === 'lldpd')).toEqual([]);
  const inv = readFileSync(readState(FABRIC)!.inventory, 'utf8');
  expect(inv).toMatch(/flavour: legacy-vs/);
  expect((await runCli('lab', 'up', file, '--flavour', 'bogus')).stderr).toMatch(/--flavour must be sonic or legacy-vs, not "bogus"/);
}, 60_000);
