// The NetBox files: read back with a CSV library (quoted commas, quotes and line breaks of a
// description survive), only field names NetBox's import forms have, and every reference (a
// device's role, type, rack; an interface's device; a cable's or an address's interface) to an
// object an earlier file creates, so that an empty NetBox takes them in file order.
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { compileFabric, formatDiagnostics } from '../../src/core/compile.ts';
import { fabricDocs } from '../../src/fabric-docs/generate.ts';
import { compileExample } from '../support/docs-goldens.ts';
import { ROOT } from '../support/goldens.ts';

type Row = Record<string, string>;
const rows = (text: string | undefined): Row[] => parse(text ?? '', { columns: true }) as Row[];

// The `fields` of NetBox's import forms (netbox/dcim/forms/bulk_import.py, ipam/forms/bulk_import.py),
// trimmed to those that matter here; a header outside its form's list would be rejected.
const FORM_FIELDS: Record<string, readonly string[]> = {
  '01-sites': ['name', 'slug', 'status', 'region', 'group', 'tenant', 'facility', 'time_zone', 'description', 'comments', 'tags'],
  '02-device-roles': ['name', 'slug', 'color', 'vm_role', 'config_template', 'description', 'tags'],
  '03-platforms': ['name', 'slug', 'manufacturer', 'config_template', 'description', 'tags'],
  '04-manufacturers': ['name', 'slug', 'description', 'tags'],
  '05-device-types': ['manufacturer', 'default_platform', 'model', 'slug', 'part_number', 'u_height', 'is_full_depth', 'airflow', 'description', 'comments', 'tags'],
  '06-racks': ['site', 'location', 'name', 'facility_id', 'tenant', 'status', 'role', 'form_factor', 'serial', 'asset_tag', 'width', 'u_height', 'description', 'comments', 'tags'],
  '07-devices': ['name', 'role', 'tenant', 'manufacturer', 'device_type', 'platform', 'serial', 'asset_tag', 'status', 'site', 'location', 'rack', 'position', 'face', 'description', 'comments', 'tags'],
  '08-interfaces': ['device', 'name', 'label', 'parent', 'bridge', 'lag', 'type', 'speed', 'duplex', 'enabled', 'mark_connected', 'mtu', 'mgmt_only', 'description', 'mode', 'vrf', 'tags'],
  '09-cables': ['side_a_device', 'side_a_type', 'side_a_name', 'side_b_device', 'side_b_type', 'side_b_name', 'type', 'status', 'tenant', 'label', 'color', 'length', 'length_unit', 'description', 'comments', 'tags'],
  '10-rirs': ['name', 'slug', 'is_private', 'description', 'tags'],
  '11-asns': ['asn', 'rir', 'tenant', 'description', 'comments', 'tags'],
  '12-prefixes': ['prefix', 'vrf', 'tenant', 'vlan', 'status', 'role', 'is_pool', 'mark_utilized', 'description', 'comments', 'tags'],
  '13-ip-addresses': ['address', 'vrf', 'tenant', 'status', 'role', 'device', 'virtual_machine', 'interface', 'is_primary', 'dns_name', 'description', 'comments', 'tags'],
};
const REQUIRED: Record<string, readonly string[]> = {
  '01-sites': ['name', 'slug', 'status'],
  '06-racks': ['site', 'name', 'status', 'width', 'u_height'],
  '07-devices': ['name', 'role', 'manufacturer', 'device_type', 'status', 'site'],
  '08-interfaces': ['device', 'name', 'type'],
  '09-cables': ['side_a_device', 'side_a_type', 'side_a_name', 'side_b_device', 'side_b_type', 'side_b_name'],
  '11-asns': ['asn', 'rir'],
  '13-ip-addresses': ['address', 'status'],
};

function netbox(docs: Map<string, string>) {
  const nb = Object.fromEntries([...docs].filter(([k]) => k.startsWith('netbox/')).map(([k, v]) => [k.slice('netbox/'.length, -'.csv'.length), v]));
  for (const [name, text] of Object.entries(nb)) {
    const header = parse(text, { to_line: 1 })[0] as string[];
    expect(FORM_FIELDS[name], `${name}: a file NetBox has no form for`).toBeDefined();
    expect(header.filter((h) => !FORM_FIELDS[name]!.includes(h)), name).toEqual([]);
    for (const r of rows(text)) for (const f of REQUIRED[name] ?? []) expect(r[f], `${name}: ${f} empty in ${JSON.stringify(r)}`).not.toBe('');
  }
  return (name: string) => rows(nb[name]);
}

