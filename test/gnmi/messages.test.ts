// gNMI message building against SONiC's conventions, without a server: write paths with origin
// sonic-db and escaped keys, JSON_IETF values, one SetRequest per change set that never writes
// a whole table, reads and subscriptions with the DB in prefix.target, and the bytes on the wire
// (field numbers of gNMI 0.10).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/core/diff/diff.ts';
import { diffConfig } from '../../src/core/diff/diff.ts';
import { flatten } from '../../src/core/diff/flat.ts';
import { ownershipOf } from '../../src/core/diff/ownership.ts';
import { compileDc1 } from '../support/dc1.ts';
import type { ConfigDb } from '../../src/core/model.ts';
import {
  decodeDatabase,
  decodeTables,
  entryJson,
  fieldsOf,
  getDatabaseRequest,
  getTablesRequest,
  jsonOf,
  keysOfNotification,
  restartServiceRequest,
  setRequestFor,
  subscribeTablesRequest,
} from '../../src/gnmi/messages.ts';
import { escapeToken, joinPaths, pathToString, unescapeToken, writePath } from '../../src/gnmi/paths.ts';
import { decodeMessage, encodeMessage, messageType } from '../../src/gnmi/proto.ts';
import type { GetResponse, Notification, Path, SetRequest, Update } from '../../src/gnmi/types.ts';

const ch = (c: Omit<Change, 'impact'>): Change => ({ impact: 'none', ...c });
const text = (u: Update) => new TextDecoder().decode(u.val!.json_ietf_val);
const names = (p: Path) => (p.elem ?? []).map((e) => e.name);
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

describe('paths', () => {
  it('writes /sonic-db:CONFIG_DB/localhost/TABLE/KEY/FIELD with origin sonic-db', () => {
    const p = writePath('CONFIG_DB', 'PORT', 'Ethernet4', 'admin_status');
    expect(p.origin).toBe('sonic-db');
    expect(names(p)).toEqual(['CONFIG_DB', 'localhost', 'PORT', 'Ethernet4', 'admin_status']);
    expect(p.target).toBeUndefined();
    expect(pathToString(p)).toBe('/sonic-db:CONFIG_DB/localhost/PORT/Ethernet4/admin_status');
  });

  it('escapes "/" in a key as ~1 (and "~" as ~0) for the JSON-Patch side, one elem per key', () => {
    const p = writePath('CONFIG_DB', 'INTERFACE', 'Ethernet0|10.0.0.1/31');
    expect(names(p)).toEqual(['CONFIG_DB', 'localhost', 'INTERFACE', 'Ethernet0|10.0.0.1~131']);
    expect(escapeToken('a~b/c')).toBe('a~0b~1c');
    expect(unescapeToken(escapeToken('x~1/y~0'))).toBe('x~1/y~0');
    expect(pathToString(writePath('APPL_DB', 'ROUTE_TABLE', '10.1.0.2/32'))).toBe('/sonic-db:APPL_DB/localhost/ROUTE_TABLE/10.1.0.2~132');
  });

  it('refuses a field without a key', () => {
    expect(() => writePath('CONFIG_DB', 'PORT', undefined, 'mtu')).toThrow(/needs a key/);
  });

  it('joins prefix and path as SONiC does (prefix elems first)', () => {
    expect(joinPaths({ target: 'STATE_DB', elem: [{ name: 'A' }] }, { elem: [{ name: 'B' }] })).toEqual({ target: 'STATE_DB', elem: [{ name: 'A' }, { name: 'B' }] });
  });
});

