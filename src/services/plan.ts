// Live plan: per switch, read what it has, decide how it takes BGP (flavour), and diff.
import type { Owed } from '../io/state-dir.ts';
import { CONFIG_READ_TABLES, poolsOf, refusals, type Refusal } from '../core/adoption/refusals.ts';
import { adoptionGroups, type AdoptionGroup } from '../core/adoption/summary.ts';
import { diffConfig, worstImpact, type Change, type Impact } from '../core/diff/diff.ts';
import type { FlatDb } from '../core/diff/flat.ts';
import { ownershipOf } from '../core/diff/ownership.ts';
import type { Pool, SwitchIntent } from '../core/model.ts';
import { intendedPeers, renderFrrBgp } from '../core/render/frr.ts';
import type { SwitchLink } from '../transport/connect.ts';
import { SwitchError } from '../transport/transport.ts';
import { mapConcurrent } from './concurrency.ts';
import type { FabricSession } from './session.ts';
import { FRR_SUMMARY_ARGV } from './watch-kit.ts';

export type FlavourSource = 'observed' | 'inventory' | 'default';

export interface FrrPlan {
  /** vtysh configuration that gives FRR what bgpcfgd would have given it. */
  readonly lines: readonly string[];
  readonly missing: readonly string[]; // intended peers FRR does not have (or with another ASN)
  readonly extra: readonly string[]; // peers FRR has that are not intended
  readonly pending: boolean;
}

export interface SwitchPlan {
  readonly switch: string;
  readonly endpoint: string;
  readonly flavour?: 'sonic' | 'legacy-vs';
  readonly flavourSource?: FlavourSource;
  /** No bgp_asn on the switch yet: the routing service is restarted after the write. */
  readonly firstBringUp: boolean;
  /** A routing restart an earlier run owed this switch and could not give (its write went out
   *  unanswered and was applied later): apply gives it even without changes. */
  readonly restartOwed?: string;
  /** Why the running config is not saved yet (an earlier `--no-save`, a failed save): apply
   *  saves it even without changes. */
  readonly saveOwed?: string;
  readonly changes: readonly Change[];
  readonly impact: Impact;
  readonly frr?: FrrPlan;
  /** What clos cannot take over safely (docs/adoption.md): apply refuses the switch before
   *  any write. Absent when none. */
  readonly refusals?: readonly Refusal[];
  /** The factory/foreign config the change set removes, grouped (docs/adoption.md); absent
   *  when none. */
  readonly adoption?: readonly AdoptionGroup[];
  /** What the switch had of the managed tables when planned. */
  readonly actual?: FlatDb;
  readonly lastApplied?: FlatDb;
  readonly error?: { readonly code: string; readonly message: string };
}

export async function planSwitch(
  link: SwitchLink,
  intent: SwitchIntent,
  desired: FlatDb,
  lastApplied: FlatDb | undefined,
  pools: readonly Pool[],
  owed: Owed = {},
): Promise<SwitchPlan> {
  const restartOwed = owed.restart;
  // Asked for together: the transport sends both reads as one request (one round trip).
  const [actual, { flavour, source }] = await Promise.all([link.transport.read('CONFIG_DB', CONFIG_READ_TABLES, { expect: expectedConfigKeys(intent, desired, lastApplied) }), probeFlavour(link, intent, lastApplied !== undefined)]);
  const changes = diffConfig({ desired, actual, ownership: ownershipOf(intent), ...(lastApplied ? { lastApplied } : {}) });
  const refused = refusals(intent, actual, pools);
  const adoption = adoptionGroups(changes, intent);
  const firstBringUp = !actual.get('DEVICE_METADATA|localhost')?.bgp_asn;
  const frr = flavour === 'legacy-vs' ? await planFrr(link, intent) : undefined;
  return {
    switch: link.name,
    endpoint: link.transport.endpoint,
    flavour,
    flavourSource: source,
    firstBringUp,
    ...(restartOwed ? { restartOwed } : {}),
    ...(owed.save ? { saveOwed: owed.save } : {}),
    changes,
    impact: restartOwed ? 'restart' : worstImpact(changes),
    ...(frr ? { frr } : {}),
    ...(refused.length ? { refusals: refused } : {}),
    ...(adoption.length ? { adoption } : {}),
    actual,
    ...(lastApplied ? { lastApplied } : {}),
  };
}

/** The CONFIG_DB keys a switch is expected to hold in clos's scope, each once: its platform's
 *  ports and DEVICE_METADATA|localhost (every SONiC switch has them), and, once clos has applied
 *  to it, what clos renders for it and what it applied before. A switch clos never applied holds
 *  its factory preset or someone else's config: what clos would render is mostly absent there
 *  (at factory state, a third of a leaf's rendered keys), and each absent key expected is an
 *  HGETALL for nothing. The Redis transport reads the expected keys with the listing and any
 *  other key listed in a second round trip (ReadOptions): a hint, never a filter. */
