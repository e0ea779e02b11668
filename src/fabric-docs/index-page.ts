// index.md: the fabric (or, under --racks, the work order) at a glance: counts, racks, switches,
// the address pools and the ASN range with what they hold, the diagram, and the other files.
import { loopbackSpace } from '../core/allocate/spaces.ts';
import type { Allocation, Pool, SwitchIntent } from '../core/model.ts';
import { blockSize } from '../core/net/ipv4.ts';
import type { Handbook } from './handbook.ts';
import { cell, count, mdTable, percent } from './markdown.ts';

export function indexMd(h: Handbook, files: readonly string[]): string {
  const { fabric, allocation } = h.compiled;
  const leaves = h.racks.flatMap((r) => r.leaves);
  const title = h.scope
    ? `# Work order: rack${h.scope.length === 1 ? '' : 's'} ${h.scope.map(cell).join(', ')} of fabric ${cell(h.fabric)}`
    : `# Fabric ${cell(h.fabric)}`;
  const out = [title, ''];
  if (h.description) out.push(cell(h.description), '');
  if (h.scope) {
    const these = h.scope.length === 1 ? 'this rack adds: its' : 'these racks add: their';
    out.push(`Only what ${these} leaves, the cables from them to the spines, the addresses on both ends of those cables, the leaves' ASNs.`, '');
  }
  if (h.pending > 0) {
    out.push(`> **Not in the lock yet:** ${count(h.pending, 'allocation change')} (\`clos plan --offline\` lists them). ` +
      'These documents show the values `clos render` would record; run it before handing them out.', '');
  }
  out.push(`![${h.scope ? 'The new racks and the spines' : `Fabric ${cell(h.fabric)}`}](fabric.svg)`, '');
  out.push('## At a glance', '');
  out.push(...mdTable(['item', 'value'], [
    ['spines', `${h.spines.length} (ASN ${fabric.underlay.spineAsn})`],
    [h.scope ? 'new leaves' : 'leaves', `${leaves.length} in ${count(h.racks.length, 'rack')}`],
    [h.scope ? 'new cables' : 'cables', h.cables.length],
    [h.scope ? 'new addresses' : 'addresses', h.addresses.length],
    ['MTU, BGP timers', `${fabric.underlay.mtu}; keepalive ${fabric.underlay.keepalive} s, hold time ${fabric.underlay.holdtime} s`],
  ]), '');
  out.push('## Racks', '');
  out.push(...mdTable(['rack', 'leaves', 'ASNs', 'cables', 'server VLAN', 'sheet'], h.racks.map((r) => [
    cell(r.rack.name),
    r.leaves.map((l) => cell(l.name)).join(', '),
    r.leaves.map((l) => l.asn).join(', '),
    r.cables.length,
    r.rack.servers ? `${r.rack.servers.vlan} (/${r.rack.servers.prefixLength} per leaf)` : '–',
    `[racks/${cell(r.rack.name)}.md](racks/${encodeURIComponent(r.rack.name)}.md)`,
  ])), '');
  out.push('## Switches', '');
  out.push(...mdTable(['switch', 'role', 'rack', 'hwsku', 'ASN', 'loopback', 'management'], [...h.spines, ...leaves].map(switchRow)), '');
  out.push('## Address pools', '');
  out.push(...poolTable(h, allocation, leaves), '');
  out.push('## ASNs', '');
  const asns = fabric.underlay.leafAsns;
  const range = asns.last - asns.first + 1;
  const inRange = [...allocation.switches.values()].filter((s) => s.asn !== undefined && s.asn >= asns.first && s.asn <= asns.last).length;
  out.push(`Spines share ASN ${fabric.underlay.spineAsn}. Leaves take one each from ${asns.first}–${asns.last}: ` +
    `${inRange.toLocaleString('en')} of ${range.toLocaleString('en')} used (${percent(inRange, range)})` +
    `${h.scope ? `, ${count(leaves.length, 'new leaf', 'new leaves')} in this work order` : ''}. Per switch: asn-plan.csv.`, '');
  out.push('## Files', '');
  out.push(...files.map((f) => `- [${cell(f)}](${f.split('/').map(encodeURIComponent).join('/')})`), '');
  return out.join('\n');
}

function switchRow(s: SwitchIntent): string[] {
  return [cell(s.name), s.role, cell(s.rack ?? '–'), cell(s.hwsku), String(s.asn), `${s.loopback}/32`, cell(s.mgmt ?? '–')];
}

/** Each pool: its size, what the lock holds in it (reserved values of removed racks count: they
 *  are not free), and under --racks what this work order takes. */
function poolTable(h: Handbook, allocation: Allocation, leaves: readonly SwitchIntent[]): string[] {
  const u = h.compiled.fabric.underlay;
  const all = [...allocation.switches.values()];
  const rows: (string | number)[][] = [];
  const row = (name: string, pool: Pool, unit: string, used: number, of: number, mine: number) => {
    rows.push([name, pool.cidr, `${used.toLocaleString('en')} ${unit}`, of.toLocaleString('en'), percent(used, of), ...(h.scope ? [mine.toLocaleString('en')] : [])]);
  };
  row('loopbacks', u.loopbacks, '/32', all.length, loopbackSpace(u.loopbacks).size(0), leaves.length);
  row('p2p', u.p2p, '/31', allocation.links.size, blockSize(u.p2p.prefixLength) / 2, h.cables.length);
  if (u.servers) {
    const size = (cidr: string | undefined) => (cidr ? blockSize(Number(cidr.split('/')[1])) : 0);
    const used = all.reduce((n, s) => n + size(s.servers), 0);
    const mine = leaves.reduce((n, l) => n + size(l.vlan?.prefix), 0);
    row('servers', u.servers, 'addresses', used, blockSize(u.servers.prefixLength), mine);
  }
  return mdTable(['pool', 'prefix', 'used', 'of', 'use', ...(h.scope ? ['this work order'] : [])], rows, ['l', 'l', 'r', 'r', 'r', 'r']);
}