describe('one change set → ONE SetRequest', () => {
  it('add: a key-level update carrying the whole entry as JSON_IETF, lists as arrays', () => {
    const req = setRequestFor([ch({ op: 'add', key: 'VLAN|Vlan1000', set: { vlanid: '1000', 'dhcp_servers@': '10.0.0.1,10.0.0.2' } })]);
    expect(req.delete).toBeUndefined();
    expect(req.update).toHaveLength(1);
    const u = req.update![0]!;
    expect(names(u.path!)).toEqual(['CONFIG_DB', 'localhost', 'VLAN', 'Vlan1000']);
    expect(Object.keys(u.val!)).toEqual(['json_ietf_val']);
    expect(JSON.parse(text(u))).toEqual({ vlanid: '1000', dhcp_servers: ['10.0.0.1', '10.0.0.2'] });
  });

  it('add of an entry without fields (INTERFACE bare key) carries {}', () => {
    const req = setRequestFor([ch({ op: 'add', key: 'INTERFACE|Ethernet0', set: {} }), ch({ op: 'add', key: 'INTERFACE|Ethernet0|10.0.0.1/31', set: {} })]);
    expect(req.update!.map((u) => [names(u.path!).slice(2), text(u)])).toEqual([
      [['INTERFACE', 'Ethernet0'], '{}'],
      [['INTERFACE', 'Ethernet0|10.0.0.1~131'], '{}'],
    ]);
  });

  it('delete: a key-level delete', () => {
    const req = setRequestFor([ch({ op: 'delete', key: 'BGP_NEIGHBOR|10.0.0.0', before: { asn: '65100' } })]);
    expect(req.update).toBeUndefined();
    expect(req.delete!.map(names)).toEqual([['CONFIG_DB', 'localhost', 'BGP_NEIGHBOR', '10.0.0.0']]);
    expect(req.delete![0]!.origin).toBe('sonic-db');
  });

  it('replace: delete of the key, then update of the key with the entry after', () => {
    const after = { asn: '65102', admin_status: 'up' };
    const req = setRequestFor([ch({ op: 'replace', key: 'BGP_NEIGHBOR|10.0.0.0', before: { asn: '65101', admin_status: 'up' }, after, set: { asn: '65102' } })]);
    expect(req.delete!.map(names)).toEqual([['CONFIG_DB', 'localhost', 'BGP_NEIGHBOR', '10.0.0.0']]);
    expect(req.update!.map((u) => names(u.path!))).toEqual([['CONFIG_DB', 'localhost', 'BGP_NEIGHBOR', '10.0.0.0']]);
    expect(JSON.parse(text(req.update![0]!))).toEqual(after);
  });

  it('update: field-level deletes of dropped fields and field-level updates of changed ones', () => {
    const req = setRequestFor([
      ch({ op: 'update', key: 'PORT|Ethernet4', set: { admin_status: 'down', mtu: '9000' }, unset: ['description'], before: { admin_status: 'up', mtu: '9100', description: 'x', lanes: '1' }, after: { admin_status: 'down', mtu: '9000', lanes: '1' } }),
    ]);
    expect(req.delete!.map((p) => pathToString(p))).toEqual(['/sonic-db:CONFIG_DB/localhost/PORT/Ethernet4/description']);
    expect(req.update!.map((u) => [pathToString(u.path), text(u)])).toEqual([
      ['/sonic-db:CONFIG_DB/localhost/PORT/Ethernet4/admin_status', '"down"'],
      ['/sonic-db:CONFIG_DB/localhost/PORT/Ethernet4/mtu', '"9000"'],
    ]);
  });

  it('update of a list field sends the list; an entry left without fields becomes {} at key level', () => {
    const list = setRequestFor([ch({ op: 'update', key: 'VLAN|Vlan10', set: { 'dhcp_servers@': 'a,b' }, before: { vlanid: '10' }, after: { vlanid: '10', 'dhcp_servers@': 'a,b' } })]);
    expect(list.update!.map((u) => [names(u.path!).slice(2), text(u)])).toEqual([[['VLAN', 'Vlan10', 'dhcp_servers'], '["a","b"]']]);
    const emptied = setRequestFor([ch({ op: 'update', key: 'LOOPBACK_INTERFACE|Loopback0', unset: ['vrf_name'], before: { vrf_name: 'x' }, after: {} })]);
    expect(emptied.delete).toBeUndefined();
    expect(emptied.update!.map((u) => [names(u.path!).slice(2), text(u)])).toEqual([[['LOOPBACK_INTERFACE', 'Loopback0'], '{}']]);
  });

  it('a whole leaf bring-up (golden dc1 leaf1) is one request at key level, never a table', () => {
    const golden = JSON.parse(readFileSync(new URL('../golden/dc1/leaf1.config_db.json', import.meta.url), 'utf8')) as ConfigDb;
    const desired = flatten(golden);
    const changes = diffConfig({ desired, actual: new Map(), ownership: ownershipOf(compileDc1().intents.find((s) => s.name === 'leaf1')!) });
    const req = setRequestFor(changes);
    expect(req.update).toHaveLength(desired.size);
    for (const u of req.update!) {
      expect(u.path!.origin).toBe('sonic-db');
      expect(names(u.path!).length).toBe(4); // DB, localhost, TABLE, KEY
      expect(u.val!.json_ietf_val!.length).toBeGreaterThan(1);
    }
    // In write order (PORT first, BGP_NEIGHBOR last), keys unescaped back equal the change keys.
    expect(req.update!.map((u) => `${names(u.path!)[2]}|${unescapeToken(names(u.path!)[3]!)}`)).toEqual(changes.map((c) => c.key));
  });

  it('APPL_DB writes use its ":" separator', () => {
    const req = setRequestFor([ch({ op: 'add', key: 'ROUTE_TABLE:10.1.0.2/32', set: { nexthop: '10.0.0.0' } })], 'APPL_DB');
    expect(names(req.update![0]!.path!)).toEqual(['APPL_DB', 'localhost', 'ROUTE_TABLE', '10.1.0.2~132']);
  });
});

