// What clos does to one switch, as a list of actions: the one place that decides the sequence
// (write, read back, confirm bgpcfgd consumed it, restart routing, configure FRR, restore, save), the
// restart rule and the flavour fallback. Pure: plans in, actions out; src/services/switch/run.ts
// runs a list on a switch. apply, rollback and every bring-up stage are compositions of these.
import type { Change } from '../../core/diff/diff.ts';
import type { FlatDb } from '../../core/diff/flat.ts';
import { ownershipOf, type Ownership } from '../../core/diff/ownership.ts';
import type { NeighborIntent, SwitchIntent } from '../../core/model.ts';
import type { Checkpoint } from '../../io/state-dir.ts';
import type { SwitchPlan } from '../plan.ts';

export type Flavour = 'sonic' | 'legacy-vs';

/** How a write is read back. `whole`: the switch's managed tables must now match the desired
 *  state (within `keep`, a run's scope); `written`: every written key reads as written. */
export type ReadBack =
  | { readonly kind: 'whole'; readonly desired: FlatDb; readonly ownership: Ownership; readonly lastApplied?: FlatDb; readonly keep?: (c: Change) => boolean }
  | { readonly kind: 'written' };

export type Action =
  /** Save the checkpoint (the keys as they are before the write) in the state directory. */
  | { readonly kind: 'checkpoint'; readonly checkpoint: Checkpoint }
  /** One transaction, read back, then the applied scope recorded: the whole desired state, or
   *  the written keys merged into what was recorded before. */
  | { readonly kind: 'write'; readonly changes: readonly Change[]; readonly readBack: ReadBack; readonly record: { readonly kind: 'desired'; readonly desired: FlatDb } | { readonly kind: 'written'; readonly desired: FlatDb } }
  /** Wait until bgpcfgd consumed one of these neighbours; if it does not, the switch has no
   *  bgpcfgd: the flavour becomes legacy-vs for the actions after it. */
  | { readonly kind: 'confirm-consumed'; readonly peers: readonly string[]; readonly budgetMs: number }
  /** Restart the routing service (it renders its static part only when it starts). Runs on a
   *  switch with bgpcfgd only; `staticRestored` restarts only if the restore before it changed
   *  the static part. */
  | { readonly kind: 'restart-routing'; readonly reason: string; readonly staticRestored?: boolean }
  /** Give FRR through vtysh what bgpcfgd would have rendered (legacy-vs only), then check FRR
   *  has the neighbours. With `inScope`, only those neighbours are added and those FRR has
   *  stay as they are. */
  | { readonly kind: 'configure-frr'; readonly intent: SwitchIntent; readonly inScope?: (n: NeighborIntent) => boolean }
  /** vtysh lines as they are (taking out what a run added). */
  | { readonly kind: 'vtysh'; readonly lines: readonly string[]; readonly note: string }
  /** Put every key of the checkpoint back exactly as it was, and its applied scope with it. */
  | { readonly kind: 'restore'; readonly checkpoint: Checkpoint }
  /** The running CONFIG_DB saved as the startup config (`config save -y`, gNOI ConfigSave), so
   *  a reload or reboot brings back what was written. Last, after everything it saves. */
  | { readonly kind: 'save' };

export type ActionKind = Action['kind'];

/** Why the routing service must restart after these changes are written, if it must. */
export function restartReason(plan: Pick<SwitchPlan, 'firstBringUp' | 'changes' | 'restartOwed'>): string | undefined {
  if (plan.restartOwed) return `routing service restarted: owed by an earlier run whose write went out unanswered (${plan.restartOwed})`;
  if (plan.firstBringUp) return 'routing service restarted: first bring-up';
  if (plan.changes.some((c) => c.impact === 'restart')) return 'routing service restarted: bgp_asn, router id or Loopback0 changed';
  return undefined;
}

/** After a restore the diff has no impacts to say it: DEVICE_METADATA or Loopback0 touched. */
export function restoreTouchesStatic(changes: readonly Change[]): boolean {
  return changes.some((c) => c.key === 'DEVICE_METADATA|localhost' || c.key.startsWith('LOOPBACK_INTERFACE|Loopback0|'));
}

