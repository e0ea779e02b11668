// The documents agree with what `clos render` writes: every cable of cabling.csv is the
// DEVICE_NEIGHBOR entry of both its ends, every address of ip-plan.csv an INTERFACE,
// LOOPBACK_INTERFACE or VLAN_INTERFACE key of its switch, and nothing rendered is missing from
// them. The CSVs are read back with a CSV library, as a spreadsheet or NetBox would read them.
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { Compiled } from '../../src/core/compile.ts';
import { fabricDocs } from '../../src/fabric-docs/generate.ts';
import { compileExample } from '../support/docs-goldens.ts';

type Row = Record<string, string>;
const rows = (text: string): Row[] => parse(text, { columns: true }) as Row[];

function check(c: Compiled) {
  const docs = fabricDocs(c);
  const cables = rows(docs.get('cabling.csv')!);
  const seen = new Set<string>();
  for (const r of cables) {
    const a = c.configs.get(r.a_switch!)!.DEVICE_NEIGHBOR!;
    const b = c.configs.get(r.b_switch!)!.DEVICE_NEIGHBOR!;
    expect(a[r.a_port!], `${r.label}: ${r.a_switch} ${r.a_port}`).toEqual({ name: r.b_switch, port: r.b_port });
    expect(b[r.b_port!], `${r.label}: ${r.b_switch} ${r.b_port}`).toEqual({ name: r.a_switch, port: r.a_port });
    for (const end of [`${r.a_switch}|${r.a_port}`, `${r.b_switch}|${r.b_port}`]) {
      expect(seen.has(end), `${end} is in two rows`).toBe(false);
      seen.add(end);
    }
  }
  // Every rendered neighbor is one end of a listed cable.
  const rendered = [...c.configs].flatMap(([sw, db]) => Object.keys(db.DEVICE_NEIGHBOR ?? {}).map((p) => `${sw}|${p}`));
  expect(new Set(rendered)).toEqual(seen);

  const addresses = rows(docs.get('ip-plan.csv')!);
  const planned = new Set(addresses.map((a) => `${a.switch}|${a.interface}|${a.address}`));
  const renderedAddresses = new Set<string>();
  for (const [sw, db] of c.configs) {
    for (const table of ['INTERFACE', 'LOOPBACK_INTERFACE', 'VLAN_INTERFACE']) {
      for (const key of Object.keys(db[table] ?? {})) if (key.includes('|')) renderedAddresses.add(`${sw}|${key}`);
    }
  }
  expect(planned).toEqual(renderedAddresses);
  expect(addresses.length).toBe(planned.size);
  // Each p2p address names its peer, whose address is the other one of the /31.
  const byEnd = new Map(addresses.map((a) => [`${a.switch}:${a.interface}`, a]));
  for (const a of addresses.filter((x) => x.role === 'p2p')) {
    const peer = byEnd.get(a.peer!)!;
    expect(peer.peer).toBe(`${a.switch}:${a.interface}`);
    expect(peer.address!.split('/')[1]).toBe('31');
  }
  const asns = rows(docs.get('asn-plan.csv')!);
  for (const a of asns) expect(c.configs.get(a.switch!)!.DEVICE_METADATA!.localhost!.bgp_asn).toBe(a.asn);
  expect(asns.map((a) => a.switch).sort()).toEqual([...c.configs.keys()].sort());
  return { cables, addresses };
}

describe('the documents agree with the rendered CONFIG_DB', () => {
  it('dc1: 8 cables, 24 addresses', () => {
    const { cables, addresses } = check(compileExample('dc1.fabric.yaml'));
    expect(cables).toHaveLength(8);
    expect(addresses).toHaveLength(24);
  });

  it('pod4x32 (an explicit link, a pinned ASN and loopback, 100G)', () => {
    const { cables } = check(compileExample('pod4x32.fabric.yaml'));
    expect(cables).toHaveLength(128);
    expect(cables.find((r) => r.a_switch === 'leaf32' && r.b_switch === 'spine4')).toMatchObject({ a_port: 'Ethernet252', b_port: 'Ethernet252', speed: '100G' });
  });
});
