// The fabric the transport benchmarks configure: a pod of spines and leaves on a 64 × 100G
// platform, racks of two leaves, each with a server VLAN on 8 ports. A pod with more leaves than
// a 64-port spine takes (bench:scale, 8 × 992) gives the spines a platform with enough ports and
// sizes the pools to the switch count; up to 64 leaves the output is what it always was.
export const POD_PORTS = 64;

/** Ports of the spine platform: 64, or the leaves rounded up to a multiple of 256. */
export function spinePortCount(leaves: number): number {
  return leaves <= POD_PORTS ? POD_PORTS : Math.ceil(leaves / 256) * 256;
}

/** The smallest prefix of `base` holding `n` addresses. */
function pool(base: string, n: number, min: number): string {
  let len = min;
  while (len > 8 && 2 ** (32 - len) < n) len--;
  return `${base}/${len}`;
}

export function podBenchFabric(o: { name: string; description: string; spines: number; leaves: number }): string {
  const racks = Array.from({ length: Math.ceil(o.leaves / 2) }, (_, r) => {
    const names = [2 * r + 1, 2 * r + 2].filter((n) => n <= o.leaves).map((n) => `leaf${n}`);
    return `  - {name: r${r + 1}, leaves: [${names.join(', ')}], servers: {vlan: 1000, ports: Ethernet0-Ethernet28/4, prefix-length: 26}}`;
  });
  const spinePorts = spinePortCount(o.leaves);
  const big = spinePorts > POD_PORTS;
  const spineSku = `Bench-${spinePorts}x100G`;
  return [
    `fabric: ${o.name}`,
    `description: ${o.description}, ${o.spines} spines and ${o.leaves} leaves`,
    'underlay:',
    `  asn: {spine: 65100, leaves: ${big ? '4200000001-4200009999' : '4200000001-4200000999'}}`,
    `  loopbacks: ${pool('10.0.0.0', o.spines + o.leaves + 2, 24)}`,
    `  p2p: ${pool('10.64.0.0', 2 * o.spines * o.leaves, 22)}`,
    '  servers: 172.16.0.0/16',
    '  timers: {keepalive: 3, holdtime: 9}',
    '  mtu: 9100',
    '  port-speed: 100000',
    'defaults:',
    '  hwsku: Bench-64x100G',
    'platforms:',
    `  Bench-64x100G: {ports: Ethernet0-Ethernet${(POD_PORTS - 1) * 4}/4, speed: 100000}`,
    ...(big ? [`  ${spineSku}: {ports: Ethernet0-Ethernet${(spinePorts - 1) * 4}/4, speed: 100000}`] : []),
    'spines:',
    ...Array.from({ length: o.spines }, (_, i) => (big ? `  - {name: spine${i + 1}, hwsku: ${spineSku}}` : `  - spine${i + 1}`)),
    'racks:',
    ...racks,
    'cabling:',
    `  leaf-uplinks: [${Array.from({ length: o.spines }, (_, i) => `Ethernet${(POD_PORTS - o.spines + i) * 4}`).join(', ')}]`,
    `  spine-ports: Ethernet0-Ethernet${(o.leaves - 1) * 4}/4`,
    '',
  ].join('\n');
}
