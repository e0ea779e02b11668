import { describe, expect, it } from 'vitest';
import { CONFIG_READ_TABLES } from '../../src/core/adoption/refusals.ts';
import { applyFabric } from '../../src/services/apply.ts';
import { hasWork, planFabric } from '../../src/services/plan.ts';
import type { DbName, ReadOptions } from '../../src/transport/transport.ts';
import { memoryFabric } from '../support/memory-fabric.ts';

type Fabric = Awaited<ReturnType<typeof memoryFabric>>;

/** The keys each switch's reads of the next plan expect (the transport's hint), by switch:
 *  its CONFIG_DB read's under the switch's name, its flavour probe's under `name STATE_DB`. */
function recordConfigExpects(m: Fabric): Map<string, string[]> {
  const asked = new Map<string, string[]>();
  for (const [name, sw] of m.switches) {
    const t = sw.transport;
    const read = t.read.bind(t);
    t.read = (db: DbName, tables?: readonly string[], opts?: ReadOptions) => {
      asked.set(db === 'CONFIG_DB' ? name : `${name} ${db}`, [...(opts?.expect ?? [])]);
      return read(db, tables, opts);
    };
  }
  return asked;
}

/** What a switch holds in the tables plan reads. */
function heldInReadTables(m: Fabric, name: string): string[] {
  const tables = new Set(CONFIG_READ_TABLES);
  return [...m.switches.get(name)!.transport.dbs.CONFIG_DB.keys()].filter((k) => tables.has(k.split('|')[0]!));
}

describe("plan's CONFIG_DB read expects what the switch holds, each key once", () => {
  it('at factory state: the platform ports and DEVICE_METADATA, not the keys clos would render there', async () => {
    const m = await memoryFabric();
    const asked = recordConfigExpects(m);
    const plans = await planFabric(m.session);
    expect(plans.every((p) => p.firstBringUp)).toBe(true);
    for (const name of ['leaf1', 'spine1']) {
      const asks = asked.get(name)!;
      const ports = m.session.intents.get(name)!.platform.ports.map((p) => `PORT|${p.name}`);
      expect(new Set(asks)).toEqual(new Set([...ports, 'DEVICE_METADATA|localhost']));
      expect(new Set(asks).size).toBe(asks.length);
      // The factory preset is all expected: one round trip.
      expect(heldInReadTables(m, name).filter((k) => !asks.includes(k))).toEqual([]);
      // What clos renders beyond the ports is not there yet, and not asked for.
      expect(asks).not.toContain([...m.session.desired.get(name)!.keys()].find((k) => k.startsWith('BGP_NEIGHBOR|')));
      // Nor bgpcfgd's record of neighbors nobody configured yet.
      expect(asked.get(`${name} STATE_DB`)).toEqual([]);
    }
  });

  it('once applied: also every key clos rendered and applied, each once', async () => {
    const m = await memoryFabric();
    await applyFabric(m.session, await planFabric(m.session));
    const asked = recordConfigExpects(m);
    expect((await planFabric(m.session)).filter(hasWork)).toEqual([]);
    for (const name of ['leaf1', 'spine1']) {
      const asks = asked.get(name)!;
      const want = new Set(asks);
      expect(want.size).toBe(asks.length);
      for (const k of m.session.desired.get(name)!.keys()) expect(want.has(k), `${name}: ${k}`).toBe(true);
      expect(heldInReadTables(m, name).filter((k) => !want.has(k))).toEqual([]);
      // The flavour probe expects bgpcfgd's record of each neighbor clos configured.
      expect(asked.get(`${name} STATE_DB`)).toEqual(m.session.intents.get(name)!.neighbors.map((n) => `BGP_PEER_CONFIGURED_TABLE|${n.peerIp}`));
    }
  });
});
