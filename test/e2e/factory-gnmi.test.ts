// dc1 from SONiC's t1 factory state over gNMI only (an inventory without exec channels: the
// write is a gNMI Set, the routing restart gNOI System.KillProcess, the save gNOI
// SonicService.ConfigSave, all served by each switch's emulated sonic-gnmi), fabric t-facgn on
// 127.0.1.96/28: plan shows the adoption, apply saves, verify converges, plan 0; `config
// reload -y` on every switch (through `clos lab exec`): converged again, plan still 0.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { inventorySchema, type Inventory } from '../../src/inventory/schema.ts';
import { renderInventory } from '../../src/inventory/write.ts';
import { readState } from '../../src/lab/state.ts';
import { runCli } from '../support/cli.ts';
import { e2eLab, labSwitch, stopwatch, type ApplyJson } from './helpers.ts';

const FABRIC = 't-facgn';
const ALL = ['spine1', 'spine2', 'leaf1', 'leaf2', 'leaf3', 'leaf4'];
const lab = e2eLab(FABRIC, '127.0.1.96/28', { factory: 't1' });
let inventory = '';

beforeAll(() => {
  const inv = inventorySchema.parse(parse(readFileSync(readState(FABRIC)!.inventory, 'utf8')));
  const switches: Inventory['switches'] = {};
  for (const [name, entry] of Object.entries(inv.switches)) switches[name] = { transport: 'gnmi', flavour: 'sonic', gnmi: entry.gnmi! };
  inventory = join(lab.dir, 'gnmi-only.inventory.yaml');
  writeFileSync(inventory, renderInventory({ ...inv, switches }));
});

const verifyConverged = (label: string) => lab.verifyConverges(['--inventory', inventory], label, '90s');

describe('dc1 from t1 over gNMI only: adoption, gNOI ConfigSave, reload', () => {
  it('plan over gNMI shows the adoption; apply saves through gNOI; verify converges; plan 0', async () => {
    const p = await runCli('plan', lab.file, '--inventory', inventory, '--json');
    expect(p.code).toBe(10);
    const plan = JSON.parse(p.stdout) as { switches: { switch: string; endpoint: string; adoption: { keys: string[] }[] }[] };
    for (const s of plan.switches) {
      expect(s.endpoint).toMatch(/^gnmi /);
      expect(s.adoption.flatMap((g) => g.keys)).toContain('LOOPBACK_INTERFACE|Loopback0|10.1.0.1/32');
    }
    const t = stopwatch();
    const r = await runCli('apply', lab.file, '--inventory', inventory, '--yes', '--json');
    expect(r.code, r.stdout).toBe(0);
    expect((JSON.parse(r.stdout) as ApplyJson).outcomes.map((o) => [o.switch, o.status, o.restarted, o.saved])).toEqual(ALL.map((s) => [s, 'applied', true, 'saved']));
    // The save went through gNOI: each switch's emulated sonic-gnmi logged ConfigSave.
    for (const s of ALL) expect(readFileSync(join(labSwitch(FABRIC, s).dir, 'agent.log'), 'utf8').match(/"component":"gnmi","msg":"gNOI ConfigSave/g), s).toHaveLength(1);
    await verifyConverged(`apply over gNMI (${t()})`);
    expect((await runCli('plan', lab.file, '--inventory', inventory)).code).toBe(0);
  }, 240_000);

  it('config reload -y on every switch: converged again, plan still 0', async () => {
    await lab.execAll(ALL, 'config', 'reload', '-y');
    await verifyConverged('after config reload');
    expect((await runCli('plan', lab.file, '--inventory', inventory)).code).toBe(0);
  }, 240_000);
});