function referencesResolve(get: (name: string) => Row[]) {
  const sites = new Set(get('01-sites').map((r) => r.name));
  const roles = new Set(get('02-device-roles').map((r) => r.name));
  const types = new Map(get('05-device-types').map((r) => [r.model, r.manufacturer]));
  const makers = new Set(get('04-manufacturers').map((r) => r.name));
  for (const m of types.values()) expect(makers).toContain(m);
  const racks = new Set(get('06-racks').map((r) => `${r.site}/${r.name}`));
  for (const r of get('06-racks')) expect(sites).toContain(r.site);
  const devices = get('07-devices');
  for (const d of devices) {
    expect(roles).toContain(d.role);
    expect(types.get(d.device_type!)).toBe(d.manufacturer);
    if (d.rack) expect(racks).toContain(`${d.site}/${d.rack}`);
  }
  const names = new Set(devices.map((d) => d.name));
  const ifaces = new Set(get('08-interfaces').map((i) => `${i.device}|${i.name}`));
  for (const i of get('08-interfaces')) expect(names).toContain(i.device);
  for (const c of get('09-cables')) {
    expect([c.side_a_type, c.side_b_type]).toEqual(['dcim.interface', 'dcim.interface']);
    expect(ifaces).toContain(`${c.side_a_device}|${c.side_a_name}`);
    expect(ifaces).toContain(`${c.side_b_device}|${c.side_b_name}`);
  }
  for (const a of get('13-ip-addresses')) expect(ifaces).toContain(`${a.device}|${a.interface}`);
  const rirs = new Set(get('10-rirs').map((r) => r.name));
  for (const a of get('11-asns')) expect(rirs).toContain(a.rir);
}

describe('NetBox import files', () => {
  it('pod4x32: field names of the import forms, every reference resolved, one object per switch, port and cable', () => {
    const c = compileExample('pod4x32.fabric.yaml');
    const get = netbox(fabricDocs(c));
    referencesResolve(get);
    expect(get('07-devices')).toHaveLength(36);
    expect(get('09-cables')).toHaveLength(128);
    expect(get('11-asns')).toHaveLength(33); // one spine ASN, 32 leaf ASNs
    expect(get('08-interfaces').find((i) => i.device === 'leaf1' && i.name === 'Ethernet240')).toMatchObject({ type: '100gbase-x-qsfp28', speed: '100000000', mtu: '9100', description: 'spine1:Ethernet0' });
    expect(get('13-ip-addresses').find((a) => a.device === 'spine1' && a.interface === 'Loopback0')).toMatchObject({ address: '10.10.0.100/32', role: 'loopback' });
  });

  it('a description with commas, quotes, a pipe, markup and a line break survives every format', () => {
    const description = 'Hall "B", row 3 | <pod> & co.\nsecond line, too';
    const text = readFileSync(`${ROOT}/topologies/dc1.fabric.yaml`, 'utf8').replace(/^description: .*$/m, `description: ${JSON.stringify(description)}`);
    const r = compileFabric({ text, file: 'quoted.fabric.yaml' });
    if (!r.ok) throw new Error(formatDiagnostics(r.diagnostics));
    const docs = fabricDocs(r);
    const get = netbox(docs);
    referencesResolve(get);
    expect(docs.get('netbox/01-sites.csv')).toContain('"Hall ""B"", row 3');
    expect(get('01-sites')).toEqual([{ name: 'dc1', slug: 'dc1', status: 'active', description }]);
    // Commas inside other descriptions are quoted too.
    expect(get('07-devices')[0]!.description).toBe('AS 65100, router id 10.0.0.1');
    expect(get('11-asns')[0]!.description).toBe('dc1 spines: spine1, spine2');
    // Markdown: one line, nothing that breaks a table or reads as markup.
    expect(docs.get('index.md')).toContain('Hall "B", row 3 \\| &lt;pod&gt; &amp; co. second line, too');
    expect(docs.get('fabric.svg')).toContain('Hall &quot;B&quot;, row 3 | &lt;pod&gt; &amp; co.');
  });
});
