// `clos lab export`: the containerlab topology validates against containerlab's own schema,
// maps ethN ↔ Ethernet4·(N−1), and comes with a valid inventory; fabrics that cannot be
// mapped are refused with exit code 2, naming the switch and port.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventorySchema } from '../../src/inventory/schema.ts';
import { ethOf, exportTopology } from '../../src/lab/export.ts';
import { runCli } from '../support/cli.ts';
import { clos } from './host-fixtures.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const SCHEMA = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/containerlab.schema.json'), 'utf8'));
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'clos-host-export-'));
  copyFileSync(join(ROOT, 'topologies/dc1.fabric.yaml'), join(dir, 'dc1.fabric.yaml'));
  copyFileSync(join(ROOT, 'topologies/dc1.lock.yaml'), join(dir, 'dc1.lock.yaml'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The schema says draft-07 but uses 2020-12's prefixItems for link endpoints; strict mode off
// lets ajv ignore that keyword, and the endpoint form is checked below by hand.
const validate = new Ajv({ strict: false, allErrors: true }).compile(SCHEMA);

describe('clos lab export', () => {
  for (const kind of ['sonic-vs', 'sonic-vm'] as const) {
    it(`--kind ${kind} writes a topology valid for containerlab and a matching inventory`, async () => {
      const out = join(dir, `dc1-${kind}.clab.yml`);
      const r = await runCli('lab', 'export', join(dir, 'dc1.fabric.yaml'), '--kind', kind, '-o', out);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const doc = parse(readFileSync(out, 'utf8'));
      expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
      expect(doc.topology.kinds[kind].image).toBe(kind === 'sonic-vs' ? 'docker-sonic-vs:latest' : 'vrnetlab/sonic_sonic-vs:latest');
      expect(Object.keys(doc.topology.nodes).sort()).toEqual(['leaf1', 'leaf2', 'leaf3', 'leaf4', 'spine1', 'spine2']);
      // The lock cables leaf1:Ethernet120 -- spine1:Ethernet0 and leaf4:Ethernet124 -- spine2:Ethernet12.
      const endpoints = doc.topology.links.map((l: { endpoints: string[] }) => l.endpoints);
      expect(endpoints).toContainEqual(['spine1:eth1', 'leaf1:eth31']);
      expect(endpoints).toContainEqual(['spine2:eth4', 'leaf4:eth32']);
      expect(endpoints).toHaveLength(8);
      for (const e of endpoints.flat()) expect(e).toMatch(/^\S+:\S+$/);
      const mgmt = Object.values(doc.topology.nodes).map((n) => (n as Record<string, string>)['mgmt-ipv4']);
      expect(new Set(mgmt).size).toBe(6);
      for (const ip of mgmt) expect(ip).toMatch(/^172\.20\.20\.\d+$/);

      const inv = inventorySchema.parse(parse(readFileSync(join(dir, `dc1-${kind}.inventory.yaml`), 'utf8')));
      expect(Object.keys(inv.switches).sort()).toEqual(['leaf1', 'leaf2', 'leaf3', 'leaf4', 'spine1', 'spine2']);
      const leaf1 = inv.switches.leaf1!;
      expect(leaf1.mgmt).toBe(doc.topology.nodes.leaf1['mgmt-ipv4']);
      if (kind === 'sonic-vs') {
        expect(leaf1).toMatchObject({ transport: 'redis', redis: { via: { kind: 'docker-exec', container: 'clab-dc1-leaf1' } }, exec: { kind: 'docker', container: 'clab-dc1-leaf1' } });
      } else {
        expect(leaf1).toMatchObject({ transport: 'gnmi', gnmi: { host: leaf1.mgmt, port: 8080 }, exec: { kind: 'ssh', host: leaf1.mgmt, user: 'admin' } });
      }
    });
  }

  it('the schema check is not vacuous: an unknown kind is rejected', () => {
    expect(validate({ name: 'x', topology: { nodes: { a: { kind: 'not-a-kind' } } } })).toBe(false);
  });

  it('maps EthernetM to eth(M/4+1) only on the 32-port step-4 layout', () => {
    expect(ethOf('Ethernet0')).toBe(1);
    expect(ethOf('Ethernet4')).toBe(2);
    expect(ethOf('Ethernet124')).toBe(32);
    expect(ethOf('Ethernet2')).toBeUndefined();
    expect(ethOf('Ethernet128')).toBeUndefined();
    const topo = clos('x', 1, 1);
    const bad = { ...topo, links: [{ ...topo.links[0]!, leafPort: 'Ethernet2' }] };
    const r = exportTopology(bad, { kind: 'sonic-vs' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toEqual([expect.stringMatching(/^switch leaf1: port Ethernet2 \(link leaf1 -- spine1\) has no containerlab interface/)]);
  });

  it('refuses a fabric on another platform with exit code 2, naming the switch and hwsku', async () => {
    const file = join(dir, 'wide.fabric.yaml');
    writeFileSync(
      file,
      [
        'fabric: wide',
        'underlay: {asn: {spine: 65100, leaves: 65101-65200}, loopbacks: 10.0.0.0/24, p2p: 10.1.0.0/20}',
        'defaults: {hwsku: Wide-64}',
        'platforms: {Wide-64: {ports: Ethernet0-Ethernet63, speed: 10000}}',
        'spines: [{name: spine1}]',
        'racks: [{name: r1, leaves: [leaf1]}]',
        'cabling: {leaf-uplinks: [Ethernet61], spine-ports: Ethernet0-Ethernet7}',
        '',
      ].join('\n'),
    );
    const r = await runCli('lab', 'export', file, '--kind', 'sonic-vs', '-o', join(dir, 'wide.clab.yml'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/switch spine1: hwsku Wide-64 cannot be exported: sonic-vs nodes run Force10-S6000/);
  });
});

describe('lab/dc1.clab.yml (committed example)', () => {
  it('is what `clos lab export topologies/dc1.fabric.yaml --kind sonic-vs` writes', async () => {
    const out = join(dir, 'golden.clab.yml');
    expect((await runCli('lab', 'export', join(dir, 'dc1.fabric.yaml'), '--kind', 'sonic-vs', '-o', out)).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(ROOT, 'lab/dc1.clab.yml'), 'utf8'));
    expect(readFileSync(join(dir, 'golden.inventory.yaml'), 'utf8')).toBe(readFileSync(join(ROOT, 'lab/dc1.inventory.yaml'), 'utf8'));
  });
});
