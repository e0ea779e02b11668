// What every wait on a switch shares (verify, the bring-up watch, "wait until consumed"): the
// clock it runs on, the table a check reads, and FRR's summary command for switches without
// bgpmon.
import type { Check } from '../core/checks/checks.ts';
import { SEPARATOR, type DbName } from '../transport/transport.ts';

/** Time as a wait sees it; swapped in tests. `now()` is in milliseconds since the epoch. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** FRR's view of its sessions, read through the exec channel. */
export const FRR_SUMMARY_ARGV = ['vtysh', '-c', 'show bgp summary json'] as const;

/** `PORT_TABLE|Ethernet0` → `PORT_TABLE`; split on the first separator only (IPv6 keys). */
export function tableOf(db: DbName, key: string): string {
  const i = key.indexOf(SEPARATOR[db]);
  return i < 0 ? key : key.slice(0, i);
}

/** The one table a check reads (its keys all carry the same table prefix). `like`: the table
 *  of the check before, returned without cutting a new string when it is this one's too (a
 *  switch's thousand route checks follow each other). */
export function tableOfCheck(check: Check, like?: string): string {
  const e = check.expect;
  return tableOfKey(check.db === 'FRR' ? 'STATE_DB' : check.db, e.type === 'only-keys' ? e.prefix : e.type === 'lldp' ? e.key : e.keys[0]!, like);
}

/** tableOf, returning `like` without cutting a new string when the key is in that table. */
export function tableOfKey(db: DbName, key: string, like?: string): string {
  if (like !== undefined && key.length > like.length && key.startsWith(like) && key[like.length] === SEPARATOR[db]) return like;
  return tableOf(db, key);
}
