// The effects the bring-up machines name, built from the services and transports: the only
// place where the machines meet switches. One instance per run; it keeps, per stage and
// switch, the open link and the plan of the current stage.
import { fromCallback, fromPromise, type EventObject } from 'xstate';
import { poolsOf } from '../core/adoption/refusals.ts';
import type { CheckOptions } from '../core/checks/checks.ts';
import type { SwitchIntent } from '../core/model.ts';
import type { Logger } from '../log.ts';
import { planSwitch, type SwitchPlan } from '../services/plan.ts';
import { mapConcurrent } from '../services/concurrency.ts';
import type { FabricSession } from '../services/session.ts';
import type { SwitchLink } from '../transport/connect.ts';
import { cablingFromCarrier, cablingFromLldp, describeCabling, gateChecks, sessionPeer, stayChecks } from './gates.ts';
import type { RollbackOutput } from './machines/run.ts';
import type { EffectInput, ReachOutput, SwitchEvent, WriteOutput } from './machines/types.ts';
import { isLinkChange, neighborInScope, scopeChanges, type Scope } from './scope.ts';
import type { StageSpec } from './stages.ts';
import { watchChecks, type CheckResult } from './watch.ts';
import { applyRest, BringupError, checkPlatform, extendCheckpoint, restoreRun, writeLinks } from './writes.ts';

export interface EffectsOptions {
  readonly session: FabricSession;
  readonly runId: string;
  readonly scope: Scope;
  readonly stages: readonly StageSpec[];
  readonly log?: Logger;
  readonly now?: () => Date;
  /** How long bgpcfgd may take to consume a neighbour before the switch counts as legacy-vs. */
  readonly consumeBudgetMs?: number;
  /** Save after every write and rollback (default); false: `--no-save`. */
  readonly save?: boolean;
}

interface Held {
  link: SwitchLink;
  plan: SwitchPlan;
  /** Sessions Established before this stage wrote anything (checks' ids). */
  established: Set<string>;
}

