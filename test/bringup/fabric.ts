// dc1 (2 spines, racks r1 and r2) with extra racks appended, compiled in memory.
import { readFileSync } from 'node:fs';
import { compileFabric, type Compiled } from '../../src/core/compile.ts';

const DC1 = readFileSync(new URL('../../topologies/dc1.fabric.yaml', import.meta.url), 'utf8');

/** dc1's text with racks r3, r4… of two leaves each (leaf5, leaf6, …) added. */
export function dc1Text(extraRacks = 0): string {
  const racks = Array.from({ length: extraRacks }, (_, i) => `  - name: r${i + 3}\n    leaves: [leaf${2 * i + 5}, leaf${2 * i + 6}]\n`).join('');
  return DC1.replace('\ncabling:', `${racks}\ncabling:`);
}

export function compileDc1(extraRacks = 0): Compiled {
  const r = compileFabric({ text: dc1Text(extraRacks), file: 'dc1.fabric.yaml' });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r;
}
