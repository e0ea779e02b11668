// The fabric the transport benchmarks configure: a pod of spines and leaves on a 64 × 100G
// platform, racks of two leaves, each with a server VLAN on 8 ports.
export const POD_PORTS = 64;

export function podBenchFabric(o: { name: string; description: string; spines: number; leaves: number }): string {
  const racks = Array.from({ length: Math.ceil(o.leaves / 2) }, (_, r) => {
    const names = [2 * r + 1, 2 * r + 2].filter((n) => n <= o.leaves).map((n) => `leaf${n}`);
    return `  - {name: r${r + 1}, leaves: [${names.join(', ')}], servers: {vlan: 1000, ports: Ethernet0-Ethernet28/4, prefix-length: 26}}`;
  });
  return [
    `fabric: ${o.name}`,
    `description: ${o.description}, ${o.spines} spines and ${o.leaves} leaves`,
    'underlay:',
    '  asn: {spine: 65100, leaves: 4200000001-4200000999}',
    '  loopbacks: 10.0.0.0/24',
    '  p2p: 10.64.0.0/22',
    '  servers: 172.16.0.0/16',
    '  timers: {keepalive: 3, holdtime: 9}',
    '  mtu: 9100',
    '  port-speed: 100000',
    'defaults:',
    '  hwsku: Bench-64x100G',
    'platforms:',
    `  Bench-64x100G: {ports: Ethernet0-Ethernet${(POD_PORTS - 1) * 4}/4, speed: 100000}`,
    'spines:',
    ...Array.from({ length: o.spines }, (_, i) => `  - spine${i + 1}`),
    'racks:',
    ...racks,
    'cabling:',
    `  leaf-uplinks: [${Array.from({ length: o.spines }, (_, i) => `Ethernet${(POD_PORTS - o.spines + i) * 4}`).join(', ')}]`,
    `  spine-ports: Ethernet0-Ethernet${(o.leaves - 1) * 4}/4`,
    '',
  ].join('\n');
}
