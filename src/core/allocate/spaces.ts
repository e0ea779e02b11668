// The spaces allocation draws from, built from the fabric's pools, ranges and port lists.
import type { Pool } from '../model.ts';
import { blockSize, intToIp, inPrefix } from '../net/ipv4.ts';
import { portNumber } from '../platform/ports.ts';
import type { Space } from './space.ts';

/** Host addresses of a pool: the network and broadcast addresses are skipped when the pool is
 *  larger than a /31, as operators expect loopbacks to start at .1. */
export function loopbackSpace(pool: Pool): Space {
  const total = blockSize(pool.prefixLength);
  const skip = pool.prefixLength <= 30 ? 1 : 0;
  return {
    label: `underlay.loopbacks ${pool.cidr}`,
    path: pool.path,
    size: () => total - 2 * skip,
    at: (k) => pool.base + skip + k,
    contains: (v) => v >= pool.base + skip && v < pool.base + total - skip,
    width: 1,
    format: intToIp,
  };
}

/** Aligned blocks in a pool: /31s of the p2p pool, server prefixes (a claim's width is its
 *  block size in addresses). */
export function blockSpace(pool: Pool, prefixLength: number, label: string): Space {
  const poolSize = blockSize(pool.prefixLength);
  return {
    label: `${label} ${pool.cidr}`,
    path: pool.path,
    width: blockSize(prefixLength),
    size: (w) => (w > poolSize ? 0 : poolSize / w),
    at: (k, w) => pool.base + k * w,
    contains: (v, w) => inPrefix(v, pool) && (v - pool.base) % w === 0 && v + w <= pool.base + poolSize,
    format: (v, w) => `${intToIp(v)}/${32 - Math.log2(w)}`,
  };
}

export function asnSpace(first: number, last: number, path: readonly (string | number)[]): Space {
  return {
    label: `underlay.asn.leaves ${first}-${last}`,
    path,
    size: () => last - first + 1,
    at: (k) => first + k,
    contains: (v) => v >= first && v <= last,
    width: 1,
    format: String,
  };
}

/** A spine's ports that may take leaves, in hand-out order; values are port numbers. */
export function spinePortSpace(spine: string, ports: readonly string[], path: readonly (string | number)[]): Space {
  const numbers = ports.map(portNumber);
  const set = new Set(numbers);
  return {
    label: `cabling.spine-ports of ${spine}`,
    path,
    size: () => numbers.length,
    at: (k) => numbers[k]!,
    contains: (v) => set.has(v),
    width: 1,
    format: (v) => `Ethernet${v}`,
  };
}

/** The smallest prefix length holding `count` blocks of `width` addresses. */
export function prefixFor(count: number, width: number): number {
  let len = 32;
  while (len > 0 && blockSize(len) < count * width) len--;
  return len;
}
