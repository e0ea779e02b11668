// Runs a list of actions (actions.ts) on one switch, in order, and says what it did. The one
// executor of every write clos makes: apply, rollback and the bring-up stages. An observer sees
// every action start and end; an abort signal (a deadline around the whole list, deadline())
// stops it between actions and interrupts the action under way: a switch that stops answering
// fails in time, and a transaction that got no answer says the switch's state is unknown.
import { CONFIG_READ_TABLES } from '../../core/adoption/refusals.ts';
import { diffConfig, type Change } from '../../core/diff/diff.ts';
import { sameFields, type Fields, type FlatDb } from '../../core/diff/flat.ts';
import { renderFrrBgp } from '../../core/render/frr.ts';
import type { Checkpoint, StateDir } from '../../io/state-dir.ts';
import { describeChange } from '../../results/change-text.ts';
import type { SwitchLink } from '../../transport/connect.ts';
import { SwitchError } from '../../transport/transport.ts';
import { showBgpSummary } from '../plan.ts';
import { configureFrr, restartRouting, saveConfig, waitConsumed } from '../routing.ts';
import { realClock, type Clock } from '../watch-kit.ts';
import { restoreTouchesStatic, type Action, type ActionKind, type Flavour } from './actions.ts';

/** What an observer is told, per switch and action. */
export interface ActionEvent {
  readonly switch: string;
  readonly action: ActionKind;
  readonly phase: 'start' | 'done' | 'skipped' | 'failed';
  readonly ms?: number;
  readonly error?: string;
}

export interface RunOptions {
  readonly state: StateDir;
  /** The flavour the first action sees (confirm-consumed may change it). */
  readonly flavour: Flavour;
  /** What the switch had of the managed tables when planned: the base a transaction's read
   *  back is laid over. */
  readonly actual?: FlatDb;
  readonly onEvent?: (e: ActionEvent) => void;
  readonly signal?: AbortSignal;
  /** The clock waits run on (confirm-consumed). */
  readonly clock?: Clock;
}

export interface RunResult {
  flavour: Flavour;
  /** CONFIG_DB entries written, restarts and vtysh sessions. */
  written: number;
  restarted: boolean;
  frrConfigured: boolean;
  /** Changes a restore made. */
  restored: Change[];
  /** The running config was saved as the startup config. */
  saved: boolean;
  readonly notes: string[];
  /** A transaction went to the switch (so a failure after it may have changed something). */
  sent: boolean;
  /** Why what the switch holds is not known: a transaction sent and never answered. */
  unknown?: string;
}

/** A deadline on a clock: its signal aborts once `ms` have passed; clear() it when done. */
export function deadline(ms: number, clock: Clock = realClock): { readonly signal: AbortSignal; clear(): void } {
  const c = new AbortController();
  const timer = clock.setTimeout(() => c.abort(`the deadline of ${ms} ms passed`), ms);
  return { signal: c.signal, clear: () => clock.clearTimeout(timer) };
}

/** Runs the actions; throws the first failure (the caller decides about restoring). The result
 *  so far is in `into` when given, so a caller can report what happened before a failure. */
export async function runActions(link: SwitchLink, actions: readonly Action[], opts: RunOptions, into?: RunResult): Promise<RunResult> {
  const r: RunResult = into ?? emptyResult(opts.flavour);
  for (const a of actions) {
    if (opts.signal?.aborted) throw new SwitchError('TIMEOUT', link.name, link.transport.endpoint, `stopped before ${a.kind}: ${String(opts.signal.reason ?? 'aborted')}`);
    if (!applies(a, r)) {
      opts.onEvent?.({ switch: link.name, action: a.kind, phase: 'skipped' });
      continue;
    }
    const t0 = Date.now();
    opts.onEvent?.({ switch: link.name, action: a.kind, phase: 'start' });
    try {
      await untilAborted(run(link, a, opts, r), opts.signal, () => interrupted(link, a, r, opts.signal!));
    } catch (e) {
      if (a.kind === 'save') opts.state.owe(link.name, 'save', `the save failed: ${(e as Error).message}`);
      if (e instanceof SwitchError && e.outcome === 'unknown') {
        r.unknown ??= e.message;
        // The write may still land, whole; the restart it needs would then never come: the next
        // plan reads that it is owed (state-dir owed-restart) and apply gives it.
        const owed = actions.slice(actions.indexOf(a) + 1).find((n) => n.kind === 'restart-routing' && !n.staticRestored);
        if (owed?.kind === 'restart-routing') opts.state.owe(link.name, 'restart', owed.reason);
      }
      opts.onEvent?.({ switch: link.name, action: a.kind, phase: 'failed', ms: Date.now() - t0, error: (e as Error).message });
      throw e;
    }
    // The running config changed and nothing after this saves it (`--no-save`): a save is owed.
    // (A switch with no exec channel cannot be saved at all: apply says so each time it writes.)
    if ((a.kind === 'write' || a.kind === 'restore') && link.exec && !actions.slice(actions.indexOf(a) + 1).some((n) => n.kind === 'save')) {
      opts.state.owe(link.name, 'save', 'clos changed the running config without saving it (--no-save)');
    }
    opts.onEvent?.({ switch: link.name, action: a.kind, phase: 'done', ms: Date.now() - t0 });
  }
  return r;
}

