// Hand-built lab topologies for host tests (no fabric file needed).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { BUILTIN_PLATFORMS } from '../../src/core/platform/catalogue.ts';
import { labDown } from '../../src/lab/down.ts';
import type { LabLink, LabSwitch, LabTopology } from '../../src/lab/topology.ts';

export { fabricYaml } from './fabric-yaml.ts';

const S6000 = BUILTIN_PLATFORMS.get('Force10-S6000')!;

/** spines × leaves, leaf uplink i (Ethernet120 + 4i) to spine i, spine port 4·(leaf index). */
export function clos(fabric: string, spines: number, leaves: number, flavour: 'sonic' | 'legacy-vs' = 'sonic'): LabTopology {
  const spineNames = Array.from({ length: spines }, (_, i) => `spine${i + 1}`);
  const leafNames = Array.from({ length: leaves }, (_, i) => `leaf${i + 1}`);
  const links: LabLink[] = [];
  leafNames.forEach((leaf, li) =>
    spineNames.forEach((spine, si) => links.push({ leaf, leafPort: `Ethernet${120 + 4 * si}`, spine, spinePort: `Ethernet${4 * li}` })),
  );
  const spinePorts = new Set(Array.from({ length: 30 }, (_, i) => `Ethernet${4 * i}`));
  const sw = (name: string, role: 'spine' | 'leaf'): LabSwitch => {
    const cabled = new Set(links.flatMap((l) => (l.leaf === name ? [l.leafPort] : l.spine === name ? [l.spinePort] : [])));
    return {
      name,
      role,
      hwsku: S6000.name,
      flavour,
      ports: S6000.ports,
      unplugged: S6000.ports.map((p) => p.name).filter((p) => !cabled.has(p) && !(role === 'spine' && spinePorts.has(p))),
    };
  };
  return {
    fabric,
    mtu: 9100,
    switches: [...spineNames.map((n) => sw(n, 'spine')), ...leafNames.map((n) => sw(n, 'leaf'))],
    links,
  };
}

/** Where a host test writes the fabric file of `fabric`: a temp dir made in beforeAll, where the
 *  lab of `fabric` is also taken down (what a run that died before its afterAll left); afterAll
 *  takes the lab down again and removes the dir. */
export function hostLabFile(fabric: string): () => string {
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `clos-${fabric}-`));
    await labDown(fabric);
  }, 60_000);
  afterAll(async () => {
    await labDown(fabric);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);
  return () => join(dir, `${fabric}.fabric.yaml`);
}
