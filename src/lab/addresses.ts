// 127.0.1.x addresses for the switches' redis servers: one per switch, stable (kept in the lab
// state), never one that another running lab holds or that something else already listens on.
import { createServer } from 'node:net';
import { LabError } from './errors.ts';

export const DEFAULT_ADDRESSES = '127.0.1.0/24';

/** Host addresses of an IPv4 prefix (network and broadcast skipped where a subnet has them). */
export function cidrHosts(cidr: string): { first: number; last: number } | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const len = Number(m[5]);
  if (octets.some((o) => o > 255) || len > 32) return undefined;
  const base = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  const size = 2 ** (32 - len);
  const net = base - (base % size);
  return size >= 4 ? { first: net + 1, last: net + size - 2 } : { first: net, last: net + size - 1 };
}

/** The --addresses range: inside 127.0.0.0/8, where every address is local without setup. */
export function parseRange(cidr: string): { first: number; last: number } {
  const r = cidrHosts(cidr);
  if (!r || !cidr.startsWith('127.') || Number(cidr.split('/')[1]) < 8) {
    throw new LabError('LAB_ADDRESSES_EXHAUSTED', `--addresses ${cidr}: expected a range inside 127.0.0.0/8 such as 127.0.1.0/24`);
  }
  return r;
}

export function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Picks `count` free addresses of the range, lowest first: not taken by another lab, and
 *  with every one of `ports` free (the switch serves redis and gNMI there). */
export async function pickAddresses(cidr: string, count: number, taken: ReadonlySet<string>, port: number | readonly number[]): Promise<string[]> {
  const ports = typeof port === 'number' ? [port] : port;
  const { first, last } = parseRange(cidr);
  const out: string[] = [];
  for (let n = first; n <= last && out.length < count; n++) {
    const ip = formatIp(n);
    if (taken.has(ip)) continue;
    let free = true;
    for (const port of ports) free = free && (await portFree(ip, port));
    if (free) out.push(ip);
  }
  if (out.length < count) {
    throw new LabError('LAB_ADDRESSES_EXHAUSTED', `--addresses ${cidr}: ${count} free address(es) needed, ${out.length} left (other labs or servers hold the rest)`);
  }
  return out;
}

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}
