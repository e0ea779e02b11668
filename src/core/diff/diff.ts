// THE diff engine: desired CONFIG_DB vs a switch's, limited to what clos manages. plan prints
// its changes, apply writes them, rollback restores through it, drift classifies them.
import { sameFields, splitKey, type Fields, type FlatDb } from './flat.ts';
import { writeRank } from './order.ts';
import { foreignReason, owns, type Ownership } from './ownership.ts';
import { compareNames } from '../names.ts';

/** What a change does to a running switch, derived from SONiC's behaviour. */
export type Impact = 'none' | 'session-reset' | 'session-removed' | 'restart';

export interface Change {
  /** add: new key; update: HSET/HDEL of fields; replace: DEL then HSET (SONiC needs it);
   *  delete: DEL. */
  readonly op: 'add' | 'update' | 'replace' | 'delete';
  readonly key: string; // TABLE|key
  readonly set?: Fields;
  readonly unset?: readonly string[];
  readonly before?: Fields;
  readonly after?: Fields;
  readonly impact: Impact;
  readonly why?: string;
  /** A delete of an entry clos never applied, inside its scope: factory or another tool's
   *  config that apply removes to adopt the switch (plan's adoption section, drift's foreign). */
  readonly foreign?: true;
}

interface DiffBase {
  readonly desired: FlatDb;
  readonly actual: FlatDb;
  /** Keys (and their fields) clos rendered and applied before: still its own to change or
   *  remove, even when no longer rendered. */
  readonly lastApplied?: FlatDb;
}

export type DiffInput =
  /** What clos owns on the switch (ownership.ts): every entry in it that is not desired goes,
   *  even one clos never rendered (a factory preset's, another tool's). */
  | (DiffBase & { readonly ownership: Ownership; readonly exact?: undefined })
  /** Rollback: each desired key is made exactly equal (fields clos does not render included),
   *  and every key of `scope` that is not desired is removed; nothing else is looked at. */
  | (DiffBase & { readonly exact: { readonly scope: Iterable<string> }; readonly ownership?: undefined });

const RESTART_FIELDS = ['bgp_asn', 'bgp_router_id'];
const NONE: readonly string[] = [];

export function diffConfig(input: DiffInput): Change[] {
  const { desired, actual, lastApplied } = input;
  const writes: Change[] = [];
  const deletes: Change[] = [];
  let hadLoopback = false;
  for (const k of actual.keys()) if (k.startsWith('LOOPBACK_INTERFACE|Loopback0|')) hadLoopback = true;

  for (const [key, want] of desired) {
    const have = actual.get(key);
    if (!have) {
      writes.push(key.startsWith('LOOPBACK_INTERFACE|Loopback0|') ? { op: 'add', key, set: want, after: want, ...addImpact(key, hadLoopback) } : { op: 'add', key, set: want, after: want, impact: 'none' });
      continue;
    }
    let set: Record<string, string> | undefined;
    for (const f in want) if (have[f] !== want[f]) (set ??= {})[f] = want[f]!;
    const was = input.exact ? have : lastApplied?.get(key);
    const dropped = was ? Object.keys(was).filter((f) => !(f in want) && (input.exact || f in have)) : NONE;
    if (!set && dropped.length === 0) continue;
    set ??= {};
    const after: Record<string, string> = { ...have, ...set };
    for (const f of dropped) delete after[f];
    writes.push(updateOf(key, have, after, set, dropped));
  }

  const ownership = input.exact ? undefined : input.ownership;
  const removed = new Set<string>(ownership ? lastApplied?.keys() : input.exact!.scope);
  if (ownership) for (const k of actual.keys()) if (owns(ownership, k)) removed.add(k);
  for (const key of removed) {
    if (desired.has(key)) continue;
    if (ownership?.keep.has(key)) continue;
    const have = actual.get(key);
    if (!have) continue;
    const { table } = splitKey(key);
    if (table === 'PORT' && !input.exact) {
      // A port is hardware: it is never deleted, only handed back shut and undescribed.
      const after: Record<string, string> = { ...have, admin_status: 'down' };
      delete after.description;
      const dropped = 'description' in have ? ['description'] : [];
      if (!sameFields(have, after)) writes.push({ op: 'update', key, set: { admin_status: 'down' }, unset: dropped, before: have, after, impact: 'none', why: 'no longer cabled in the fabric file' });
      continue;
    }
    const foreign = ownership !== undefined && !(lastApplied?.has(key) ?? false);
    deletes.push({ op: 'delete', key, before: have, ...deleteImpact(key, lastApplied?.has(key) ?? false, foreign), ...(foreign ? { foreign: true as const } : {}) });
  }

  // Every delete before every write, deletes in the reverse write order (order.ts): a port
  // leaves its VLAN and loses a foreign address before it gets clos's.
  return [...inWriteOrder(deletes, -1), ...inWriteOrder(writes, 1)];
}