export function bringupEffects(o: EffectsOptions) {
  const { session, scope } = o;
  const held = new Map<string, Held>();
  const flavours = new Map<string, 'sonic' | 'legacy-vs'>();
  /** Neighbours this run configured through vtysh (legacy-vs), to take out on rollback. */
  const frrAdded = new Map<string, { neighbors: string[]; routerAdded: boolean }>();
  const intents = session.intents;
  const key = (i: EffectInput) => `${i.stage}/${i.switch}`;
  const stageOf = (id: string) => o.stages.find((s) => s.id === id)!;
  const checkOpts: CheckOptions = { flavourOf: (s: SwitchIntent) => flavours.get(s.name) ?? s.flavour };
  const get = (i: EffectInput) => {
    const h = held.get(key(i));
    if (!h) throw new Error(`${i.switch}: not reached in stage ${i.stage}`);
    return h;
  };
  const links = async (names: Iterable<string>) => new Map(await Promise.all([...new Set(names)].map(async (n) => [n, await session.link(n)] as const)));
  const log = (i: EffectInput) => o.log?.child({ switch: i.switch, stage: i.stage });

  /** Sessions of the switch that must stay Established, minus those the plan resets itself. */
  const stayFor = (i: EffectInput, plan: SwitchPlan) => {
    if (plan.firstBringUp || plan.changes.some((c) => c.impact === 'restart')) return [];
    const touched = new Set(plan.changes.filter((c) => c.key.startsWith('BGP_NEIGHBOR|')).map((c) => c.key.slice(c.key.lastIndexOf('|') + 1)));
    return stayChecks(i.switch, intents, scope, checkOpts).filter((c) => !touched.has(sessionPeer(c) ?? ''));
  };

  const reach = fromPromise<ReachOutput, EffectInput>(async ({ input }) => {
    const link = await session.link(input.switch);
    const last = await session.state.lastApplied(input.switch);
    const full = await planSwitch(link, intents.get(input.switch)!, session.desired.get(input.switch)!, last, poolsOf(session.loaded.fabric.underlay));
    const { kept, left } = scopeChanges(scope, intents.get(input.switch)!, full.changes);
    const plan: SwitchPlan = { ...full, changes: kept };
    if (plan.flavour) flavours.set(input.switch, plan.flavour);
    const established = new Set<string>();
    if (stageOf(input.stage).steps.apply) {
      // The baseline of the sessions that must stay up, read before anything is written.
      const stay = stayFor(input, plan);
      if (stay.length > 0) {
        const w = await watchChecks(await links([input.switch]), stay, (rs) => rs.forEach((r) => r.observation.pass && established.add(r.check.id)));
        await w.stop();
      }
    }
    held.set(key(input), { link, plan, established });
    log(input)?.info({ changes: kept.length, left: left.length, flavour: plan.flavour }, 'reached');
    return { endpoint: link.transport.endpoint, flavour: plan.flavour ?? 'sonic', changes: kept.length, left: left.length };
  });

  const checkPlatformFx = fromPromise<void, EffectInput>(async ({ input }) => {
    const { plan } = get(input);
    checkPlatform(intents.get(input.switch)!, plan.actual ?? new Map(), scope);
    if (plan.refusals?.length) throw new BringupError('REFUSED', `${input.switch}: not adopted, nothing written: ${plan.refusals.map((r) => `${r.key}: ${r.reason}`).join('; ')}`);
  });

  const checkpoint = fromPromise<void, EffectInput>(async ({ input }) => {
    await extendCheckpoint(session, get(input).plan, o.runId, (o.now?.() ?? new Date()).toISOString());
  });

  const bringLinksUp = fromPromise<WriteOutput, EffectInput>(async ({ input }) => {
    const { link, plan } = get(input);
    const ports = plan.changes.filter(isLinkChange);
    await writeLinks(session, link, ports, { save: o.save !== false });
    return { written: ports.length };
  });

  const watchCabling = fromCallback<EventObject, EffectInput>(({ input, sendBack }) => {
    const { plan } = get(input);
    const lldp = plan.flavour !== 'legacy-vs';
    const table = lldp ? 'LLDP_ENTRY_TABLE' : 'PORT_TABLE';
    const db = lldp ? 'APPL_DB' : 'STATE_DB';
    let stop: (() => Promise<void>) | undefined;
    let stopped = false;
    let last = '';
    void (async () => {
      const link = await session.link(input.switch);
      const look = async () => {
        const snap = await link.transport.read(db, [table]);
        const view = lldp ? cablingFromLldp(input.switch, intents, scope, snap) : cablingFromCarrier(input.switch, intents, scope, snap);
        const seen = { ok: view.ok, settled: view.settled, detail: describeCabling(input.switch, view) };
        const text = JSON.stringify(seen);
        if (!stopped && text !== last) {
          last = text;
          sendBack({ type: 'CABLING.SEEN', seen });
        }
      };
      let timer: ReturnType<typeof setTimeout> | undefined;
      const unwatch = await link.transport.watch(db, [table], () => {
        if (timer) return;
        timer = setTimeout(() => {
          timer = undefined;
          void look().catch(() => undefined);
        }, 50);
      });
      const resync = setInterval(() => void look().catch(() => undefined), 1000);
      stop = async () => {
        clearInterval(resync);
        if (timer) clearTimeout(timer);
        await unwatch();
      };
      if (stopped) await stop();
      else await look();
    })().catch((e) => log(input)?.warn({ err: (e as Error).message }, 'cabling watch failed'));
    return () => {
      stopped = true;
      void stop?.();
    };
  });

  const apply = fromPromise<WriteOutput, EffectInput>(async ({ input }) => {
    const { link, plan } = get(input);
    const r = await applyRest(session, link, plan, scope, { save: o.save !== false, ...(o.consumeBudgetMs === undefined ? {} : { consumeBudgetMs: o.consumeBudgetMs }) });
    if (r.frrConfigured) {
      const intent = intents.get(input.switch)!;
      const added = intent.neighbors.filter((n) => neighborInScope(scope, intent, n) && plan.frr?.missing.includes(n.peerIp)).map((n) => n.peerIp);
      const prev = frrAdded.get(input.switch);
      frrAdded.set(input.switch, { neighbors: [...(prev?.neighbors ?? []), ...added], routerAdded: (prev?.routerAdded ?? false) || plan.firstBringUp });
    }
    log(input)?.info({ written: r.written, notes: r.notes }, 'applied');
    return { written: r.written, notes: r.notes };
  });

  /** A watch over checks, started when the machine enters the state and stopped when it leaves. */
  const checkWatcher = (build: (i: EffectInput) => { checks: ReturnType<typeof gateChecks>; onUpdate: (rs: readonly CheckResult[], send: (e: SwitchEvent) => void) => void }) =>
    fromCallback<EventObject, EffectInput>(({ input, sendBack }) => {
      let stopped = false;
      let watch: { stop(): Promise<void> } | undefined;
      const { checks, onUpdate } = build(input);
      if (checks.length > 0) {
        void (async () => {
          const w = await watchChecks(await links(checks.map((c) => c.switch)), checks, (rs) => !stopped && onUpdate(rs, sendBack), {
            onError: (sw, e) => log(input)?.warn({ peer: sw, err: (e as Error).message }, 'gate read failed'),
          });
          if (stopped) await w.stop();
          else watch = w;
        })().catch((e) => log(input)?.warn({ err: (e as Error).message }, 'watch failed'));
      } else onUpdate([], sendBack);
      return () => {
        stopped = true;
        void watch?.stop();
      };
    });

  const watchGate = checkWatcher((input) => {
    const checks = gateChecks(stageOf(input.stage).steps.gate, input.switch, intents, scope, checkOpts);
    let last = '';
    return {
      checks,
      onUpdate: (rs, send) => {
        const failing = rs.filter((r) => !r.observation.pass).map((r) => `${r.check.switch}: ${r.check.id}: ${r.observation.seen}`);
        const seen = { passed: rs.length - failing.length, total: rs.length, failing };
        const text = JSON.stringify(seen);
        if (text === last) return;
        last = text;
        send({ type: 'GATE.SEEN', seen });
        if (failing.length === 0) send({ type: 'GATE.PASSED' });
      },
    };
  });

  const watchExisting = checkWatcher((input) => {
    const h = get(input);
    const checks = stayFor(input, h.plan).filter((c) => h.established.has(c.id));
    let lost = false;
    return {
      checks,
      onUpdate: (rs, send) => {
        const gone = rs.find((r) => !r.observation.pass && r.observation.seen !== 'not read yet');
        if (!gone || lost) return;
        lost = true;
        send({ type: 'SESSION.LOST', peer: `${sessionPeer(gone.check)} on ${gone.check.switch}`, seen: gone.observation.seen });
      },
    };
  });

  const rollback = fromPromise<WriteOutput, EffectInput>(async ({ input }) => {
    const r = await restoreRun(session, input.switch, o.runId, frrAdded.get(input.switch), o.save !== false);
    frrAdded.delete(input.switch);
    log(input)?.warn({ written: r.written }, 'rolled back');
    return r;
  });

  const rollbackSwitches = fromPromise<RollbackOutput, { switches: readonly string[] }>(async ({ input }) => {
    const restored: string[] = [];
    const failed: { switch: string; message: string }[] = [];
    await mapConcurrent(input.switches, session.concurrency, async (sw) => {
      try {
        await restoreRun(session, sw, o.runId, frrAdded.get(sw), o.save !== false);
        frrAdded.delete(sw);
        restored.push(sw);
      } catch (e) {
        failed.push({ switch: sw, message: (e as Error).message });
      }
    });
    return { restored, failed };
  });

  return {
    switchActors: { reach, checkPlatform: checkPlatformFx, checkpoint, bringLinksUp, watchCabling, apply, watchGate, watchExisting, rollback },
    rollbackSwitches,
  };
}