export function emptyResult(flavour: Flavour): RunResult {
  return { flavour, written: 0, restarted: false, frrConfigured: false, restored: [], saved: false, notes: [], sent: false };
}

/** The action's own promise, or the abort's error as soon as the signal fires (the action is
 *  left behind: closing the link ends what it waits for). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined, error: () => Error): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(error());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

/** What an action cut short by the deadline means: once its transaction is out, the switch's
 *  state is unknown. */
function interrupted(link: SwitchLink, a: Action, r: RunResult, signal: AbortSignal): SwitchError {
  const why = String(signal.reason ?? 'aborted');
  const endpoint = link.transport.endpoint;
  if ((a.kind === 'write' || a.kind === 'restore') && r.sent) {
    return new SwitchError('TIMEOUT', link.name, endpoint, `state unknown: transaction sent, no reply before ${why}: it may still be applied, whole, when the switch answers again`, { outcome: 'unknown' });
  }
  return new SwitchError('TIMEOUT', link.name, endpoint, `${a.kind} did not finish: ${why}`);
}

/** Whether an action runs, given what ran before it. */
function applies(a: Action, r: RunResult): boolean {
  switch (a.kind) {
    case 'confirm-consumed':
      return r.flavour === 'sonic';
    case 'restart-routing':
      return r.flavour === 'sonic' && (!a.staticRestored || restoreTouchesStatic(r.restored));
    case 'configure-frr':
      return r.flavour === 'legacy-vs';
    default:
      return true;
  }
}

async function run(link: SwitchLink, a: Action, opts: RunOptions, r: RunResult): Promise<void> {
  switch (a.kind) {
    case 'checkpoint':
      await opts.state.saveCheckpoint(a.checkpoint);
      return;
    case 'write':
      await write(link, a, opts, r);
      r.written += a.changes.length;
      return;
    case 'confirm-consumed':
      if (!(await waitConsumed(link, a.peers, a.budgetMs, opts.clock))) {
        r.flavour = 'legacy-vs';
        r.notes.push('bgpcfgd did not consume BGP_NEIGHBOR: this switch has no bgpcfgd (like docker-sonic-vs release images); BGP configured through vtysh');
      }
      return;
    case 'restart-routing':
      await restartRouting(link, opts.signal);
      opts.state.settle(link.name, 'restart');
      r.restarted = true;
      r.written++;
      r.notes.push(a.reason);
      return;
    case 'configure-frr': {
      let intent = a.intent;
      let want = intent.neighbors;
      if (a.inScope) {
        const inScope = a.inScope;
        const have = (await showBgpSummary(link)).ipv4Unicast?.peers ?? {};
        want = intent.neighbors.filter(inScope);
        intent = { ...intent, neighbors: intent.neighbors.filter((n) => inScope(n) || have[n.peerIp]) };
      }
      await configureFrr(link, renderFrrBgp(intent), opts.signal);
      r.frrConfigured = true;
      r.written++;
      const now = (await showBgpSummary(link)).ipv4Unicast?.peers ?? {};
      const missing = want.filter((n) => !now[n.peerIp]).map((n) => n.peerIp);
      if (missing.length > 0) throw new SwitchError('READBACK_MISMATCH', link.name, link.exec?.endpoint ?? link.transport.endpoint, `FRR lacks neighbors ${missing.join(', ')} after vtysh configuration`);
      if (a.inScope) r.notes.push(`BGP configured through vtysh (${intent.neighbors.length} neighbor(s))`);
      return;
    }
    case 'vtysh':
      await configureFrr(link, a.lines, opts.signal);
      r.notes.push(a.note);
      return;
    case 'restore':
      r.restored = await restore(link, a.checkpoint, opts.state, r);
      return;
    case 'save':
      await saveConfig(link);
      opts.state.settle(link.name, 'save');
      r.saved = true;
      return;
  }
}

