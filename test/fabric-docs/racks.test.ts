// `--racks r3`: the work order for adding rack r3 covers exactly what r3 adds: each of its
// files holds the rows that the whole fabric's file gains when r3 is added, no more, no less.
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { compileFabric, formatDiagnostics, type Compiled } from '../../src/core/compile.ts';
import { fabricDocs } from '../../src/fabric-docs/generate.ts';
import { unknownRacks } from '../../src/fabric-docs/handbook.ts';
import { findAll, parseXml } from '../report/xml.ts';
import { ROOT } from '../support/goldens.ts';

const dc1 = readFileSync(`${ROOT}/topologies/dc1.fabric.yaml`, 'utf8');
const lockText = readFileSync(`${ROOT}/topologies/dc1.lock.yaml`, 'utf8');
const withR3 = dc1.replace('    leaves: [leaf3, leaf4]\n', '    leaves: [leaf3, leaf4]\n  - name: r3\n    leaves: [leaf5, leaf6]\n    servers: {vlan: 2000, ports: Ethernet0-Ethernet12/4, prefix-length: 27}\n');

function compile(text: string): Compiled {
  const r = compileFabric({ text, file: 'dc1.fabric.yaml', lockText, lockFile: 'dc1.lock.yaml' });
  if (!r.ok) throw new Error(formatDiagnostics(r.diagnostics));
  return r;
}

/** A CSV's rows as lines keyed by the given columns (status differs: planned vs active). */
function keys(text: string | undefined, columns?: readonly string[]): string[] {
  const rs = parse(text ?? '', { columns: true }) as Record<string, string>[];
  return rs.map((r) => (columns ? columns.map((c) => r[c]) : Object.values(r)).join(','));
}

const added = (before: string[], after: string[]) => after.filter((k) => !before.includes(k));

describe('clos docs --racks', () => {
  const before = fabricDocs(compile(dc1));
  const next = compile(withR3);
  const after = fabricDocs(next);
  const order = fabricDocs(next, { racks: ['r3'] });

  it('the new rack is not in the lock yet: the work order says so', () => {
    expect(next.changes.length).toBeGreaterThan(0);
    expect(order.get('index.md')).toContain('**Not in the lock yet:**');
    expect(order.get('index.md')).toMatch(/^# Work order: rack r3 of fabric dc1\n/);
  });

  it('cabling, addresses and ASNs: exactly the rows r3 adds', () => {
    for (const f of ['cabling.csv', 'ip-plan.csv', 'asn-plan.csv']) {
      expect(keys(order.get(f)), f).toEqual(added(keys(before.get(f)), keys(after.get(f))));
    }
    expect(keys(order.get('cabling.csv'), ['a_switch', 'b_switch'])).toEqual(['leaf5,spine1', 'leaf5,spine2', 'leaf6,spine1', 'leaf6,spine2']);
    // The spines' new ports carry addresses too: the other end of each new cable.
    expect(keys(order.get('ip-plan.csv'), ['switch']).filter((s) => s.startsWith('spine'))).toHaveLength(4);
  });

  it('one rack sheet, the same as in the whole fabric\'s documents', () => {
    expect([...order.keys()].filter((k) => k.startsWith('racks/'))).toEqual(['racks/r3.md']);
    expect(order.get('racks/r3.md')).toBe(after.get('racks/r3.md'));
  });

  it('NetBox: only the new objects, planned', () => {
    const objects: Record<string, readonly string[]> = {
      '06-racks': ['site', 'name'],
      '07-devices': ['name', 'role', 'device_type', 'rack'],
      '08-interfaces': ['device', 'name', 'type'],
      '09-cables': ['side_a_device', 'side_a_name', 'side_b_device', 'side_b_name', 'label'],
      '11-asns': ['asn'],
      '12-prefixes': ['prefix'],
      '13-ip-addresses': ['address', 'device', 'interface'],
    };
    for (const [name, cols] of Object.entries(objects)) {
      const f = `netbox/${name}.csv`;
      expect(keys(order.get(f), cols), f).toEqual(added(keys(before.get(f), cols), keys(after.get(f), cols)));
      expect(keys(order.get(f), cols).length, f).toBeGreaterThan(0);
    }
    // Site, roles, platform, the Force10 type: NetBox has them from the fabric's first import.
    // So have the RIR of the private ASNs.
    expect([...order.keys()].filter((k) => k.startsWith('netbox/')).map((k) => k.slice(7, 9))).toEqual(['06', '07', '08', '09', '11', '12', '13']);
    expect(new Set(keys(order.get('netbox/07-devices.csv'), ['status']))).toEqual(new Set(['planned']));
    expect(new Set(keys(order.get('netbox/09-cables.csv'), ['status']))).toEqual(new Set(['planned']));
  });

  it('the diagram: the spines and the new rack, nothing else', () => {
    const svg = parseXml(order.get('fabric.svg')!);
    const texts = findAll(svg, 'text').map((t) => t.text);
    for (const n of ['spine1', 'spine2', 'leaf5', 'leaf6', 'r3']) expect(texts).toContain(n);
    for (const n of ['leaf1', 'leaf4', 'r1', 'r2']) expect(texts).not.toContain(n);
    expect(findAll(svg, 'path').filter((p) => p.attrs.class === 'cable')).toHaveLength(4);
  });

  it('names racks the fabric does not have', () => {
    expect(unknownRacks(next, ['r3', 'r9', 'r1'])).toEqual(['r9']);
  });
});
