// Which CONFIG_DB changes a bring-up may make. The whole fabric: all of them. `--racks r5`: on
// the named racks' leaves, all of theirs; on every other switch (the spines), only the changes
// that belong to those leaves: the spine port cabled to one of them (PORT, INTERFACE and its
// address, DEVICE_NEIGHBOR), the BGP_NEIGHBOR of its address, its DEVICE_NEIGHBOR_METADATA.
// Everything else a spine's diff holds (another new rack the file also adds, a rack removed
// from the file, drift of an existing rack, switch-level keys) is left for another run and
// listed as such. Pure: no I/O.
import type { Change } from '../core/diff/diff.ts';
import { splitKey } from '../core/diff/flat.ts';
import type { NeighborIntent, SwitchIntent } from '../core/model.ts';

export interface Scope {
  /** Undefined: the whole fabric. */
  readonly racks?: readonly string[];
  /** The leaves of the named racks. */
  readonly leaves: ReadonlySet<string>;
}

export function wholeFabric(): Scope {
  return { leaves: new Set() };
}

export function rackScope(intents: readonly SwitchIntent[], racks: readonly string[]): Scope {
  const named = new Set(racks);
  return { racks: [...racks], leaves: new Set(intents.filter((s) => s.role === 'leaf' && s.rack && named.has(s.rack)).map((s) => s.name)) };
}

/** The neighbour a CONFIG_DB key of this switch belongs to, or undefined for switch-level keys
 *  (DEVICE_METADATA, Loopback0, the VLAN) and keys clos no longer renders. */
export function keyOwner(intent: SwitchIntent, fullKey: string): string | undefined {
  const { table, key } = splitKey(fullKey);
  const byPort = (port: string) => intent.neighbors.find((n) => n.localPort === port)?.peerName;
  switch (table) {
    case 'PORT':
    case 'DEVICE_NEIGHBOR':
      return byPort(key);
    case 'INTERFACE':
      return byPort(splitKey(key).table);
    case 'BGP_NEIGHBOR': {
      const ip = key.includes('|') ? key.slice(key.lastIndexOf('|') + 1) : key;
      return intent.neighbors.find((n) => n.peerIp === ip)?.peerName;
    }
    case 'DEVICE_NEIGHBOR_METADATA':
      return intent.neighbors.some((n) => n.peerName === key) ? key : undefined;
    default:
      return undefined;
  }
}

/** Whether the run may touch this switch at all, and this key of it. */
export function switchInScope(scope: Scope, intent: SwitchIntent): boolean {
  return !scope.racks || scope.leaves.has(intent.name) || intent.neighbors.some((n) => scope.leaves.has(n.peerName));
}

export function keyInScope(scope: Scope, intent: SwitchIntent, fullKey: string): boolean {
  if (!scope.racks || scope.leaves.has(intent.name)) return true;
  const owner = keyOwner(intent, fullKey);
  return owner !== undefined && scope.leaves.has(owner);
}

export function neighborInScope(scope: Scope, intent: SwitchIntent, n: NeighborIntent): boolean {
  return !scope.racks || scope.leaves.has(intent.name) || scope.leaves.has(n.peerName);
}

/** Splits a switch's diff into what this run applies and what it leaves alone. */
export function scopeChanges(scope: Scope, intent: SwitchIntent, changes: readonly Change[]): { kept: Change[]; left: Change[] } {
  const kept: Change[] = [];
  const left: Change[] = [];
  for (const c of changes) (keyInScope(scope, intent, c.key) ? kept : left).push(c);
  return { kept, left };
}

/** Changes that only bring links up: PORT entries (admin status, MTU, description). No
 *  address, no BGP: what LLDP needs before anything else is written. */
export function isLinkChange(c: Change): boolean {
  return splitKey(c.key).table === 'PORT';
}
