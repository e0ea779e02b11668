// Intent lint catches what pins and explicit links could break, before anything is rendered.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileFabric } from '../../src/core/compile.ts';
import { lintIntents, lintRendered } from '../../src/core/intent/lint.ts';
import type { ConfigDb, SwitchIntent } from '../../src/core/model.ts';
import { bgpcfgdBlockers } from '../../src/core/render/preconditions.ts';

const text = readFileSync(new URL('../../topologies/dc1.fabric.yaml', import.meta.url), 'utf8');
const compiled = compileFabric({ text, file: 'dc1.fabric.yaml' });
if (!compiled.ok) throw new Error('dc1 must compile');
const { fabric, intents, configs } = compiled;

const replace = (name: string, change: (s: SwitchIntent) => SwitchIntent) => intents.map((s) => (s.name === name ? change(s) : s));
const codes = (ds: { code: string }[]) => ds.map((d) => d.code);

describe('lintIntents', () => {
  it('finds nothing in a consistent fabric', () => {
    expect(lintIntents(fabric, intents)).toEqual([]);
  });

  it('flags a session whose ends disagree on the ASN', () => {
    const broken = replace('leaf1', (s) => ({ ...s, neighbors: s.neighbors.map((n, i) => (i === 0 ? { ...n, peerAsn: 65999 } : n)) }));
    const ds = lintIntents(fabric, broken);
    expect(codes(ds)).toEqual(['LINT_SESSION_MISMATCH']);
    expect(ds[0]!.message).toBe('session leaf1 -- spine1: leaf1 expects ASN 65999, spine1 has 65100');
  });

  it('flags a local address not configured on the session port', () => {
    const broken = replace('leaf2', (s) => ({ ...s, ports: s.ports.map((p) => (p.def.name === 'Ethernet120' ? { ...p, address: '10.1.0.99/31' } : p)) }));
    expect(lintIntents(fabric, broken).map((d) => d.message)).toEqual(['session leaf2 -- spine1: 10.1.0.5 is not configured on leaf2 Ethernet120']);
  });

  it('flags shared router ids, a leaf with the spine ASN and a leaf missing a spine', () => {
    const broken = replace('leaf3', (s) => ({ ...s, routerId: '10.0.0.1', asn: 65100, neighbors: s.neighbors.slice(0, 1) }));
    expect(codes(lintIntents(fabric, broken)).sort()).toEqual(['LINT_ECMP', 'LINT_LEAF_ASN', 'LINT_ROUTER_ID', 'LINT_SESSION_MISMATCH']);
  });
});

describe('bgpcfgd preconditions on rendered CONFIG_DB', () => {
  it('every rendered neighbor of every example switch passes', () => {
    for (const [name, db] of configs) expect(lintRendered(fabric, name, db)).toEqual([]);
  });

  it('names each precondition that fails', () => {
    const db = structuredClone(configs.get('leaf1')!) as ConfigDb;
    delete db.INTERFACE!['Ethernet120'];
    delete db.LOOPBACK_INTERFACE!['Loopback0'];
    delete db.DEVICE_METADATA!.localhost!.bgp_router_id;
    delete db.DEVICE_METADATA!.localhost!.type;
    expect(bgpcfgdBlockers(db, '10.1.0.0')).toEqual([
      'DEVICE_METADATA|localhost lacks bgp_asn or type',
      'no Loopback0 with an IPv4 /32 and no bgp_router_id',
      'no interface with a bare key holds local_addr 10.1.0.1',
    ]);
    expect(codes(lintRendered(fabric, 'leaf1', db))).toEqual(['LINT_BGPCFGD', 'LINT_BGPCFGD']); // both neighbors wait
  });
});
