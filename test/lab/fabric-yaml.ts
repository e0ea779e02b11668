// Fabric files of `spines` spines and `racks` racks of two leaves (rewriting one with more racks
// is how a test adds racks to a running lab), of any size, for lab tests and bench/lab.ts (no vitest import: the bench is a
// plain script). Up to 30 leaves every switch is a Force10-S6000 (32 ports); beyond, the spines
// are a 64-port platform declared in the file (a spine needs a port per leaf) and the leaves
// stay S6000s.
export function fabricYaml(name: string, spines: number, racks: number): string {
  const leaves = 2 * racks;
  const wide = leaves > 30;
  // The last ports of the S6000 go up, one per spine (Ethernet120, Ethernet124 for two).
  const uplinks = Array.from({ length: spines }, (_, i) => `Ethernet${128 - 4 * spines + 4 * i}`);
  return [
    `fabric: ${name}`,
    'underlay:',
    '  asn: {spine: 65100, leaves: 65101-65534}',
    `  loopbacks: ${wide ? '10.0.0.0/23' : '10.0.0.0/24'}`,
    `  p2p: ${wide ? '10.1.0.0/18' : '10.1.0.0/20'}`,
    'defaults: {hwsku: Force10-S6000}',
    ...(wide ? ['platforms:', '  Lab-64x40G: {ports: Ethernet0-Ethernet252/4, speed: 40000}'] : []),
    'spines:',
    ...Array.from({ length: spines }, (_, i) => (wide ? `  - {name: spine${i + 1}, hwsku: Lab-64x40G}` : `  - name: spine${i + 1}`)),
    'racks:',
    ...Array.from({ length: racks }, (_, r) => `  - {name: r${r + 1}, leaves: [leaf${2 * r + 1}, leaf${2 * r + 2}]}`),
    'cabling:',
    `  leaf-uplinks: [${uplinks.join(', ')}]`,
    `  spine-ports: ${wide ? 'Ethernet0-Ethernet252/4' : 'Ethernet0-Ethernet116/4'}`,
    '',
  ].join('\n');
}