export function expectedConfigKeys(intent: Pick<SwitchIntent, 'platform'>, desired: FlatDb, lastApplied: FlatDb | undefined): string[] {
  const keys = new Set<string>();
  for (const p of intent.platform.ports) keys.add(`PORT|${p.name}`);
  keys.add('DEVICE_METADATA|localhost');
  if (lastApplied) {
    for (const k of desired.keys()) keys.add(k);
    for (const k of lastApplied.keys()) keys.add(k);
  }
  return [...keys];
}

/** Does this switch run bgpcfgd (it consumes BGP_NEIGHBOR from CONFIG_DB)? Evidence first
 *  (STATE_DB BGP_PEER_CONFIGURED_TABLE exists only where bgpcfgd runs), then the inventory's
 *  word, else SONiC's default; apply confirms it after the first write. */
async function probeFlavour(link: SwitchLink, intent: Pick<SwitchIntent, 'neighbors'>, applied: boolean): Promise<{ flavour: 'sonic' | 'legacy-vs'; source: FlavourSource }> {
  // Expected once clos has applied to the switch: bgpcfgd's record of each neighbor clos
  // configures (a converged switch's). Before, there is none to expect (at factory state a
  // spine's sixty would be sixty HGETALLs for nothing); any found are read in a second round trip.
  const consumed = await link.transport.read('STATE_DB', ['BGP_PEER_CONFIGURED_TABLE'], applied ? { expect: intent.neighbors.map((n) => `BGP_PEER_CONFIGURED_TABLE|${n.peerIp}`) } : {});
  if (consumed.size > 0) return { flavour: 'sonic', source: 'observed' };
  if (link.flavourHint) return { flavour: link.flavourHint, source: 'inventory' };
  return { flavour: 'sonic', source: 'default' };
}

interface BgpSummary {
  ipv4Unicast?: { as?: number; peers?: Record<string, { remoteAs?: number }> };
}

export async function showBgpSummary(link: SwitchLink): Promise<BgpSummary> {
  if (!link.exec) throw new SwitchError('EXEC_FAILED', link.name, link.transport.endpoint, 'no exec channel in the inventory: BGP of a switch without bgpcfgd is configured through vtysh');
  const r = await link.exec.run(FRR_SUMMARY_ARGV);
  if (r.code !== 0) throw new SwitchError('EXEC_FAILED', link.name, link.exec.endpoint, `vtysh failed: ${r.stderr.trim() || r.stdout.trim()}`);
  try {
    return JSON.parse(r.stdout || '{}') as BgpSummary;
  } catch {
    return {};
  }
}

async function planFrr(link: SwitchLink, intent: SwitchIntent): Promise<FrrPlan> {
  const summary = await showBgpSummary(link);
  const have = summary.ipv4Unicast?.peers ?? {};
  const want = intendedPeers(intent);
  const missing = [...want].filter(([ip, asn]) => have[ip]?.remoteAs !== asn).map(([ip]) => ip);
  const extra = Object.keys(have).filter((ip) => !want.has(ip));
  const asnWrong = summary.ipv4Unicast?.as !== undefined && summary.ipv4Unicast.as !== intent.asn;
  return { lines: renderFrrBgp(intent), missing, extra, pending: missing.length > 0 || extra.length > 0 || asnWrong || !summary.ipv4Unicast };
}

export async function planFabric(session: FabricSession, only?: ReadonlySet<string>): Promise<SwitchPlan[]> {
  const names = session.switches.filter((n) => !only || only.has(n));
  return mapConcurrent(names, session.concurrency, async (name) => {
    let endpoint = '(not connected)';
    try {
      const link = await session.link(name);
      endpoint = link.transport.endpoint;
      const last = await session.state.lastApplied(name);
      return await planSwitch(link, session.intents.get(name)!, session.desired.get(name)!, last, poolsOf(session.loaded.fabric.underlay), session.state.owed(name));
    } catch (e) {
      return failedPlan(name, endpoint, e);
    }
  });
}

function failedPlan(name: string, endpoint: string, e: unknown): SwitchPlan {
  const err = e as Error & { code?: string; endpoint?: string };
  return {
    switch: name,
    endpoint: err.endpoint ?? endpoint,
    firstBringUp: false,
    changes: [],
    impact: 'none',
    error: { code: err.code ?? 'ERROR', message: err.message },
  };
}

/** A switch that holds config clos cannot take over: apply refuses it, plan exits 14. */
export function isRefused(p: SwitchPlan): boolean {
  return (p.refusals?.length ?? 0) > 0;
}

export function hasWork(p: SwitchPlan): boolean {
  return p.changes.length > 0 || p.frr?.pending === true || p.restartOwed !== undefined || p.saveOwed !== undefined;
}

