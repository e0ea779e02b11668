// The record of a bring-up run in the state directory (<state>/bringup/<run-id>.json): what
// the run is, each stage and switch with its step, result and times. Written atomically at
// every transition, so a run killed at any point can be resumed (`--resume`) or undone
// (`clos rollback F --to <run-id>`).
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/files.ts';
import { progressKey, type RunContext, type StageStatus } from './machines/run.ts';
import type { Failure, SwitchStep } from './machines/types.ts';
import type { StageSpec } from './stages.ts';

export type RunStatus = 'running' | 'done' | 'rolled-back' | 'failed';

export interface SwitchRecord {
  readonly name: string;
  step: SwitchStep | 'pending';
  result?: 'done' | 'failed' | 'rolled-back';
  startedAt?: number; // epoch ms
  endedAt?: number;
  /** When the write of this stage began, and when its gate began. */
  applyAt?: number;
  gateAt?: number;
  /** From the write to the gate passing: how long the switch took to converge. */
  convergeMs?: number;
  endpoint?: string;
  flavour?: 'sonic' | 'legacy-vs';
  /** Changes in scope planned when the switch was reached, and written in this stage. */
  changes?: number;
  written?: number;
  left?: number;
  failure?: Failure;
  notes?: readonly string[];
}

export interface StageRecord {
  readonly spec: StageSpec;
  status: StageStatus;
  startedAt?: number;
  endedAt?: number;
  switches: SwitchRecord[];
}

export interface RunRecord {
  readonly version: 1;
  readonly id: string; // the run id, also the id of its checkpoints
  readonly fabric: string;
  readonly file: string;
  readonly racks: readonly string[] | null;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly lldpMs: number;
  readonly cablingSettleMs: number;
  readonly startedAt: string;
  attempts: { readonly startedAt: string; readonly pid: number }[];
  status: RunStatus;
  endedAt?: string;
  durationMs?: number;
  failure?: string;
  touched: string[];
  stages: StageRecord[];
}

function recordDir(stateDir: string): string {
  return join(stateDir, 'bringup');
}

export function recordPath(stateDir: string, id: string): string {
  return join(recordDir(stateDir), `${id}.json`);
}

export async function loadRecord(stateDir: string, id: string): Promise<RunRecord> {
  return JSON.parse(await readFile(recordPath(stateDir, id), 'utf8')) as RunRecord;
}

/** The newest run that did not finish (a run killed midway), if any. */
export async function unfinishedRun(stateDir: string): Promise<RunRecord | undefined> {
  const dir = recordDir(stateDir);
  if (!existsSync(dir)) return undefined;
  const ids = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort().reverse();
  for (const id of ids) {
    const r = await loadRecord(stateDir, id);
    if (r.status === 'running') return r;
  }
  return undefined;
}

/** Writes the record; calls made while a write is in flight coalesce into one more write. */
export class RecordWriter {
  private writing: Promise<void> | undefined;
  private again = false;
  constructor(
    private readonly path: string,
    private readonly record: RunRecord,
  ) {}

  save(): Promise<void> {
    if (this.writing) {
      this.again = true;
      return this.writing;
    }
    this.writing = (async () => {
      do {
        this.again = false;
        await writeFileAtomic(this.path, `${JSON.stringify(this.record, null, 2)}\n`);
      } while (this.again);
    })().finally(() => (this.writing = undefined));
    return this.writing;
  }

  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }
}

export function newRecord(o: Omit<RunRecord, 'version' | 'attempts' | 'status' | 'touched' | 'stages'> & { stages: readonly StageSpec[] }): RunRecord {
  return {
    version: 1,
    id: o.id,
    fabric: o.fabric,
    file: o.file,
    racks: o.racks,
    concurrency: o.concurrency,
    timeoutMs: o.timeoutMs,
    lldpMs: o.lldpMs,
    cablingSettleMs: o.cablingSettleMs,
    startedAt: o.startedAt,
    attempts: [],
    status: 'running',
    touched: [],
    stages: o.stages.map((spec) => ({ spec, status: 'pending', switches: spec.waves.flat().map((name) => ({ name, step: 'pending' })) })),
  };
}

/** Folds the run machine's context into the record, stamping times as things change.
 *  Returns whether anything changed. */
export function applyContext(record: RunRecord, c: RunContext, at: number): boolean {
  let changed = false;
  for (const stage of record.stages) {
    const status = c.status[stage.spec.id] ?? stage.status;
    if (status !== stage.status) {
      changed = true;
      if (status === 'running') {
        stage.startedAt = at;
        delete stage.endedAt;
        // A stage that runs again (a resumed run) starts over.
        stage.switches = stage.switches.map((s) => ({ name: s.name, step: 'pending' }));
      } else if (stage.status === 'running') stage.endedAt = at;
      stage.status = status;
    }
    for (const s of stage.switches) {
      const p = c.switches[progressKey(stage.spec.id, s.name)];
      if (!p) continue;
      if (p.step !== s.step) {
        changed = true;
        if (s.step === 'pending') s.startedAt = at;
        if (p.step === 'applying') s.applyAt = at;
        if (p.step === 'gating') s.gateAt = at;
        s.step = p.step;
      }
      const r = p.report;
      if (r && s.result === undefined) {
        changed = true;
        s.result = r.result;
        s.endedAt = at;
        if (r.result === 'done' && s.applyAt !== undefined && stage.spec.steps.gate !== 'none') s.convergeMs = at - s.applyAt;
        if (r.endpoint) s.endpoint = r.endpoint;
        if (r.flavour) s.flavour = r.flavour;
        if (r.changes !== undefined) s.changes = r.changes;
        if (r.left !== undefined) s.left = r.left;
        if (r.written !== undefined) s.written = r.written;
        if (r.failure) s.failure = r.failure;
        s.notes = r.notes;
      }
    }
  }
  if (c.touched.some((t) => !record.touched.includes(t))) {
    record.touched = [...new Set([...record.touched, ...c.touched])];
    changed = true;
  }
  if (c.failure && c.failure !== record.failure) {
    record.failure = c.failure;
    changed = true;
  }
  return changed;
}
