// Intent-level checks before rendering: what no single stage can see, because it needs both
// ends of a session or the whole fabric at once.
import { diag, type Diagnostic } from '../diagnostics.ts';
import type { ConfigDb, Fabric, NeighborIntent, PortIntent, SwitchIntent } from '../model.ts';
import { ipToInt } from '../net/ipv4.ts';
import { bgpcfgdBlockersAll } from '../render/preconditions.ts';

/** bgpcfgd renders `maximum-paths 64`: the widest ECMP a SONiC switch does. */
export const MAXIMUM_PATHS = 64;

export function lintIntents(fabric: Fabric, intents: readonly SwitchIntent[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const byName = new Map(intents.map((s) => [s.name, s]));
  const pathOf = (name: string) => fabric.switches.get(name)?.path ?? [];

  const routerIds = new Map<string, string>();
  for (const s of intents) {
    const other = routerIds.get(s.routerId);
    if (other) out.push(diag('LINT_ROUTER_ID', pathOf(s.name), `${s.name} and ${other} share router id ${s.routerId}`, 'every switch needs its own loopback'));
    else routerIds.set(s.routerId, s.name);
    if (s.role === 'leaf' && s.asn === fabric.underlay.spineAsn) {
      const p = fabric.switches.get(s.name)?.pinnedAsn === undefined ? fabric.underlay.leafAsns.path : [...pathOf(s.name), 'asn'];
      out.push(diag('LINT_LEAF_ASN', p, `leaf ${s.name} ASN ${s.asn} equals the spine ASN`, 'keep the spine ASN outside underlay.asn.leaves'));
    }
  }
  if (fabric.spines.length > MAXIMUM_PATHS) {
    out.push(diag('LINT_ECMP', ['spines'], `${fabric.spines.length} spines exceed maximum-paths ${MAXIMUM_PATHS}: leaves cannot use every spine`, `use at most ${MAXIMUM_PATHS} spines`));
  }
  const index = indexer();
  for (const s of intents) {
    if (s.role !== 'leaf') continue;
    if (s.neighbors.length < s.spineCount) {
      out.push(diag('LINT_ECMP', pathOf(s.name), `leaf ${s.name} has ${s.neighbors.length} sessions for ${s.spineCount} spines`, 'cable every leaf to every spine'));
    }
    for (const n of s.neighbors) checkSession(s, n.peerIp, byName, index, pathOf(s.name), out);
  }
  return out;
}

/** A switch's neighbors by peer address and ports by name, the first of each as `find` would
 *  return it: a spine has one of each per leaf, and every leaf looks into it. */
interface Indexed {
  readonly neighbors: ReadonlyMap<string, NeighborIntent>;
  readonly ports: ReadonlyMap<string, PortIntent>;
}

function indexer(): (s: SwitchIntent) => Indexed {
  const cache = new Map<SwitchIntent, Indexed>();
  return (s) => {
    let ix = cache.get(s);
    if (!ix) {
      const neighbors = new Map<string, NeighborIntent>();
      for (const n of s.neighbors) if (!neighbors.has(n.peerIp)) neighbors.set(n.peerIp, n);
      const ports = new Map<string, PortIntent>();
      for (const p of s.ports) if (!ports.has(p.def.name)) ports.set(p.def.name, p);
      ix = { neighbors, ports };
      cache.set(s, ix);
    }
    return ix;
  };
}

function checkSession(
  leaf: SwitchIntent,
  peerIp: string,
  byName: ReadonlyMap<string, SwitchIntent>,
  index: (s: SwitchIntent) => Indexed,
  path: readonly (string | number)[],
  out: Diagnostic[],
): void {
  const n = index(leaf).neighbors.get(peerIp)!;
  const spine = byName.get(n.peerName);
  const back = spine === undefined ? undefined : index(spine).neighbors.get(n.localAddr);
  const session = `${leaf.name} -- ${n.peerName}`;
  const fail = (what: string): void => void out.push(diag('LINT_SESSION_MISMATCH', path, `session ${session}: ${what}`, 'check explicit links and pinned values'));
  if (!spine || !back) {
    fail(`${n.peerName} has no neighbor ${n.localAddr}`);
    return;
  }
  if (back.peerAsn !== leaf.asn) fail(`${n.peerName} expects ASN ${back.peerAsn}, ${leaf.name} has ${leaf.asn}`);
  if (n.peerAsn !== spine.asn) fail(`${leaf.name} expects ASN ${n.peerAsn}, ${spine.name} has ${spine.asn}`);
  const a = ipToInt(n.localAddr);
  const b = ipToInt(back.localAddr);
  if (back.localAddr !== n.peerIp || a >>> 1 !== b >>> 1 || a === b || (b & 1) !== 0) {
    fail(`addresses ${n.localAddr} and ${back.localAddr} are not the two ends of one /31 with the spine on the even address`);
  }
  const leafPort = index(leaf).ports.get(n.localPort);
  const spinePort = index(spine).ports.get(back.localPort);
  if (leafPort?.address !== `${n.localAddr}/31`) fail(`${n.localAddr} is not configured on ${leaf.name} ${n.localPort}`);
  if (spinePort?.address !== `${back.localAddr}/31`) fail(`${back.localAddr} is not configured on ${spine.name} ${back.localPort}`);
  if (n.peerPort !== back.localPort || back.peerPort !== n.localPort) fail(`the ports disagree (${n.localPort} ↔ ${n.peerPort} vs ${back.peerPort} ↔ ${back.localPort})`);
}

/** Every rendered BGP_NEIGHBOR must be consumable by bgpcfgd as it is. */
export function lintRendered(fabric: Fabric, name: string, db: ConfigDb): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [peer, reasons] of bgpcfgdBlockersAll(db)) {
    if (reasons.length > 0) {
      out.push(diag('LINT_BGPCFGD', fabric.switches.get(name)?.path ?? [], `${name} BGP_NEIGHBOR|${peer} would never be pushed to FRR: ${reasons.join('; ')}`, 'this is a bug in clos; please report it'));
    }
  }
  return out;
}
