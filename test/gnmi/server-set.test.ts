// How the emulated switch reads a SetRequest and what each key becomes (pure, no server): the
// JSON-Patch semantics of sonic-gnmi's GCU path at table, key and field level, and its refusals.
import { describe, expect, it } from 'vitest';
import { setRequestFor } from '../../src/gnmi/messages.ts';
import { writePath } from '../../src/gnmi/paths.ts';
import type { GnmiStatusError } from '../../src/gnmi/server-db.ts';
import { finalEntries, parseSetRequest } from '../../src/gnmi/server-set.ts';
import type { SetRequest } from '../../src/gnmi/types.ts';

const val = (v: unknown) => ({ json_ietf_val: new TextEncoder().encode(JSON.stringify(v)) });
const refusal = (req: SetRequest) => {
  try {
    parseSetRequest(req);
  } catch (e) {
    return { code: (e as GnmiStatusError).code, message: (e as Error).message };
  }
  throw new Error('accepted');
};

describe('parseSetRequest', () => {
  it('reads deletes, then replaces, then updates, keys and fields unescaped', () => {
    const p = parseSetRequest({
      update: [{ path: writePath('CONFIG_DB', 'INTERFACE', 'Ethernet0|10.0.0.1/31'), val: val({}) }],
      replace: [{ path: writePath('CONFIG_DB', 'PORT', 'Ethernet0', 'mtu'), val: val('9100') }],
      delete: [writePath('CONFIG_DB', 'VLAN', 'Vlan10')],
    });
    expect(p.db).toBe('CONFIG_DB');
    expect(p.ops.map((o) => [o.kind, o.table, o.key, o.field ?? null])).toEqual([
      ['delete', 'VLAN', 'Vlan10', null],
      ['replace', 'PORT', 'Ethernet0', 'mtu'],
      ['update', 'INTERFACE', 'Ethernet0|10.0.0.1/31', null],
    ]);
  });

  it('takes DB and namespace from the prefix too', () => {
    const p = parseSetRequest({ prefix: { origin: 'sonic-db', elem: [{ name: 'APPL_DB' }, { name: 'localhost' }] }, update: [{ path: { elem: [{ name: 'ROUTE_TABLE' }, { name: '10.1.0.2~132' }] }, val: val({ nexthop: 'x' }) }] });
    expect(p.ops[0]).toMatchObject({ table: 'ROUTE_TABLE', key: '10.1.0.2/32' });
  });

  it('refuses as sonic-gnmi does', () => {
    expect(refusal({ update: [{ path: writePath('CONFIG_DB', 'PORT', 'Ethernet0', 'mtu'), val: { string_val: '1' } }] })).toEqual({ code: 2, message: 'Value encoding is not IETF JSON' });
    expect(refusal({ update: [{ path: { origin: 'sonic-db', elem: [{ name: 'STATE_DB' }, { name: 'localhost' }, { name: 'T' }] }, val: val({}) }] })).toEqual({ code: 2, message: 'Set RPC does not support STATE_DB' });
    expect(refusal({ update: [{ path: { origin: 'sonic-db', elem: [{ name: 'CONFIG_DB' }] }, val: val({}) }] }).code).toBe(5);
    expect(refusal({ delete: [writePath('CONFIG_DB', 'A', 'b'), writePath('APPL_DB', 'A', 'b')] })).toEqual({ code: 5, message: 'Target conflict in path' });
    expect(refusal({ delete: [writePath('CONFIG_DB', 'A', 'b'), { elem: [{ name: 'CONFIG_DB' }, { name: 'localhost' }] }] })).toEqual({ code: 12, message: 'Origin conflict in path' });
    expect(refusal({ union_replace: [{ path: writePath('CONFIG_DB', 'A'), val: val({}) }] }).code).toBe(12);
    expect(refusal({ update: [{ path: writePath('CONFIG_DB', 'PORT', 'Ethernet0', 'mtu'), val: { json_ietf_val: new TextEncoder().encode('{') } }] }).message).toMatch(/^JSON unmarshalling error/);
  });

  it('a Set naming only the database is the full-config form, written nowhere', () => {
    const db = { origin: 'sonic-db', elem: [{ name: 'CONFIG_DB' }, { name: 'localhost' }] };
    expect(parseSetRequest({ delete: [db], update: [{ path: db, val: val({ PORT: {} }) }] })).toEqual({ db: 'CONFIG_DB', fullConfig: true, ops: [] });
    expect(parseSetRequest({ delete: [db] }).ops).toEqual([]);
  });
});

