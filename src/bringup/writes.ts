// What a bring-up writes to one switch, and how it puts it back: the actions of apply
// (src/services/switch/), limited to the run's scope and split in two: the PORT changes first (links, for
// LLDP), the rest later. One checkpoint per switch per run, under the run's id: taken at the
// first write, extended (never overwritten) by later stages, so it always holds the switch as
// it was before the run.
import type { Change } from '../core/diff/diff.ts';
import type { Fields, FlatDb } from '../core/diff/flat.ts';
import type { SwitchIntent } from '../core/model.ts';
import type { Checkpoint } from '../io/state-dir.ts';
import type { SwitchPlan } from '../services/plan.ts';
import type { FabricSession } from '../services/session.ts';
import { linkActions, restoreActions, writeActions } from '../services/switch/actions.ts';
import { SWITCH_TIMEOUT_MS } from '../services/apply.ts';
import { deadline, runActions, type ActionEvent, type RunOptions } from '../services/switch/run.ts';
import type { SwitchLink } from '../transport/connect.ts';
import type { BringupErrorCode } from './errors.ts';
import { keyInScope, neighborInScope, type Scope } from './scope.ts';

export class BringupError extends Error {
  constructor(
    readonly code: BringupErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BringupError';
  }
}

/** Every write of a bring-up under a deadline (the run's --timeout): a switch that stops
 *  answering fails the stage in time, with the cause, instead of holding it. */
async function runWithin(link: SwitchLink, actions: Parameters<typeof runActions>[1], opts: RunOptions, timeoutMs = SWITCH_TIMEOUT_MS) {
  const within = deadline(timeoutMs);
  try {
    return await runActions(link, actions, { ...opts, signal: within.signal });
  } finally {
    within.clear();
  }
}

/** The run's checkpoint of a switch, if it has one. */
async function runCheckpoint(session: FabricSession, sw: string, runId: string): Promise<Checkpoint | undefined> {
  const cp = await session.state.checkpoint(sw, runId);
  return cp?.id === runId ? cp : undefined;
}

/** An empty checkpoint under the run's id for a switch the run has not touched, so that
 *  `clos rollback F --to <run id>` leaves it alone instead of picking an older checkpoint. */
export async function baselineCheckpoint(session: FabricSession, sw: string, runId: string, at: string): Promise<void> {
  if (await runCheckpoint(session, sw, runId)) return;
  const last = await session.state.lastApplied(sw);
  await session.state.saveCheckpoint({ id: runId, switch: sw, endpoint: '(not touched by this run)', at, keys: new Map(), lastApplied: last ?? null });
}

/** Adds every key the plan changes to the run's checkpoint, as it is now (absent = null). */
export async function extendCheckpoint(session: FabricSession, plan: SwitchPlan, runId: string, at: string): Promise<void> {
  const cp = await runCheckpoint(session, plan.switch, runId);
  const keys = new Map<string, Fields | null>(cp?.keys ?? []);
  let added = 0;
  for (const c of plan.changes) {
    if (keys.has(c.key)) continue;
    keys.set(c.key, plan.actual?.get(c.key) ?? null);
    added++;
  }
  if (cp && added === 0 && cp.endpoint === plan.endpoint) return;
  // The baseline written at the run's start already holds the applied scope from before the run.
  const lastApplied = cp ? cp.lastApplied : (plan.lastApplied ?? null);
  await session.state.saveCheckpoint({ id: runId, switch: plan.switch, endpoint: plan.endpoint, at: cp?.at ?? at, keys, lastApplied });
}

/** The PORT changes alone, in one transaction, each read back as written, recorded as applied,
 *  then saved (unless `save` is false). */
export async function writeLinks(session: FabricSession, link: SwitchLink, ports: readonly Change[], opts: { save?: boolean; onEvent?: (e: ActionEvent) => void; timeoutMs?: number } = {}): Promise<void> {
  const { onEvent } = opts;
  await runWithin(link, linkActions(ports, session.desired.get(link.name)!, opts.save !== false), { state: session.state, flavour: 'sonic', ...(onEvent ? { onEvent } : {}) }, opts.timeoutMs);
}

export interface ApplyResult {
  readonly written: number;
  readonly notes: string[];
  readonly frrConfigured: boolean;
}

/** The rest of a switch's changes in scope, then what SONiC needs after them (the same actions
 *  as apply, limited to the run's scope): the read back after the write must leave nothing in
 *  scope. */
export async function applyRest(session: FabricSession, link: SwitchLink, plan: SwitchPlan, scope: Scope, opts: { consumeBudgetMs?: number; save?: boolean; onEvent?: (e: ActionEvent) => void; timeoutMs?: number } = {}): Promise<ApplyResult> {
  const intent = session.intents.get(plan.switch)!;
  const actions = writeActions({
    plan,
    intent,
    desired: session.desired.get(plan.switch)!,
    scope: { keep: (c) => keyInScope(scope, intent, c.key), neighbor: (n) => neighborInScope(scope, intent, n) },
    ...(opts.consumeBudgetMs !== undefined ? { consumeBudgetMs: opts.consumeBudgetMs } : {}),
    save: opts.save !== false,
  });
  const r = await runWithin(link, actions, { state: session.state, flavour: plan.flavour ?? 'sonic', ...(plan.actual ? { actual: plan.actual } : {}), ...(opts.onEvent ? { onEvent: opts.onEvent } : {}) }, opts.timeoutMs);
  return { written: r.written, notes: r.notes, frrConfigured: r.frrConfigured };
}

/** Puts a switch back to the run's checkpoint: CONFIG_DB keys exactly as they were, the applied
 *  scope with them, the routing service restarted when the static part changed; on a switch
 *  without bgpcfgd, the neighbours this run gave FRR are removed again; then saved (the run's
 *  writes were saved: the startup config must not keep them). */
export async function restoreRun(session: FabricSession, sw: string, runId: string, frr?: { readonly neighbors: readonly string[]; readonly routerAdded: boolean }, opts: { save?: boolean; timeoutMs?: number } = {}): Promise<{ written: number; notes: string[] }> {
  const cp = await runCheckpoint(session, sw, runId);
  if (!cp || cp.keys.size === 0) return { written: 0, notes: [] };
  const link = await session.link(sw);
  const r = await runWithin(link, restoreActions(cp, frr ? { asn: session.intents.get(sw)!.asn, ...frr } : undefined, opts.save !== false), { state: session.state, flavour: link.flavourHint ?? 'sonic' }, opts.timeoutMs);
  return { written: r.restored.length, notes: [`restored ${r.restored.length} key(s) to checkpoint ${runId}`, ...r.notes] };
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