describe('reads', () => {
  it('Get names the DB in prefix.target, one TABLE path each, JSON_IETF', () => {
    const req = getTablesRequest('STATE_DB', ['NEIGH_STATE_TABLE', 'PORT_TABLE']);
    expect(req.prefix).toEqual({ target: 'STATE_DB' });
    expect(req.path!.map(names)).toEqual([['NEIGH_STATE_TABLE'], ['PORT_TABLE']]);
    expect(req.encoding).toBe('JSON_IETF');
    expect(getDatabaseRequest('CONFIG_DB').path![0]).toEqual({ origin: 'sonic-db', elem: [{ name: 'CONFIG_DB' }, { name: 'localhost' }] });
  });

  it('a table-level reply keyed by key (without the table) becomes TABLE<sep>key entries', () => {
    const resp: GetResponse = {
      notification: [
        { prefix: { target: 'STATE_DB' }, update: [{ path: { elem: [{ name: 'NEIGH_STATE_TABLE' }] }, val: { json_ietf_val: enc({ '10.0.0.57': { peerType: 'e-BGP', state: 'Established' } }) } }] },
        { prefix: { target: 'STATE_DB' }, update: [{ path: { elem: [{ name: 'INTERFACE_TABLE' }] }, val: { json_ietf_val: enc({ 'Ethernet0|10.0.0.1/31': { state: 'ok' }, Ethernet0: { NULL: 'NULL' } }) } }] },
      ],
    };
    expect([...decodeTables('STATE_DB', resp)]).toEqual([
      ['INTERFACE_TABLE|Ethernet0', {}],
      ['INTERFACE_TABLE|Ethernet0|10.0.0.1/31', { state: 'ok' }],
      ['NEIGH_STATE_TABLE|10.0.0.57', { peerType: 'e-BGP', state: 'Established' }],
    ]);
    const appl: GetResponse = { notification: [{ prefix: { target: 'APPL_DB' }, update: [{ path: { elem: [{ name: 'ROUTE_TABLE' }] }, val: { json_ietf_val: enc({ '10.1.0.2/32': { nexthop: '10.0.0.0,10.0.0.2' } }) } }] }] };
    expect([...decodeTables('APPL_DB', appl).keys()]).toEqual(['ROUTE_TABLE:10.1.0.2/32']);
  });

  it('lists come back as name@ (SONiC form either way), NULL dropped', () => {
    expect(fieldsOf({ NULL: 'NULL', 'ip_range@': 'a,b', vlanid: '1', dhcp_servers: ['x', 'y'] })).toEqual({ 'ip_range@': 'a,b', vlanid: '1', 'dhcp_servers@': 'x,y' });
    expect(entryJson({ 'ip_range@': '', a: 'b' })).toEqual({ ip_range: [], a: 'b' });
    const whole: GetResponse = { notification: [{ update: [{ val: { json_ietf_val: enc({ PORT: { Ethernet0: { mtu: '9100' } }, VLAN: { Vlan10: { members: ['Ethernet8'] } } }) } }] }] };
    expect([...decodeDatabase('CONFIG_DB', whole)]).toEqual([
      ['PORT|Ethernet0', { mtu: '9100' }],
      ['VLAN|Vlan10', { 'members@': 'Ethernet8' }],
    ]);
  });
});

describe('subscriptions', () => {
  it('STREAM ON_CHANGE per table with the DB in prefix.target; SAMPLE intervals in ns', () => {
    const s = subscribeTablesRequest('APPL_DB', ['ROUTE_TABLE', 'LLDP_ENTRY_TABLE']);
    expect(s).toMatchObject({ prefix: { target: 'APPL_DB' }, mode: 'STREAM', encoding: 'JSON_IETF' });
    expect(s.subscription!.map((x) => [names(x.path!), x.mode])).toEqual([
      [['ROUTE_TABLE'], 'ON_CHANGE'],
      [['LLDP_ENTRY_TABLE'], 'ON_CHANGE'],
    ]);
    const sample = subscribeTablesRequest('STATE_DB', ['PORT_TABLE'], { subscriptionMode: 'SAMPLE', sampleIntervalMs: 1500 });
    expect(sample.subscription![0]).toMatchObject({ mode: 'SAMPLE', sample_interval: '1500000000' });
    const poll = subscribeTablesRequest('STATE_DB', ['PORT_TABLE'], { mode: 'POLL' });
    expect(poll.subscription![0]!.mode).toBeUndefined();
  });

  it('names the changed keys of a notification (entries keyed by key, {} for a deletion, delete paths)', () => {
    const n: Notification = {
      prefix: { target: 'STATE_DB' },
      update: [
        { path: { elem: [{ name: 'NEIGH_STATE_TABLE' }] }, val: { json_ietf_val: enc({ '10.0.0.1': { state: 'Idle' }, '10.0.0.3': {} }) } },
        { path: { elem: [{ name: 'PORT_TABLE' }, { name: 'Ethernet0' }] }, val: { json_ietf_val: enc({ state: 'ok' }) } },
      ],
      delete: [{ elem: [{ name: 'PORT_TABLE' }, { name: 'Ethernet4' }] }],
    };
    expect(keysOfNotification('STATE_DB', n)).toEqual(['NEIGH_STATE_TABLE|10.0.0.1', 'NEIGH_STATE_TABLE|10.0.0.3', 'PORT_TABLE|Ethernet0', 'PORT_TABLE|Ethernet4']);
  });

  it('restart of a service is gNOI KillProcess by name, SIGNAL_TERM, restart', () => {
    expect(restartServiceRequest('bgp')).toEqual({ name: 'bgp', signal: 'SIGNAL_TERM', restart: true });
  });
});

