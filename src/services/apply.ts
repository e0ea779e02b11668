// apply: per switch, checkpoint → all its changes in one transaction → read back and compare
// → routing-service restart or vtysh when SONiC needs it. A switch that fails is restored to
// its checkpoint and reported; the others go on.
import { CONFIG_READ_TABLES, refusalText } from '../core/adoption/refusals.ts';
import { diffConfig, type Change } from '../core/diff/diff.ts';
import type { Fields, FlatDb } from '../core/diff/flat.ts';
import { ownershipOf } from '../core/diff/ownership.ts';
import { renderFrrBgp } from '../core/render/frr.ts';
import { newCheckpointId, type Checkpoint, type StateDir } from '../io/state-dir.ts';
import type { SwitchLink } from '../transport/connect.ts';
import { SwitchError } from '../transport/transport.ts';
import { hasWork, planSwitch, showBgpSummary, type SwitchPlan } from './plan.ts';
import { inPool } from './pool.ts';
import { configureFrr, restartRouting, waitConsumed } from './routing.ts';
import type { FabricSession } from './session.ts';

export interface ApplyOutcome {
  readonly switch: string;
  readonly endpoint: string;
  readonly status: 'applied' | 'unchanged' | 'failed';
  readonly changes: number;
  readonly flavour?: 'sonic' | 'legacy-vs';
  readonly restarted: boolean;
  readonly frrConfigured: boolean;
  readonly checkpoint?: string;
  /** After a failure: whether the switch was restored to its checkpoint. */
  readonly restored?: boolean;
  readonly notes: readonly string[];
  readonly error?: { readonly code: string; readonly message: string };
  readonly ms: number;
}

export interface ApplyOptions {
  /** How long to wait for bgpcfgd to consume a neighbor before deciding it does not run. */
  readonly consumeBudgetMs?: number;
  readonly checkpointId?: string;
  /** Told of each switch's outcome as it ends (clos serve streams them). */
  readonly onEvent?: (outcome: ApplyOutcome) => void;
}

export async function applyFabric(session: FabricSession, plans: readonly SwitchPlan[], opts: ApplyOptions = {}): Promise<ApplyOutcome[]> {
  const id = opts.checkpointId ?? newCheckpointId();
  return inPool(plans, session.concurrency, async (plan) => {
    const outcome = await applySwitch(session, plan, id, opts);
    opts.onEvent?.(outcome);
    return outcome;
  });
}

export async function applySwitch(session: FabricSession, plan: SwitchPlan, checkpointId: string, opts: ApplyOptions = {}): Promise<ApplyOutcome> {
  const started = Date.now();
  const notes: string[] = [];
  const base = { switch: plan.switch, endpoint: plan.endpoint, changes: plan.changes.length, ...(plan.flavour ? { flavour: plan.flavour } : {}) };
  const done = (o: Partial<ApplyOutcome> & Pick<ApplyOutcome, 'status'>): ApplyOutcome => ({ restarted: false, frrConfigured: false, ...base, notes, ms: Date.now() - started, ...o });
  if (plan.error) return done({ status: 'failed', error: plan.error });
  // Refused before anything is written: no checkpoint, no change (docs/adoption.md).
  if (plan.refusals?.length) return done({ status: 'failed', error: { code: 'REFUSED', message: `not adopted, nothing written: ${plan.refusals.map(refusalText).join('; ')}` } });
  if (!hasWork(plan)) return done({ status: 'unchanged' });

  let link: SwitchLink;
  try {
    link = await session.link(plan.switch);
  } catch (e) {
    return done({ status: 'failed', error: errorOf(e) });
  }
  const desired = session.desired.get(plan.switch)!;
  let checkpoint: Checkpoint | undefined;
  let restarted = false;
  let frrConfigured = false;
  try {
    if (plan.changes.length > 0) {
      checkpoint = makeCheckpoint(checkpointId, plan);
      await session.state.saveCheckpoint(checkpoint);
      const receipt = await link.transport.apply(plan.changes);
      const after = receipt ? withReadBack(plan.actual, plan.changes, receipt.readBack) : await link.transport.read('CONFIG_DB', CONFIG_READ_TABLES);
      const left = diffConfig({ desired, actual: after, ownership: ownershipOf(session.intents.get(plan.switch)!), ...(plan.lastApplied ? { lastApplied: plan.lastApplied } : {}) });
      if (left.length > 0) {
        throw new SwitchError('READBACK_MISMATCH', plan.switch, plan.endpoint, `read back differs from what was written: ${left.slice(0, 3).map(describeChange).join('; ')}`);
      }
      await session.state.saveApplied(plan.switch, desired);
    }
    let flavour = plan.flavour ?? 'sonic';
    const intent = session.intents.get(plan.switch)!;
    if (flavour === 'sonic' && plan.flavourSource === 'default' && intent.neighbors.length > 0) {
      const consumed = await waitConsumed(link, intent.neighbors.map((n) => n.peerIp), opts.consumeBudgetMs ?? 10_000);
      if (!consumed) {
        flavour = 'legacy-vs';
        notes.push('bgpcfgd did not consume BGP_NEIGHBOR: this switch has no bgpcfgd (like docker-sonic-vs release images); BGP configured through vtysh');
      }
    }
    if (flavour === 'sonic' && (plan.firstBringUp || plan.changes.some((c) => c.impact === 'restart'))) {
      await restartRouting(link);
      restarted = true;
      notes.push(plan.firstBringUp ? 'routing service restarted: first bring-up' : 'routing service restarted: bgp_asn, router id or Loopback0 changed');
    }
    if (flavour === 'legacy-vs') {
      const frr = plan.frr ?? { pending: true, lines: [] };
      if (frr.pending || plan.flavour !== 'legacy-vs') {
        await configureFrr(link, plan.frr?.lines.length ? plan.frr.lines : renderFrrBgp(intent));
        frrConfigured = true;
        const summary = await showBgpSummary(link);
        const peers = summary.ipv4Unicast?.peers ?? {};
        const missing = intent.neighbors.filter((n) => !peers[n.peerIp]).map((n) => n.peerIp);
        if (missing.length > 0) throw new SwitchError('READBACK_MISMATCH', plan.switch, link.exec?.endpoint ?? plan.endpoint, `FRR lacks neighbors ${missing.join(', ')} after vtysh configuration`);
      }
    }
    return done({ status: 'applied', flavour, restarted, frrConfigured, ...(checkpoint ? { checkpoint: checkpoint.id } : {}) });
  } catch (e) {
    let restored = false;
    if (checkpoint) {
      try {
        await restoreCheckpoint(session.state, link, checkpoint);
        restored = true;
      } catch (re) {
        notes.push(`could not restore the checkpoint: ${(re as Error).message}`);
      }
    }
    return done({ status: 'failed', error: errorOf(e), restored, restarted, frrConfigured, ...(checkpoint ? { checkpoint: checkpoint.id } : {}) });
  }
}

