// racks/<rack>.md: one rack on one sheet, for the technicians who rack and cable it and the server
// team who plugs into it: its leaves, each uplink with its far end and addresses, the server
// ports with VLAN and subnet, the BGP sessions, and the labels to print.
import { blockSize } from '../core/net/ipv4.ts';
import { labelBlock } from './cabling.ts';
import type { Handbook, RackDoc } from './handbook.ts';
import { portRanges, speedLabel } from './handbook.ts';
import { cell, count, mdTable } from './markdown.ts';

export function rackSheet(h: Handbook, r: RackDoc): string {
  const spines = new Set(r.cables.map((c) => c.spine));
  const out = [
    `# Rack ${cell(r.rack.name)} of fabric ${cell(h.fabric)}`,
    '',
    `${count(r.leaves.length, 'leaf', 'leaves')}, ${count(r.cables.length, 'cable')} to ${count(spines.size, 'spine')}` +
      `${r.rack.servers ? `, server VLAN ${r.rack.servers.vlan}` : ''}.`,
    '',
    '## Leaves',
    '',
    ...mdTable(
      ['leaf', 'hwsku', 'ASN', 'loopback (router id)', 'management'],
      r.leaves.map((l) => [cell(l.name), cell(l.hwsku), l.asn, `${l.loopback}/32`, cell(l.mgmt ?? '–')]),
    ),
    '',
    '## Uplinks',
    '',
    'Side A is the leaf in this rack, side B the spine.',
    '',
    ...mdTable(
      ['label', 'leaf', 'port', 'front panel', 'spine', 'port', 'front panel', 'speed', 'leaf address', 'spine address'],
      r.cables.map((c) => [cell(c.label), cell(c.leaf), cell(c.leafPort), cell(c.leafAlias), cell(c.spine), cell(c.spinePort), cell(c.spineAlias), speedLabel(c.speed), c.leafAddress, c.spineAddress]),
    ),
    '',
    '## Servers',
    '',
    ...servers(r),
    '## BGP sessions',
    '',
    ...mdTable(
      ['leaf', 'ASN', 'neighbor', 'neighbor ASN', 'neighbor address', 'local address'],
      r.leaves.flatMap((l) => l.neighbors.map((n) => [cell(l.name), l.asn, cell(n.peerName), n.peerAsn, n.peerIp, n.localAddr])),
    ),
    '',
    '## Cable labels',
    '',
    'One line per cable end: the label, this end, the far end.',
    '',
    ...labelBlock(r.cables),
    '',
  ];
  return out.join('\n');
}

function servers(r: RackDoc): string[] {
  const s = r.rack.servers;
  if (!s) return ['No server VLAN in this rack.', ''];
  return [
    `VLAN ${s.vlan}, untagged on ports ${portRanges(s.ports)} of every leaf; each leaf routes its own subnet (the gateway is the leaf's Vlan${s.vlan} address).`,
    '',
    ...mdTable(
      ['leaf', 'VLAN interface', 'subnet', 'gateway', 'server addresses'],
      r.leaves.filter((l) => l.vlan).map((l) => {
        const v = l.vlan!;
        const len = Number(v.prefix.split('/')[1]);
        // Network, broadcast and the gateway are taken.
        return [cell(l.name), v.name, v.prefix, v.gateway.split('/')[0]!, String(Math.max(0, blockSize(len) - 3))];
      }),
      ['l', 'l', 'l', 'l', 'r'],
    ),
    '',
  ];
}