export interface WriteInput {
  readonly plan: SwitchPlan;
  readonly intent: SwitchIntent;
  readonly desired: FlatDb;
  /** Saved before the write (apply). A bring-up keeps its own, per run. */
  readonly checkpoint?: Checkpoint;
  /** A bring-up's scope: the changes and neighbours this run applies. */
  readonly scope?: { readonly keep: (c: Change) => boolean; readonly neighbor: (n: NeighborIntent) => boolean };
  readonly consumeBudgetMs?: number;
  /** Save the switch's config after the write (default); false: `--no-save`. */
  readonly save?: boolean;
}

const SAVE: Action = { kind: 'save' };

/** Writing a plan: the changes, then what SONiC needs after them. */
export function writeActions(w: WriteInput): Action[] {
  const { plan, intent } = w;
  const out: Action[] = [];
  if (plan.changes.length > 0) {
    if (w.checkpoint) out.push({ kind: 'checkpoint', checkpoint: w.checkpoint });
    const readBack: ReadBack = { kind: 'whole', desired: w.desired, ownership: ownershipOf(intent), ...(plan.lastApplied ? { lastApplied: plan.lastApplied } : {}), ...(w.scope ? { keep: w.scope.keep } : {}) };
    out.push({ kind: 'write', changes: plan.changes, readBack, record: { kind: w.scope ? 'written' : 'desired', desired: w.desired } });
    const peers = intent.neighbors.filter((n) => !w.scope || w.scope.neighbor(n)).map((n) => n.peerIp);
    // No evidence either way and no word from the inventory: bgpcfgd must show it is there.
    if ((plan.flavour ?? 'sonic') === 'sonic' && plan.flavourSource === 'default' && peers.length > 0) {
      out.push({ kind: 'confirm-consumed', peers, budgetMs: w.consumeBudgetMs ?? 10_000 });
    }
    const reason = restartReason(plan);
    if (reason) out.push({ kind: 'restart-routing', reason });
  } else if (plan.restartOwed) out.push({ kind: 'restart-routing', reason: restartReason(plan)! });
  // Runs only if the switch is (or turned out to be) legacy-vs; a plan that had legacy-vs
  // from the start says whether FRR lacks anything.
  if (plan.frr?.pending ?? true) out.push({ kind: 'configure-frr', intent, ...(w.scope ? { inScope: w.scope.neighbor } : {}) });
  if ((plan.changes.length > 0 || plan.saveOwed || plan.restartOwed) && w.save !== false) out.push(SAVE);
  return out;
}

/** A bring-up's first write: the ports alone, each read back as written, then saved. */
export function linkActions(ports: readonly Change[], desired: FlatDb, save = true): Action[] {
  if (ports.length === 0) return [];
  const write: Action = { kind: 'write', changes: ports, readBack: { kind: 'written' }, record: { kind: 'written', desired } };
  return save ? [write, SAVE] : [write];
}

/** Back to a checkpoint; the routing service restarted when the static part changed, or, on a
 *  switch without bgpcfgd, what a run gave FRR taken out again; then saved (unless `save` is
 *  false: `--no-save`). */
export function restoreActions(checkpoint: Checkpoint, frr?: { readonly asn: number; readonly neighbors: readonly string[]; readonly routerAdded: boolean }, save = true): Action[] {
  const out: Action[] = [{ kind: 'restore', checkpoint }];
  if (frr && (frr.neighbors.length > 0 || frr.routerAdded)) {
    out.push({
      kind: 'vtysh',
      lines: frr.routerAdded ? [`no router bgp ${frr.asn}`] : [`router bgp ${frr.asn}`, ...frr.neighbors.map((ip) => ` no neighbor ${ip}`), 'exit'],
      note: frr.routerAdded ? 'FRR: router bgp removed' : `FRR: ${frr.neighbors.length} neighbor(s) removed`,
    });
  } else out.push({ kind: 'restart-routing', reason: 'routing service restarted', staticRestored: true });
  if (save) out.push(SAVE);
  return out;
}
