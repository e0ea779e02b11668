// `clos drift --watch`: a drift run every interval, each report kept in the state directory's
// history, the caller told of each round and of what changed since the one before. Stops when
// the signal aborts: at once while waiting, after the round in progress otherwise (a round is
// bounded by the transports' timeouts).
import { setTimeout as sleep } from 'node:timers/promises';
import { saveDriftReport } from '../io/drift-history.ts';
import { driftDelta, type DriftDelta } from '../results/drift-report.ts';
import type { DriftReport } from '../results/drift-schema.ts';
import { driftFabric } from './drift.ts';
import type { FabricSession } from './session.ts';

export interface WatchOptions {
  readonly intervalMs: number;
  readonly signal: AbortSignal;
  /** Called after each round with its report, the delta from the round before (undefined for
   *  the first) and where the report was kept. */
  readonly onRound: (report: DriftReport, delta: DriftDelta | undefined, saved: string) => void | Promise<void>;
  /** Replaces driftFabric (tests). */
  readonly drift?: (session: FabricSession) => Promise<DriftReport>;
}

/** Runs rounds until aborted; returns the last report (undefined if aborted before the first). */
export async function watchDrift(session: FabricSession, opts: WatchOptions): Promise<{ last: DriftReport | undefined; rounds: number }> {
  const run = opts.drift ?? ((s: FabricSession) => driftFabric(s));
  let last: DriftReport | undefined;
  let rounds = 0;
  while (!opts.signal.aborted) {
    const started = Date.now();
    const report = await run(session);
    const saved = await saveDriftReport(session.state.dir, report);
    await opts.onRound(report, last ? driftDelta(last, report) : undefined, saved);
    last = report;
    rounds++;
    const wait = Math.max(0, opts.intervalMs - (Date.now() - started));
    try {
      await sleep(wait, undefined, { signal: opts.signal });
    } catch {
      break; // aborted while waiting
    }
  }
  return { last, rounds };
}
