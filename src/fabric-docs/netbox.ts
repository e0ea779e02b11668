// netbox/: the fabric in NetBox's CSV bulk-import formats, one file per object type, numbered in
// the order they must be imported (each refers only to objects of the files before it). Field
// names are those of NetBox's import forms (dcim and ipam bulk_import): objects are referred to
// by name (site, rack, role, manufacturer, device_type by model, device, interface), choices by
// their value (status, interface type, dcim.interface).
//
// The whole fabric imports into an empty NetBox. Under --racks only what those racks add: their
// rack, leaves, interfaces (theirs and the spine ports cabled to them), cables, addresses, ASNs,
// server prefixes, and a device type or manufacturer no switch outside the racks uses.
import type { SwitchIntent } from '../core/model.ts';
import { csv } from './csv.ts';
import type { Handbook } from './handbook.ts';
import { asnSwitches } from './plans.ts';

/** NetBox's interface type for a port speed (InterfaceTypeChoices: the QSFP/SFP form of each). */
const TYPE_BY_SPEED: Readonly<Record<number, string>> = {
  1000: '1000base-t',
  10000: '10gbase-x-sfpp',
  25000: '25gbase-x-sfp28',
  40000: '40gbase-x-qsfpp',
  50000: '50gbase-x-sfp56',
  100000: '100gbase-x-qsfp28',
  200000: '200gbase-x-qsfp56',
  400000: '400gbase-x-qsfpdd',
  800000: '800gbase-x-qsfpdd',
};

const ROLE_COLOUR = { spine: '4e79a7', leaf: '59a14f' } as const;

/** SONiC hwskus are named Vendor-Model (Force10-S6000, Mellanox-SN2700): the vendor part. */
export function manufacturerOf(hwsku: string): string {
  const dash = hwsku.indexOf('-');
  return dash > 0 ? hwsku.slice(0, dash) : hwsku;
}

export function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9_]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
}

/** RFC 6996 private ASNs: 64512–65534 and 4200000000–4294967294. */
export function isPrivateAsn(asn: number): boolean {
  return (asn >= 64512 && asn <= 65534) || (asn >= 4200000000 && asn <= 4294967294);
}

