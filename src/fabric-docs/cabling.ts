// The cabling plan: one row per cable, never twice (the leaf is always side A, the spine side B),
// by rack, leaf and uplink; and the label text to print for each end of each cable.
import { csv } from './csv.ts';
import type { CableDoc, Handbook } from './handbook.ts';
import { speedLabel } from './handbook.ts';
import { cell, count, mdTable } from './markdown.ts';

export const CABLING_COLUMNS = ['a_switch', 'a_port', 'b_switch', 'b_port', 'a_rack', 'b_rack', 'speed', 'label'] as const;

export function cablingCsv(h: Handbook): string {
  // Spines stand in no rack of the fabric file: b_rack stays empty.
  return csv(CABLING_COLUMNS, h.cables.map((c) => [c.leaf, c.leafPort, c.spine, c.spinePort, c.rack, '', speedLabel(c.speed), c.label]));
}

/** What to print on the label at each end: the cable's label, then this end and the far end. */
export function endLabels(c: CableDoc): [string, string] {
  return [`${c.label}  ${c.leaf} ${c.leafPort} -> ${c.spine} ${c.spinePort}`, `${c.label}  ${c.spine} ${c.spinePort} -> ${c.leaf} ${c.leafPort}`];
}

export function cablingTable(cables: readonly CableDoc[]): string[] {
  return mdTable(
    ['label', 'rack', 'A: leaf', 'port', 'front panel', 'B: spine', 'port', 'front panel', 'speed'],
    cables.map((c) => [cell(c.label), cell(c.rack), cell(c.leaf), cell(c.leafPort), cell(c.leafAlias), cell(c.spine), cell(c.spinePort), cell(c.spineAlias), speedLabel(c.speed)]),
  );
}

export function labelBlock(cables: readonly CableDoc[]): string[] {
  return ['```text', ...cables.flatMap(endLabels), '```'];
}

export function cablingMd(h: Handbook): string {
  const scope = h.scope ? ` for rack${h.scope.length === 1 ? '' : 's'} ${h.scope.join(', ')}` : '';
  const out = [
    `# Cabling of fabric ${cell(h.fabric)}${scope}`,
    '',
    `${count(h.cables.length, 'cable')}, each listed once: side A is the leaf, side B the spine. Same rows as cabling.csv.`,
    '',
  ];
  for (const r of h.racks) {
    out.push(`## Rack ${cell(r.rack.name)}`, '');
    out.push(...(r.cables.length ? cablingTable(r.cables) : ['No cables: the rack has no leaf uplinks.']), '');
  }
  out.push('## Labels', '', 'One line per cable end: the label, this end, the far end.', '', ...labelBlock(h.cables), '');
  return out.join('\n');
}
