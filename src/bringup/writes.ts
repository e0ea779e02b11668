// What a bring-up writes to one switch, and how it puts it back. Like apply (src/services/
// apply.ts) but limited to the run's scope and split in two: the PORT changes first (links, for
// LLDP), the rest later. One checkpoint per switch per run, under the run's id: taken at the
// first write, extended (never overwritten) by later stages, so it always holds the switch as
// it was before the run.
import { diffConfig, type Change } from '../core/diff/diff.ts';
import { sameFields, type Fields, type FlatDb } from '../core/diff/flat.ts';
import type { SwitchIntent } from '../core/model.ts';
import { renderFrrBgp } from '../core/render/frr.ts';
import { CONFIG_READ_TABLES } from '../core/adoption/refusals.ts';
import { ownershipOf } from '../core/diff/ownership.ts';
import type { Checkpoint } from '../io/state-dir.ts';
import { describeChange, restoreCheckpoint } from '../services/apply.ts';
import { showBgpSummary, type SwitchPlan } from '../services/plan.ts';
import { configureFrr, restartRouting, waitConsumed } from '../services/routing.ts';
import type { FabricSession } from '../services/session.ts';
import type { SwitchLink } from '../transport/connect.ts';
import { SwitchError } from '../transport/transport.ts';
import type { BringupErrorCode } from './errors.ts';
import { neighborInScope, scopeChanges, type Scope } from './scope.ts';

export class BringupError extends Error {
  constructor(
    readonly code: BringupErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BringupError';
  }
}

/** The run's checkpoint of a switch, if it has one. */
export async function runCheckpoint(session: FabricSession, sw: string, runId: string): Promise<Checkpoint | undefined> {
  const cp = await session.state.checkpoint(sw, runId);
  return cp?.id === runId ? cp : undefined;
}

/** An empty checkpoint under the run's id for a switch the run has not touched, so that
 *  `clos rollback F --to <run id>` leaves it alone instead of picking an older checkpoint. */
export async function baselineCheckpoint(session: FabricSession, sw: string, runId: string, at: string): Promise<void> {
  if (await runCheckpoint(session, sw, runId)) return;
  const last = await session.state.lastApplied(sw);
  await session.state.saveCheckpoint({ id: runId, switch: sw, endpoint: '(not touched by this run)', at, keys: {}, lastApplied: last ? Object.fromEntries(last) : null });
}

/** Adds every key the plan changes to the run's checkpoint, as it is now (absent = null). */
export async function extendCheckpoint(session: FabricSession, plan: SwitchPlan, runId: string, at: string): Promise<void> {
  const cp = await runCheckpoint(session, plan.switch, runId);
  const keys: Record<string, Fields | null> = { ...(cp?.keys ?? {}) };
  let added = 0;
  for (const c of plan.changes) {
    if (c.key in keys) continue;
    keys[c.key] = plan.actual?.get(c.key) ?? null;
    added++;
  }
  if (cp && added === 0 && cp.endpoint === plan.endpoint) return;
  // The baseline written at the run's start already holds the applied scope from before the run.
  const lastApplied = cp ? cp.lastApplied : plan.lastApplied ? Object.fromEntries(plan.lastApplied) : null;
  await session.state.saveCheckpoint({ id: runId, switch: plan.switch, endpoint: plan.endpoint, at: cp?.at ?? at, keys, lastApplied });
}

/** Writes these changes in one transaction, reads them back, and records them as applied. */
export async function writeChanges(session: FabricSession, link: SwitchLink, changes: readonly Change[]): Promise<void> {
  if (changes.length === 0) return;
  await link.transport.apply(changes);
  const tables = [...new Set(changes.map((c) => c.key.slice(0, c.key.indexOf('|'))))];
  const after = await link.transport.read('CONFIG_DB', tables);
  const wrong = changes.filter((c) => (c.op === 'delete' ? after.has(c.key) : !sameFields(after.get(c.key), c.after ?? c.set)));
  if (wrong.length > 0) {
    throw new SwitchError('READBACK_MISMATCH', link.name, link.transport.endpoint, `read back differs from what was written: ${wrong.slice(0, 3).map(describeChange).join('; ')}`);
  }
  const desired = session.desired.get(link.name)!;
  const applied = new Map<string, Fields>((await session.state.lastApplied(link.name)) ?? []);
  for (const c of changes) {
    const want = desired.get(c.key);
    if (want) applied.set(c.key, want);
    else applied.delete(c.key);
  }
  await session.state.saveApplied(link.name, applied);
}

export interface ApplyResult {
  readonly written: number;
  readonly notes: string[];
  readonly frrConfigured: boolean;
}

/** The rest of a switch's changes in scope, then what SONiC needs after them: a routing
 *  service restart on first bring-up (or a router id / ASN change), or vtysh where there is no
 *  bgpcfgd. The read back after the write must leave nothing in scope. */