export function netboxFiles(h: Handbook): Map<string, string> {
  const status = h.scope ? 'planned' : 'active';
  const site = h.fabric;
  const leaves = h.racks.flatMap((r) => r.leaves);
  const devices = [...(h.scope ? [] : h.spines), ...leaves];
  // Device types (and their makers) the files must create: all, or under --racks only those of
  // the new leaves that no other switch of the fabric has.
  const mine = new Set(leaves);
  const elsewhere = new Set(h.scope ? h.compiled.intents.filter((s) => !mine.has(s)).map((s) => s.hwsku) : []);
  const types = [...new Set(devices.map((d) => d.hwsku))].filter((t) => !elsewhere.has(t));
  const makersElsewhere = new Set([...elsewhere].map(manufacturerOf));
  const makers = [...new Set(types.map(manufacturerOf))].filter((m) => !makersElsewhere.has(m));
  const files = new Map<string, string>();
  const put = (name: string, headers: readonly string[], rows: readonly (readonly (string | number | boolean | undefined)[])[]) => {
    if (rows.length > 0) files.set(`netbox/${name}.csv`, csv(headers, rows));
  };
  if (!h.scope) {
    put('01-sites', ['name', 'slug', 'status', 'description'], [[site, slug(site), 'active', h.description ?? '']]);
    put('02-device-roles', ['name', 'slug', 'color', 'description'], (['spine', 'leaf'] as const).map((r) => [r, r, ROLE_COLOUR[r], `${r} of a clos leaf-spine fabric`]));
    put('03-platforms', ['name', 'slug', 'description'], [['SONiC', 'sonic', 'SONiC network operating system']]);
  }
  put('04-manufacturers', ['name', 'slug'], makers.map((m) => [m, slug(m)]));
  put('05-device-types', ['manufacturer', 'model', 'slug', 'u_height'], types.map((t) => [manufacturerOf(t), t, slug(t), 1]));
  put('06-racks', ['site', 'name', 'status', 'width', 'u_height'], h.racks.map((r) => [site, r.rack.name, status, 19, 42]));
  put('07-devices', ['name', 'role', 'manufacturer', 'device_type', 'platform', 'status', 'site', 'rack', 'description'], devices.map((d) => [
    d.name, d.role, manufacturerOf(d.hwsku), d.hwsku, 'SONiC', status, site, d.rack ?? '', `AS ${d.asn}, router id ${d.routerId}`,
  ]));
  put('08-interfaces', ['device', 'name', 'label', 'type', 'speed', 'mtu', 'enabled', 'description'], interfaces(h, leaves));
  put('09-cables', ['side_a_device', 'side_a_type', 'side_a_name', 'side_b_device', 'side_b_type', 'side_b_name', 'status', 'label'], h.cables.map((c) => [
    c.leaf, 'dcim.interface', c.leafPort, c.spine, 'dcim.interface', c.spinePort, h.scope ? 'planned' : 'connected', c.label,
  ]));
  const asns = asnSwitches(h);
  const asnRows = new Map<number, string[]>();
  for (const s of asns) asnRows.set(s.asn, [...(asnRows.get(s.asn) ?? []), s.name]);
  const rir = (asn: number) => (isPrivateAsn(asn) ? 'RFC 6996' : 'Unspecified');
  // Under --racks a RIR that an ASN outside the racks already uses is in NetBox already.
  const rirsElsewhere = new Set(h.scope ? h.compiled.intents.filter((s) => !mine.has(s)).map((s) => rir(s.asn)) : []);
  const rirs = [...new Set([...asnRows.keys()].map(rir))].filter((r) => !rirsElsewhere.has(r));
  put('10-rirs', ['name', 'slug', 'is_private', 'description'], rirs.map((r) => (r === 'RFC 6996' ? [r, 'rfc-6996', true, 'private-use ASNs'] : [r, 'unspecified', false, 'public ASNs, registry not recorded by clos'])));
  put('11-asns', ['asn', 'rir', 'description'], [...asnRows].map(([asn, names]) => [asn, rir(asn), names.length > 1 ? `${h.fabric} spines: ${names.join(', ')}` : `${h.fabric} ${names[0]}`]));
  put('12-prefixes', ['prefix', 'status', 'is_pool', 'description'], prefixes(h, leaves, status));
  put('13-ip-addresses', ['address', 'status', 'role', 'device', 'interface', 'description'], h.addresses.map((a) => [
    a.address, status, a.role === 'loopback' ? 'loopback' : '', a.switch, a.interface, a.role === 'p2p' ? `p2p to ${a.peer}` : a.role === 'loopback' ? 'router id' : `gateway of ${a.peer}`,
  ]));
  return files;
}

/** The interfaces clos configures: Loopback0, cabled and server ports, the VLAN interface. On a
 *  spine under --racks, only its ports cabled to the new leaves. */
function interfaces(h: Handbook, leaves: readonly SwitchIntent[]): (string | number | boolean)[][] {
  const rows: (string | number | boolean)[][] = [];
  const newSpinePorts = new Set(h.cables.map((c) => `${c.spine}|${c.spinePort}`));
  for (const s of [...h.spines, ...leaves]) {
    const all = !h.scope || s.role === 'leaf';
    if (all) rows.push([s.name, 'Loopback0', '', 'virtual', '', '', true, 'router id']);
    for (const p of s.ports) {
      if (!all && !newSpinePorts.has(`${s.name}|${p.def.name}`)) continue;
      // NetBox keeps speeds in kb/s; clos in Mb/s.
      rows.push([s.name, p.def.name, p.def.alias, TYPE_BY_SPEED[p.speed] ?? 'other', p.speed * 1000, p.mtu, true, p.description]);
    }
    if (all && s.vlan) rows.push([s.name, s.vlan.name, '', 'virtual', '', '', true, `servers, VLAN ${s.vlan.vlan}`]);
  }
  return rows;
}

function prefixes(h: Handbook, leaves: readonly SwitchIntent[], status: string): (string | boolean)[][] {
  const u = h.compiled.fabric.underlay;
  const pools: (string | boolean)[][] = h.scope
    ? []
    : [
        [u.loopbacks.cidr, 'container', false, `${h.fabric} loopbacks`],
        [u.p2p.cidr, 'container', false, `${h.fabric} p2p links`],
        ...(u.servers ? [[u.servers.cidr, 'container', false, `${h.fabric} server subnets`]] : []),
      ];
  return [...pools, ...leaves.filter((l) => l.vlan).map((l) => [l.vlan!.prefix, status, false, `${l.name} servers, VLAN ${l.vlan!.vlan}`])];
}