async function write(link: SwitchLink, a: Extract<Action, { kind: 'write' }>, opts: RunOptions, r: RunResult): Promise<void> {
  const receipt = await send(link, a.changes, r);
  const wrong =
    a.readBack.kind === 'written'
      ? writtenWrong(a.changes, receipt ? receipt.readBack : await link.transport.read('CONFIG_DB', tablesOf(a.changes.map((c) => c.key))))
      : receipt && opts.actual
        ? leftAfterWrite(a.readBack, a.changes, receipt.readBack)
        : wholeLeft(a.readBack, receipt ? withReadBack(opts.actual, a.changes, receipt.readBack) : await link.transport.read('CONFIG_DB', CONFIG_READ_TABLES));
  if (wrong.length > 0) {
    throw new SwitchError('READBACK_MISMATCH', link.name, link.transport.endpoint, `read back differs from what was written: ${wrong.slice(0, 3).map(describeChange).join('; ')}`);
  }
  if (a.record.kind === 'desired') {
    await opts.state.saveApplied(link.name, a.record.desired);
    return;
  }
  const applied = new Map<string, Fields>((await opts.state.lastApplied(link.name)) ?? []);
  for (const c of a.changes) {
    const want = a.record.desired.get(c.key);
    if (want) applied.set(c.key, want);
    else applied.delete(c.key);
  }
  await opts.state.saveApplied(link.name, applied);
}

/** The transaction, with `sent` kept true to what reached the switch: a connection that could
 *  not be opened (UNREACHABLE, TIMEOUT without an unknown outcome) sent nothing. */
async function send(link: SwitchLink, changes: readonly Change[], r: RunResult) {
  if (changes.length === 0) return undefined;
  const before = r.sent;
  r.sent = true;
  try {
    return await link.transport.apply(changes);
  } catch (e) {
    if (e instanceof SwitchError && !e.outcome && (e.code === 'UNREACHABLE' || e.code === 'TIMEOUT')) r.sent = before;
    throw e;
  }
}

function writtenWrong(changes: readonly Change[], after: ReadonlyMap<string, Fields>): Change[] {
  return changes.filter((c) => (c.op === 'delete' ? after.has(c.key) : !sameFields(after.get(c.key), c.after ?? c.set)));
}

function wholeLeft(rb: Extract<Action, { kind: 'write' }>['readBack'] & { kind: 'whole' }, after: FlatDb): Change[] {
  const left = diffConfig({ desired: rb.desired, actual: after, ownership: rb.ownership, ...(rb.lastApplied ? { lastApplied: rb.lastApplied } : {}) });
  return rb.keep ? left.filter(rb.keep) : left;
}

/** What the write left to do, from the transaction's read-back, when the change set is plan's
 *  diff of what it read (`actual`; within a run's scope, the rest of that diff is outside it):
 *  every other key still reads as plan read it, and the diff of one key depends on that key
 *  alone, so only the written keys can leave anything. The diff runs on them, not on the whole
 *  switch again (a spine's CONFIG_DB holds thousands of entries). */
function leftAfterWrite(rb: Extract<Action, { kind: 'write' }>['readBack'] & { kind: 'whole' }, changes: readonly Change[], readBack: ReadonlyMap<string, Fields>): Change[] {
  const desired = new Map<string, Fields>();
  const after = new Map<string, Fields>();
  const last = new Map<string, Fields>();
  for (const { key } of changes) {
    const want = rb.desired.get(key);
    if (want) desired.set(key, want);
    const now = readBack.get(key);
    if (now) after.set(key, now);
    const was = rb.lastApplied?.get(key);
    if (was) last.set(key, was);
  }
  return wholeLeft({ ...rb, desired, ...(rb.lastApplied ? { lastApplied: last } : {}) }, after);
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

function tablesOf(keys: readonly string[]): string[] {
  return [...new Set(keys.map((k) => k.slice(0, k.indexOf('|'))))];
}

/** Every key of the checkpoint back exactly as it was (absent keys deleted), and the managed
 *  scope with it. Returns the changes it made. */
async function restore(link: SwitchLink, cp: Checkpoint, state: StateDir, r: RunResult): Promise<Change[]> {
  const scope = [...cp.keys.keys()];
  const desired = new Map<string, Fields>();
  for (const [k, v] of cp.keys) if (v) desired.set(k, v);
  const actual = await link.transport.read('CONFIG_DB', tablesOf(scope));
  const changes = diffConfig({ desired, actual, exact: { scope } });
  await send(link, changes, r);
  await state.saveApplied(cp.switch, cp.lastApplied);
  return changes;
}