/** Sorted by write rank (reversed for deletes), then naturally by key; each key's rank worked
 *  out once, not at every comparison. */
function inWriteOrder(changes: readonly Change[], direction: 1 | -1): Change[] {
  const ranked = changes.map((c) => ({ rank: direction * writeRank(c.key), c }));
  ranked.sort((x, y) => x.rank - y.rank || compareKeys(x.c.key, y.c.key));
  return ranked.map((r) => r.c);
}

function updateOf(key: string, before: Fields, after: Fields, set: Fields, unset: readonly string[]): Change {
  // Most updates are of neither (a factory's ports): decided without splitting the key, and made
  // in one object (a spread of a base costs a second).
  const neighbor = key.startsWith('BGP_NEIGHBOR|');
  if (!neighbor && key !== 'DEVICE_METADATA|localhost') return unset.length ? { op: 'update', key, set, unset, before, after, impact: 'none' } : { op: 'update', key, set, before, after, impact: 'none' };
  const base = { op: 'update' as const, key, set, ...(unset.length ? { unset } : {}), before, after };
  const fields = [...Object.keys(set), ...unset];
  if (neighbor && fields.some((f) => f !== 'admin_status')) {
    // bgpcfgd applies only admin_status to an existing neighbor; anything else is ignored
    // until the key is deleted and written again.
    return { op: 'replace', key, set: after, before, after, impact: 'session-reset', why: `bgpcfgd ignores changes of ${fields.filter((f) => f !== 'admin_status').join(', ')} on a live neighbor: delete and re-add` };
  }
  if (!neighbor) {
    const restart = fields.filter((f) => RESTART_FIELDS.includes(f));
    if (restart.length > 0) {
      const first = !before.bgp_asn;
      return { ...base, impact: 'restart', why: first ? 'first bring-up: the routing service renders router bgp at start' : `${restart.join(', ')} are rendered only when the routing service starts: all sessions of this switch reset` };
    }
  }
  return { ...base, impact: 'none' };
}

function addImpact(key: string, hadLoopback: boolean): Pick<Change, 'impact' | 'why'> {
  if (key.startsWith('LOOPBACK_INTERFACE|Loopback0|') && hadLoopback) {
    return { impact: 'restart', why: 'a new Loopback0 address is rendered only when the routing service starts: all sessions of this switch reset' };
  }
  return { impact: 'none' };
}

function deleteImpact(key: string, applied: boolean, foreign: boolean): Pick<Change, 'impact' | 'why'> {
  const session = key.startsWith('BGP_NEIGHBOR|');
  if (foreign) return { impact: session ? 'session-removed' : 'none', why: foreignReason(key) };
  if (!session) return { impact: 'none' };
  return { impact: 'session-removed', why: applied ? 'the neighbor is no longer in the fabric file' : foreignReason(key) };
}

/** Natural order (Ethernet4 before Ethernet12), so plans read like a switch's port list. */
const compareKeys = compareNames;

/** The strongest impact of a change set: what an operator must know before applying it. */
export function worstImpact(changes: readonly Change[]): Impact {
  const rank: Impact[] = ['none', 'session-removed', 'session-reset', 'restart'];
  return changes.reduce<Impact>((w, c) => (rank.indexOf(c.impact) > rank.indexOf(w) ? c.impact : w), 'none');
}
