// IPv4 as uint32 numbers: allocation walks millions of addresses on large fabrics, so it works
// on integers and formats only what it keeps. Parsing of user-written prefixes uses netmask.
import { Netmask } from 'netmask';

export function ipToInt(ip: string): number {
  // Dotted quads are read digit by digit (builds and lint read hundreds of thousands);
  // anything else the general way, whose result it must equal.
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c >= 48 && c <= 57 && digits < 3) {
      part = part * 10 + (c - 48);
      digits++;
    } else if (c === 46 && digits > 0 && dots < 3) {
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else {
      return ipToIntSlow(ip);
    }
  }
  if (dots !== 3 || digits === 0) return ipToIntSlow(ip);
  return (n * 256 + part) >>> 0;
}

function ipToIntSlow(ip: string): number {
  let n = 0;
  for (const part of ip.split('.')) n = n * 256 + Number(part);
  return n >>> 0;
}

export function intToIp(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function blockSize(prefixLength: number): number {
  return 2 ** (32 - prefixLength);
}

export interface ParsedPrefix {
  readonly base: number;
  readonly prefixLength: number;
  /** True when the address has host bits set (10.0.0.5/24). */
  readonly hostBits: boolean;
  readonly normalised: string;
}

export function parsePrefix(cidr: string): ParsedPrefix {
  const block = new Netmask(cidr);
  const [addr] = cidr.split('/');
  const base = ipToInt(block.base);
  return { base, prefixLength: block.bitmask, hostBits: ipToInt(addr ?? '') !== base, normalised: `${block.base}/${block.bitmask}` };
}

export function prefixesOverlap(a: { base: number; prefixLength: number }, b: { base: number; prefixLength: number }): boolean {
  const aEnd = a.base + blockSize(a.prefixLength);
  const bEnd = b.base + blockSize(b.prefixLength);
  return a.base < bEnd && b.base < aEnd;
}

export function inPrefix(ip: number, p: { base: number; prefixLength: number }): boolean {
  return ip >= p.base && ip < p.base + blockSize(p.prefixLength);
}