/** The switch after the write: what plan read, with the keys the change set touched replaced
 *  by what the transaction read back (absent there = absent on the switch). */
function withReadBack(before: FlatDb | undefined, changes: readonly Change[], readBack: ReadonlyMap<string, Fields>): FlatDb {
  const after = new Map(before ?? []);
  for (const { key } of changes) {
    const now = readBack.get(key);
    if (now) after.set(key, now);
    else after.delete(key);
  }
  return after;
}

function makeCheckpoint(id: string, plan: SwitchPlan): Checkpoint {
  const keys: Record<string, Fields | null> = {};
  for (const c of plan.changes) keys[c.key] = plan.actual?.get(c.key) ?? null;
  return {
    id,
    switch: plan.switch,
    endpoint: plan.endpoint,
    at: new Date().toISOString(),
    keys,
    lastApplied: plan.lastApplied ? Object.fromEntries(plan.lastApplied) : null,
  };
}

/** Puts every key of the checkpoint back exactly as it was (absent keys deleted), and the
 *  managed scope with it. Returns the changes it made. */
export async function restoreCheckpoint(state: StateDir, link: SwitchLink, cp: Checkpoint): Promise<Change[]> {
  const scope = Object.keys(cp.keys);
  const desired = new Map<string, Fields>();
  for (const [k, v] of Object.entries(cp.keys)) if (v) desired.set(k, v);
  const actual = await link.transport.read('CONFIG_DB', [...new Set(scope.map((k) => k.slice(0, k.indexOf('|'))))]);
  const changes = diffConfig({ desired, actual, exact: { scope } });
  await link.transport.apply(changes);
  await state.saveApplied(cp.switch, cp.lastApplied ? new Map(Object.entries(cp.lastApplied)) : null);
  return changes;
}

export function describeChange(c: Change): string {
  if (c.op === 'delete') return `delete ${c.key}`;
  if (c.op === 'add') return `add ${c.key}`;
  const fields = [...Object.keys(c.op === 'replace' ? diffFields(c.before, c.after) : c.set ?? {}), ...(c.unset ?? []).map((f) => `-${f}`)];
  return `${c.op} ${c.key} ${fields.join(',')}`;
}

function diffFields(a: Fields | undefined, b: Fields | undefined): Fields {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(b ?? {})) if (a?.[k] !== v) out[k] = v;
  return out;
}

function errorOf(e: unknown): { code: string; message: string } {
  const err = e as Error & { code?: string };
  return { code: err.code ?? 'ERROR', message: err.message };
}

