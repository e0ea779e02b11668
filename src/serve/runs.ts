// Runs of the API (apply, bringup, rollback) as in-process jobs: each has an id, a state, its
// per-switch and per-stage progress, and every progress event kept in order, so a client that
// connects late (or after the end) gets the history first. The fabric bus carries what is not a
// run's own: drift rounds and runs starting and ending, with the latest drift of each fabric
// kept for clients that connect later.
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { runSchema } from './api.ts';

export type RunKind = 'apply' | 'bringup' | 'rollback';
export type RunState = z.infer<typeof runSchema>['state'];

export interface RunEvent {
  readonly id: number;
  readonly event: string;
  readonly at: string;
  readonly data: unknown;
}

type Listener = (e: RunEvent) => void;

export class Run {
  state: RunState = 'running';
  endedAt: string | null = null;
  result: unknown = null;
  readonly events: RunEvent[] = [];
  readonly switches = new Map<string, { status: string; detail: string | null }>();
  stages: { id: string; status: string }[] = [];
  private readonly listeners = new Set<Listener>();
  readonly finished: Promise<void>;
  private resolveFinished!: () => void;

  constructor(
    readonly id: string,
    readonly kind: RunKind,
    readonly fabric: string,
    readonly plan: string | null,
    readonly startedAt = new Date().toISOString(),
  ) {
    this.finished = new Promise((r) => (this.resolveFinished = r));
  }

  emit(event: string, data: unknown): void {
    if (this.endedAt) return;
    const e: RunEvent = { id: this.events.length + 1, event, at: new Date().toISOString(), data };
    this.events.push(e);
    for (const l of this.listeners) l(e);
  }

  setSwitch(name: string, status: string, detail: string | null = null): void {
    const now = this.switches.get(name);
    if (now?.status === status && now.detail === detail) return;
    this.switches.set(name, { status, detail });
    this.emit('switch', { switch: name, status, detail });
  }

  /** Ends the run: the last event is `done`, carrying the state and the result. */
  finish(state: RunState, result: unknown): void {
    if (this.endedAt) return;
    this.emit('done', { state, result });
    this.state = state;
    this.result = result;
    this.endedAt = new Date().toISOString();
    this.listeners.clear();
    this.resolveFinished();
  }

  /** Events after `after` (by id) now, then each new one; returns the unsubscribe. */
  follow(after: number, f: Listener): () => void {
    for (const e of this.events) if (e.id > after) f(e);
    if (this.endedAt) return () => undefined;
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  json(): z.infer<typeof runSchema> {
    return {
      id: this.id,
      kind: this.kind,
      fabric: this.fabric,
      state: this.state,
      startedAt: this.startedAt,
      endedAt: this.endedAt,
      plan: this.plan,
      events: this.events.length,
      switches: Object.fromEntries(this.switches),
      stages: this.stages,
      result: this.result,
    };
  }
}

export function newId(prefix: string): string {
  return `${prefix}-${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomBytes(4).toString('hex')}`;
}

export class RunStore {
  private readonly runs = new Map<string, Run>();

  constructor(
    private readonly bus: FabricBus,
    private readonly keep = 200,
  ) {}

  create(kind: RunKind, fabric: string, id: string, plan: string | null): Run {
    const run = new Run(id, kind, fabric, plan);
    this.runs.set(run.id, run);
    this.bus.publish('run', { id: run.id, kind, fabric, state: run.state, startedAt: run.startedAt });
    void run.finished.then(() => this.bus.publish('run', { id: run.id, kind, fabric, state: run.state, startedAt: run.startedAt, endedAt: run.endedAt }));
    // Old ended runs go; running ones stay whatever their number.
    const ended = [...this.runs.values()].filter((r) => r.endedAt);
    for (const r of ended.slice(0, Math.max(0, this.runs.size - this.keep))) this.runs.delete(r.id);
    return run;
  }

  get(id: string): Run | undefined {
    return this.runs.get(id);
  }

  list(): Run[] {
    return [...this.runs.values()].reverse();
  }

  running(): Run[] {
    return [...this.runs.values()].filter((r) => !r.endedAt);
  }
}

export interface BusEvent {
  readonly id: number;
  readonly event: string;
  readonly data: unknown;
}

export class FabricBus {
  private seq = 0;
  private readonly listeners = new Set<(e: BusEvent) => void>();
  /** The latest drift round of each fabric: what a new client is sent first. */
  readonly latest = new Map<string, BusEvent>();

  publish(event: string, data: unknown, fabric?: string): void {
    const e: BusEvent = { id: ++this.seq, event, data };
    if (event === 'drift' && fabric) this.latest.set(fabric, e);
    for (const l of this.listeners) l(e);
  }

  subscribe(f: (e: BusEvent) => void): () => void {
    for (const e of this.latest.values()) f(e);
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }
}