describe('finalEntries: what each touched key becomes', () => {
  const current = new Map<string, Record<string, string>>([
    ['PORT|Ethernet0', { admin_status: 'down', mtu: '9100', lanes: '1' }],
    ['PORT|Ethernet4', { admin_status: 'down', lanes: '5' }],
    ['INTERFACE|Ethernet0', { NULL: 'NULL' }],
    ['VLAN|Vlan10', { vlanid: '10', 'members@': 'Ethernet0' }],
  ]);
  const run = (req: SetRequest, tables: Record<string, string[]> = {}) => Object.fromEntries(finalEntries('CONFIG_DB', parseSetRequest(req).ops, current, new Map(Object.entries(tables))));

  it('clos\'s change set: field updates keep the other fields, a field delete drops one, an entry without fields keeps NULL', () => {
    const req = setRequestFor([
      { op: 'update', key: 'PORT|Ethernet0', set: { admin_status: 'up' }, unset: ['mtu'], before: {}, after: { admin_status: 'up', lanes: '1' }, impact: 'none' },
      { op: 'update', key: 'INTERFACE|Ethernet0', set: { vrf_name: 'V' }, before: {}, after: { vrf_name: 'V' }, impact: 'none' },
      { op: 'add', key: 'INTERFACE|Ethernet0|10.0.0.1/31', set: {}, impact: 'none' },
      { op: 'replace', key: 'VLAN|Vlan10', before: {}, after: { vlanid: '10', 'members@': 'Ethernet0,Ethernet4' }, impact: 'none' },
    ]);
    expect(run(req)).toEqual({
      'VLAN|Vlan10': { vlanid: '10', 'members@': 'Ethernet0,Ethernet4' },
      'PORT|Ethernet0': { admin_status: 'up', lanes: '1' },
      'INTERFACE|Ethernet0': { vrf_name: 'V' },
      'INTERFACE|Ethernet0|10.0.0.1/31': { NULL: 'NULL' },
    });
  });

  it('removing the last field removes the entry; removing what is not there is skipped', () => {
    expect(run({ delete: [writePath('CONFIG_DB', 'PORT', 'Ethernet4', 'admin_status'), writePath('CONFIG_DB', 'PORT', 'Ethernet4', 'lanes'), writePath('CONFIG_DB', 'PORT', 'Ethernet99', 'mtu')] })).toEqual({ 'PORT|Ethernet4': null });
  });

  it('a key-level update replaces the entry; a table-level one replaces the table', () => {
    expect(run({ update: [{ path: writePath('CONFIG_DB', 'PORT', 'Ethernet0'), val: val({ mtu: '1500' }) }] })).toEqual({ 'PORT|Ethernet0': { mtu: '1500' } });
    expect(run({ update: [{ path: writePath('CONFIG_DB', 'PORT'), val: val({ Ethernet8: { admin_status: 'up' } }) }] }, { PORT: ['PORT|Ethernet0', 'PORT|Ethernet4'] })).toEqual({
      'PORT|Ethernet0': null,
      'PORT|Ethernet4': null,
      'PORT|Ethernet8': { admin_status: 'up' },
    });
  });

  it('refuses values that are not strings or lists of strings', () => {
    expect(() => run({ update: [{ path: writePath('CONFIG_DB', 'PORT', 'Ethernet0'), val: val({ mtu: 9100 }) }] })).toThrow(/Unsupported value 9100 for field mtu/);
    expect(() => run({ update: [{ path: writePath('CONFIG_DB', 'PORT', 'Ethernet0', 'mtu'), val: val(9100) }] })).toThrow(/Invalid field mtu/);
  });
});