export async function applyRest(session: FabricSession, link: SwitchLink, plan: SwitchPlan, scope: Scope, opts: { consumeBudgetMs?: number } = {}): Promise<ApplyResult> {
  const notes: string[] = [];
  const intent = session.intents.get(plan.switch)!;
  const desired = session.desired.get(plan.switch)!;
  let written = 0;
  if (plan.changes.length > 0) {
    await link.transport.apply(plan.changes);
    written += plan.changes.length;
    const after = await link.transport.read('CONFIG_DB', CONFIG_READ_TABLES);
    const left = scopeChanges(scope, intent, diffConfig({ desired, actual: after, ownership: ownershipOf(intent), ...(plan.lastApplied ? { lastApplied: plan.lastApplied } : {}) })).kept;
    if (left.length > 0) throw new SwitchError('READBACK_MISMATCH', plan.switch, plan.endpoint, `read back differs from what was written: ${left.slice(0, 3).map(describeChange).join('; ')}`);
    const applied = new Map<string, Fields>(plan.lastApplied ?? []);
    for (const c of plan.changes) {
      const want = desired.get(c.key);
      if (want) applied.set(c.key, want);
      else applied.delete(c.key);
    }
    await session.state.saveApplied(plan.switch, applied);
  }
  const peers = intent.neighbors.filter((n) => neighborInScope(scope, intent, n));
  let flavour = plan.flavour ?? 'sonic';
  if (flavour === 'sonic' && plan.flavourSource === 'default' && peers.length > 0 && written > 0) {
    if (!(await waitConsumed(link, peers.map((n) => n.peerIp), opts.consumeBudgetMs ?? 10_000))) {
      flavour = 'legacy-vs';
      notes.push('bgpcfgd did not consume BGP_NEIGHBOR: no bgpcfgd on this switch; BGP configured through vtysh');
    }
  }
  if (flavour === 'sonic' && (plan.firstBringUp || plan.changes.some((c) => c.impact === 'restart')) && written > 0) {
    await restartRouting(link);
    written++;
    notes.push(plan.firstBringUp ? 'routing service restarted: first bring-up' : 'routing service restarted: bgp_asn, router id or Loopback0 changed');
  }
  let frrConfigured = false;
  if (flavour === 'legacy-vs' && (plan.frr?.pending ?? true)) {
    const have = (await showBgpSummary(link)).ipv4Unicast?.peers ?? {};
    // Only the sessions in scope are added; those FRR has already stay as they are.
    const scoped: SwitchIntent = { ...intent, neighbors: intent.neighbors.filter((n) => neighborInScope(scope, intent, n) || have[n.peerIp]) };
    await configureFrr(link, renderFrrBgp(scoped));
    frrConfigured = true;
    written++;
    const now = (await showBgpSummary(link)).ipv4Unicast?.peers ?? {};
    const missing = peers.filter((n) => !now[n.peerIp]).map((n) => n.peerIp);
    if (missing.length > 0) throw new SwitchError('READBACK_MISMATCH', plan.switch, link.exec?.endpoint ?? plan.endpoint, `FRR lacks neighbors ${missing.join(', ')} after vtysh configuration`);
    notes.push(`BGP configured through vtysh (${scoped.neighbors.length} neighbor(s))`);
  }
  return { written, notes, frrConfigured };
}

/** Puts a switch back to the run's checkpoint: CONFIG_DB keys exactly as they were, the applied
 *  scope with them, the routing service restarted when the static part changed; on a switch
 *  without bgpcfgd, the neighbours this run gave FRR are removed again. */
export async function restoreRun(session: FabricSession, sw: string, runId: string, frr?: { readonly neighbors: readonly string[]; readonly routerAdded: boolean }): Promise<{ written: number; notes: string[] }> {
  const cp = await runCheckpoint(session, sw, runId);
  if (!cp || Object.keys(cp.keys).length === 0) return { written: 0, notes: [] };
  const link = await session.link(sw);
  const changes = await restoreCheckpoint(session.state, link, cp);
  const notes = [`restored ${changes.length} key(s) to checkpoint ${runId}`];
  const flavourHint = link.flavourHint;
  const restart = changes.some((c) => c.key === 'DEVICE_METADATA|localhost' || c.key.startsWith('LOOPBACK_INTERFACE|Loopback0|'));
  if (frr && (frr.neighbors.length > 0 || frr.routerAdded)) {
    const asn = session.intents.get(sw)!.asn;
    await configureFrr(link, frr.routerAdded ? [`no router bgp ${asn}`] : [`router bgp ${asn}`, ...frr.neighbors.map((ip) => ` no neighbor ${ip}`), 'exit']);
    notes.push(frr.routerAdded ? 'FRR: router bgp removed' : `FRR: ${frr.neighbors.length} neighbor(s) removed`);
  } else if (restart && flavourHint !== 'legacy-vs') {
    await restartRouting(link);
    notes.push('routing service restarted');
  }
  return { written: changes.length, notes };
}

/** Platform check before anything is written: the switch says it is the intended hwsku (when it
 *  says anything), and every port the run will use is in CONFIG_DB PORT with the platform's
 *  lanes (lanes never change at runtime). */
export function checkPlatform(intent: SwitchIntent, actual: FlatDb, scope: Scope): void {
  const problems: string[] = [];
  const hwsku = actual.get('DEVICE_METADATA|localhost')?.hwsku;
  if (hwsku && hwsku !== intent.hwsku) problems.push(`hwsku is ${hwsku}, intended ${intent.hwsku}`);
  const used = intent.ports.filter((p) => !scope.racks || scope.leaves.has(intent.name) || intent.neighbors.some((n) => n.localPort === p.def.name && scope.leaves.has(n.peerName)));
  const missing = used.filter((p) => !actual.has(`PORT|${p.def.name}`)).map((p) => p.def.name);
  if (missing.length > 0) problems.push(`port(s) missing from CONFIG_DB PORT: ${missing.join(', ')}`);
  const lanes = used.filter((p) => actual.get(`PORT|${p.def.name}`)?.lanes !== undefined && actual.get(`PORT|${p.def.name}`)!.lanes !== p.def.lanes);
  if (lanes.length > 0) problems.push(`lanes differ from ${intent.hwsku}: ${lanes.map((p) => `${p.def.name} has ${actual.get(`PORT|${p.def.name}`)!.lanes}, platform ${p.def.lanes}`).join('; ')}`);
  if (problems.length > 0) throw new BringupError('PLATFORM_MISMATCH', `${intent.name}: ${problems.join('; ')}`);
}