describe('wire format (gNMI 0.10 field numbers)', () => {
  const bytes = (type: string, obj: unknown) => [...encodeMessage(messageType(type), obj)];

  it('TypedValue.json_ietf_val is field 11 (bytes)', () => {
    expect(bytes('gnmi.TypedValue', { json_ietf_val: Buffer.from('{}') })).toEqual([0x5a, 2, 0x7b, 0x7d]);
    expect(jsonOf({ json_ietf_val: new Uint8Array([0x7b, 0x7d]) })).toEqual({});
  });

  it('Path: origin 2, elem 3, target 4; PathElem name 1', () => {
    expect(bytes('gnmi.Path', { target: 'X' })).toEqual([0x22, 1, 0x58]);
    expect(bytes('gnmi.Path', { origin: 'o', elem: [{ name: 'a' }] })).toEqual([0x12, 1, 0x6f, 0x1a, 3, 0x0a, 1, 0x61]);
  });

  it('SetRequest: prefix 1, delete 2, replace 3, update 4, union_replace 6', () => {
    const req: SetRequest = { delete: [{}], replace: [{}], update: [{}] };
    expect(bytes('gnmi.SetRequest', req)).toEqual([0x12, 0, 0x1a, 0, 0x22, 0]);
    expect(bytes('gnmi.SetRequest', { union_replace: [{}] })).toEqual([0x32, 0]);
  });

  it('Subscribe: request subscribe 1 / poll 3; response update 1 / sync_response 3; list mode 5, encoding 8, updates_only 9', () => {
    expect(bytes('gnmi.SubscribeRequest', { poll: {} })).toEqual([0x1a, 0]);
    expect(bytes('gnmi.SubscribeResponse', { sync_response: true })).toEqual([0x18, 1]);
    expect(bytes('gnmi.SubscriptionList', { mode: 'POLL', encoding: 'JSON_IETF', updates_only: true })).toEqual([0x28, 2, 0x40, 4, 0x48, 1]);
    expect(bytes('gnmi.Subscription', { mode: 'SAMPLE', sample_interval: '1000000000' })).toEqual([0x10, 2, 0x18, 0x80, 0x94, 0xeb, 0xdc, 0x03]);
  });

  it('GetRequest: prefix 1, path 2, type 3, encoding 5; CapabilityResponse gNMI_version 3', () => {
    expect(bytes('gnmi.GetRequest', { type: 'STATE', encoding: 'JSON_IETF' })).toEqual([0x18, 2, 0x28, 4]);
    expect(bytes('gnmi.CapabilityResponse', { gNMI_version: '0.10.0' })).toEqual([0x1a, 6, ...Buffer.from('0.10.0')]);
  });

  it('gNOI KillProcessRequest: pid 1, name 2, signal 3, restart 4', () => {
    expect(bytes('gnoi.system.KillProcessRequest', restartServiceRequest('bgp'))).toEqual([0x12, 3, ...Buffer.from('bgp'), 0x18, 1, 0x20, 1]);
  });

  it('round-trips a SetRequest through the codec', () => {
    const req = setRequestFor([ch({ op: 'add', key: 'PORT|Ethernet0', set: { mtu: '9100' } })]);
    const back = decodeMessage<SetRequest>(messageType('gnmi.SetRequest'), encodeMessage(messageType('gnmi.SetRequest'), req));
    expect(back.update![0]!.path).toMatchObject({ origin: 'sonic-db', elem: req.update![0]!.path!.elem });
    expect(jsonOf(back.update![0]!.val)).toEqual({ mtu: '9100' });
  });
});
