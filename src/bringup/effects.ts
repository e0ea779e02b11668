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
import { watchChecks, type WatchedCheck } from '../services/watch/checks.ts';
import { watchTables } from '../services/watch/tables.ts';
import { realClock } from '../services/watch-kit.ts';
import type { SwitchLink } from '../transport/connect.ts';
import { cablingFromCarrier, cablingFromLldp, describeCabling, gateChecks, sessionPeer, stayChecks } from './gates.ts';
import type { RollbackOutput } from './machines/run.ts';
import type { EffectInput, ReachOutput, SwitchEvent, WriteOutput } from './machines/types.ts';
import { isLinkChange, neighborInScope, scopeChanges, type Scope } from './scope.ts';
import type { StageSpec } from './stages.ts';
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
  /** Deadline of each switch's write and restore (the run's --timeout). */
  readonly writeTimeoutMs?: number;
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
        const w = await watchChecks(await links([input.switch]), stay, { onError: () => undefined });
        await w.firstRead;
        await w.stop();
        for (const r of w.results) if (r.pass) established.add(r.check.id);
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
    await writeLinks(session, link, ports, { save: o.save !== false, ...(o.writeTimeoutMs === undefined ? {} : { timeoutMs: o.writeTimeoutMs }) });
    return { written: ports.length };
  });

  /** A watch that runs while the machine is in a state: started on entry, stopped on exit
   *  (also when it is still starting then). */
  const whileIn = (input: EffectInput, what: string, start: (stopped: () => boolean) => Promise<{ stop(): Promise<void> }>) => {
    let stopped = false;
    let watch: { stop(): Promise<void> } | undefined;
    void start(() => stopped)
      .then((w) => (stopped ? w.stop() : void (watch = w)))
      .catch((e) => log(input)?.warn({ err: (e as Error).message }, `${what} failed`));
    return () => {
      stopped = true;
      void watch?.stop();
    };
  };

  const watchCabling = fromCallback<EventObject, EffectInput>(({ input, sendBack }) => {
    const lldp = get(input).plan.flavour !== 'legacy-vs';
    const table = lldp ? 'LLDP_ENTRY_TABLE' : 'PORT_TABLE';
    let last = '';
    return whileIn(input, 'cabling watch', async (stopped) =>
      watchTables((await session.link(input.switch)).transport, lldp ? 'APPL_DB' : 'STATE_DB', [table], {
        clock: realClock,
        debounceMs: 50,
        resyncMs: 1000,
        onRead: (snap) => {
          const rows = snap.get(table) ?? new Map();
          const view = lldp ? cablingFromLldp(input.switch, intents, scope, rows) : cablingFromCarrier(input.switch, intents, scope, rows);
          const seen = { ok: view.ok, settled: view.settled, detail: describeCabling(input.switch, view) };
          const text = JSON.stringify(seen);
          if (!stopped() && text !== last) {
            last = text;
            sendBack({ type: 'CABLING.SEEN', seen });
          }
        },
        onError: () => undefined, // the next resync reads again
      }),
    );
  });

  const apply = fromPromise<WriteOutput, EffectInput>(async ({ input }) => {
    const { link, plan } = get(input);
    const r = await applyRest(session, link, plan, scope, { save: o.save !== false, ...(o.consumeBudgetMs === undefined ? {} : { consumeBudgetMs: o.consumeBudgetMs }), ...(o.writeTimeoutMs === undefined ? {} : { timeoutMs: o.writeTimeoutMs }) });
    if (r.frrConfigured) {
      const intent = intents.get(input.switch)!;
      const added = intent.neighbors.filter((n) => neighborInScope(scope, intent, n) && plan.frr?.missing.includes(n.peerIp)).map((n) => n.peerIp);
      const prev = frrAdded.get(input.switch);
      frrAdded.set(input.switch, { neighbors: [...(prev?.neighbors ?? []), ...added], routerAdded: (prev?.routerAdded ?? false) || plan.firstBringUp });
    }
    log(input)?.info({ written: r.written, notes: r.notes }, 'applied');
    return { written: r.written, notes: r.notes };
  });

  /** A watch over checks while the machine is in a state; `onUpdate` hears every change. */
  const checkWatcher = (build: (i: EffectInput) => { checks: ReturnType<typeof gateChecks>; onUpdate: (rs: readonly WatchedCheck[], send: (e: SwitchEvent) => void) => void }) =>
    fromCallback<EventObject, EffectInput>(({ input, sendBack }) => {
      const { checks, onUpdate } = build(input);
      if (checks.length === 0) return void onUpdate([], sendBack);
      return whileIn(input, 'watch', async (stopped) =>
        watchChecks(await links(checks.map((c) => c.switch)), checks, {
          resyncMs: 2000,
          onChange: (rs) => !stopped() && onUpdate(rs, sendBack),
          onError: (sw, e) => log(input)?.warn({ peer: sw, err: (e as Error).message }, 'gate read failed'),
        }),
      );
    });

  const watchGate = checkWatcher((input) => {
    const checks = gateChecks(stageOf(input.stage).steps.gate, input.switch, intents, scope, checkOpts);
    let last = '';
    return {
      checks,
      onUpdate: (rs, send) => {
        const failing = rs.filter((r) => !r.pass).map((r) => `${r.check.switch}: ${r.check.id}: ${r.seen}`);
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
        const gone = rs.find((r) => !r.pass && r.read);
        if (!gone || lost) return;
        lost = true;
        send({ type: 'SESSION.LOST', peer: `${sessionPeer(gone.check)} on ${gone.check.switch}`, seen: gone.seen });
      },
    };
  });

  const rollback = fromPromise<WriteOutput, EffectInput>(async ({ input }) => {
    const r = await restoreRun(session, input.switch, o.runId, frrAdded.get(input.switch), { save: o.save !== false, ...(o.writeTimeoutMs === undefined ? {} : { timeoutMs: o.writeTimeoutMs }) });
    frrAdded.delete(input.switch);
    log(input)?.warn({ written: r.written }, 'rolled back');
    return r;
  });

  const rollbackSwitches = fromPromise<RollbackOutput, { switches: readonly string[] }>(async ({ input }) => {
    const restored: string[] = [];
    const failed: { switch: string; message: string }[] = [];
    await mapConcurrent(input.switches, session.concurrency, async (sw) => {
      try {
        await restoreRun(session, sw, o.runId, frrAdded.get(sw), { save: o.save !== false, ...(o.writeTimeoutMs === undefined ? {} : { timeoutMs: o.writeTimeoutMs }) });
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
