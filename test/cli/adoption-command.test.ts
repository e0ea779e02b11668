// `clos plan` and `clos apply` through the CLI on switches that are not blank: dc1 on plain
// redis-servers (127.0.3.10-15:26391, fabric t-adopt-cli) as clos applied it, then foreign
// config added to leaf1: a PortChannel on an uplink (plan exit 14, apply exit 1, nothing
// written), then only a factory address on an unused port and a hand-made neighbor (plan
// exit 10 with the adoption section, apply removes them, plan exit 0).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { startRedisFabric, type RedisFabric } from '../support/redis-fabric.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
let fab: RedisFabric;

beforeAll(async () => {
  const text = readFileSync(join(ROOT, 'topologies/dc1.fabric.yaml'), 'utf8').replace(/^fabric: dc1$/m, 'fabric: t-adopt-cli');
  fab = await startRedisFabric({ fabricText: text, host: (i) => `127.0.3.${10 + i}`, port: 26391 });
}, 60_000);

afterAll(async () => {
  await fab?.stop();
});

const cli = (cmd: string, ...args: string[]) => runCli(cmd, fab.file, '--inventory', fab.inventory, ...args);

async function dump(sw: string): Promise<Record<string, Record<string, string>>> {
  const db = fab.db(sw, 'CONFIG_DB');
  const out: Record<string, Record<string, string>> = {};
  for (const k of (await db.keys('*')).sort()) out[k] = (await db.type(k)) === 'hash' ? await db.hgetall(k) : { value: String(await db.get(k)) };
  return out;
}

describe('clos plan / apply on brownfield switches (CLI)', () => {
  it('a PortChannel on an uplink: plan exits 14 naming switch, key and reason; apply exits 1 and writes nothing', async () => {
    const leaf1 = fab.db('leaf1', 'CONFIG_DB');
    await leaf1.hset('PORTCHANNEL|PortChannel0001', { admin_status: 'up', min_links: '1' });
    await leaf1.hset('PORTCHANNEL_MEMBER|PortChannel0001|Ethernet124', { NULL: 'NULL' });
    await leaf1.hset('INTERFACE|Ethernet60|10.0.0.30/31', { NULL: 'NULL' });
    try {
      const plan = await cli('plan');
      expect(plan.code).toBe(14);
      expect(plan.stdout).toContain('leaf1 (redis 127.0.3.12:26391) [bgpcfgd, observed]: REFUSED, apply writes nothing (docs/adoption.md)');
      expect(plan.stdout).toMatch(/PORTCHANNEL_MEMBER\|PortChannel0001\|Ethernet124 +Ethernet124 is a member of PortChannel0001, and Ethernet124 is a fabric uplink/);
      expect(plan.stdout).toContain('0 switch(es) with changes pending, 5 up to date, 1 refused.');
      const json = await cli('plan', '--json');
      expect(json.code).toBe(14);
      const leaf = (JSON.parse(json.stdout) as { switches: { switch: string; refusals: { key: string }[] }[] }).switches.find((s) => s.switch === 'leaf1')!;
      expect(leaf.refusals.map((r) => r.key)).toEqual(['PORTCHANNEL_MEMBER|PortChannel0001|Ethernet124', 'PORTCHANNEL|PortChannel0001']);
      const before = await dump('leaf1');
      const apply = await cli('apply', '--yes');
      expect(apply.code).toBe(1);
      expect(apply.stdout).toMatch(/leaf1 +failed .*REFUSED: not adopted, nothing written: leaf1: PORTCHANNEL_MEMBER\|PortChannel0001\|Ethernet124: /);
      expect(await dump('leaf1')).toEqual(before);
    } finally {
      await leaf1.del('PORTCHANNEL|PortChannel0001', 'PORTCHANNEL_MEMBER|PortChannel0001|Ethernet124', 'INTERFACE|Ethernet60|10.0.0.30/31');
    }
  });

  it('foreign entries only: plan exits 10 with the adoption section, apply removes them, plan exits 0', async () => {
    const leaf1 = fab.db('leaf1', 'CONFIG_DB');
    await leaf1.hset('INTERFACE|Ethernet60|10.0.0.30/31', { NULL: 'NULL' });
    await leaf1.hset('BGP_NEIGHBOR|10.0.0.31', { asn: '65200', name: 'ARISTA16T2', local_addr: '10.0.0.30', holdtime: '180', keepalive: '60', nhopself: '0', rrclient: '0' });
    const plan = await cli('plan');
    expect(plan.code).toBe(10);
    expect(plan.stdout).toContain('leaf1 (redis 127.0.3.12:26391) [bgpcfgd, observed]: 2 change(s), impact session-removed');
    expect(plan.stdout).toContain('  adoption: factory/foreign config removed (2 of the changes above; clos owns this scope, docs/adoption.md):');
    expect(plan.stdout).toMatch(/ {2}1 port address +1 +none\n {2}1 BGP neighbor +1 +session removed/);
    // These switches are redis alone (no exec channel): nothing can save them, so --no-save.
    const apply = await cli('apply', '--yes', '--no-save');
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('not saved (--no-save)');
    expect(apply.stderr).toContain('--no-save: nothing was saved to the startup config');
    const after = await dump('leaf1');
    expect(after['BGP_NEIGHBOR|10.0.0.31']).toBeUndefined();
    expect(after['INTERFACE|Ethernet60|10.0.0.30/31']).toBeUndefined();
    expect((await cli('plan')).code).toBe(0);
  });
});
