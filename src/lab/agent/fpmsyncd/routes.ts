// fpmsyncd's APPL_DB ROUTE_TABLE, derived from zebra's `show ip route json` instead of the FPM
// netlink stream real SONiC uses. Only routes zebra itself programs are exported (bgp, static…):
// connected and kernel routes are the kernel's own, and real SONiC programs interface subnets
// through intfsorch, not fpmsyncd.
import type { Fields } from '../db/keys.ts';

interface Nexthop {
  readonly ip?: string;
  readonly interfaceName?: string;
  readonly active?: boolean;
  readonly fib?: boolean;
}

interface RouteEntry {
  readonly protocol?: string;
  readonly selected?: boolean;
  readonly installed?: boolean;
  readonly nexthops?: readonly Nexthop[];
}

const NOT_EXPORTED = new Set(['connected', 'kernel', 'local']);

/** ROUTE_TABLE key for a prefix, as fpmsyncd prints it with libnl's nl_addr2str: a full-length
 *  host prefix loses its length (`10.1.0.2/32` → `10.1.0.2`), other prefixes keep it. */
export function routeKey(prefix: string): string {
  if (prefix.endsWith('/32') && !prefix.includes(':')) return prefix.slice(0, -3);
  if (prefix.endsWith('/128') && prefix.includes(':')) return prefix.slice(0, -4);
  return prefix;
}

/** Route key → ROUTE_TABLE fields {nexthop, ifname, protocol}; nexthops in FRR's order,
 *  only those in the FIB (or active, for a route not yet installed). */
export function routeTable(routeJson: unknown): Map<string, Fields> {
  const out = new Map<string, Fields>();
  if (!routeJson || typeof routeJson !== 'object') return out;
  for (const [prefix, entries] of Object.entries(routeJson as Record<string, unknown>)) {
    if (!Array.isArray(entries)) continue;
    const best = (entries as RouteEntry[]).find((e) => e.selected && e.installed);
    if (!best?.protocol || NOT_EXPORTED.has(best.protocol)) continue;
    const hops = (best.nexthops ?? []).filter((n) => n.fib ?? n.active);
    if (hops.length === 0) continue;
    const v6 = prefix.includes(':');
    out.set(routeKey(prefix), {
      nexthop: hops.map((n) => n.ip ?? (v6 ? '::' : '0.0.0.0')).join(','),
      ifname: hops.map((n) => n.interfaceName ?? '').join(','),
      protocol: best.protocol,
    });
  }
  return out;
}
