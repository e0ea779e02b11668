// Plans kept by id for review and apply. Each carries, per switch, a fingerprint of what plan
// read from it (the managed CONFIG_DB tables, the flavour and its evidence, FRR's peers, the
// last applied scope) and a hash of the fabric file and lock it was made from. Apply re-reads
// every switch first and refuses the plan when one fingerprint differs: the plan is stale.
import { createHash } from 'node:crypto';
import type { AllocationChange } from '../core/model.ts';
import type { SwitchPlan } from '../services/plan.ts';
import { planJson } from '../report/plan-format.ts';
import { hasWork } from '../services/plan.ts';
import { newId } from './runs.ts';

export interface StoredPlan {
  readonly id: string;
  readonly fabric: string;
  readonly createdAt: string;
  readonly plans: readonly SwitchPlan[];
  readonly allocationChanges: readonly AllocationChange[];
  readonly fingerprints: Readonly<Record<string, string>>;
  /** Hash of the fabric file and its lock as planned. */
  readonly files: string;
  readonly alloc: { readonly allowRenumber?: boolean; readonly prune?: boolean };
}

const sorted = (m: ReadonlyMap<string, unknown> | undefined) => (m ? [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : null);

export function fingerprint(p: SwitchPlan): string {
  const seen = p.error
    ? { error: p.error.code }
    : { actual: sorted(p.actual), lastApplied: sorted(p.lastApplied), flavour: p.flavour, source: p.flavourSource, frr: p.frr ? { missing: p.frr.missing, extra: p.frr.extra, pending: p.frr.pending } : null };
  return createHash('sha256').update(JSON.stringify(seen)).digest('hex');
}

export function hashText(t: string): string {
  return createHash('sha256').update(t).digest('hex');
}

export class PlanStore {
  private readonly plans = new Map<string, StoredPlan>();

  constructor(private readonly keep = 100) {}

  add(fabric: string, plans: readonly SwitchPlan[], allocationChanges: readonly AllocationChange[], files: string, alloc: StoredPlan['alloc']): StoredPlan {
    const p: StoredPlan = {
      id: newId('plan'),
      fabric,
      createdAt: new Date().toISOString(),
      plans,
      allocationChanges,
      fingerprints: Object.fromEntries(plans.map((x) => [x.switch, fingerprint(x)])),
      files,
      alloc,
    };
    this.plans.set(p.id, p);
    for (const old of [...this.plans.keys()].slice(0, Math.max(0, this.plans.size - this.keep))) this.plans.delete(old);
    return p;
  }

  get(id: string): StoredPlan | undefined {
    return this.plans.get(id);
  }
}

export function planView(p: StoredPlan) {
  return {
    id: p.id,
    fabric: p.fabric,
    createdAt: p.createdAt,
    fingerprints: p.fingerprints,
    pending: p.plans.some(hasWork) || p.allocationChanges.length > 0,
    plan: planJson(p.plans, p.allocationChanges),
  };
}

/** Switches whose fresh reading differs from the plan's. */
export function staleSwitches(p: StoredPlan, fresh: readonly SwitchPlan[]): string[] {
  const now = new Map(fresh.map((x) => [x.switch, fingerprint(x)]));
  return Object.entries(p.fingerprints)
    .filter(([sw, fp]) => now.get(sw) !== fp)
    .map(([sw]) => sw);
}
