// `clos serve --watch 30s`: a drift round of every served fabric each interval (the service of
// `clos drift --watch`, every report kept in the state directory's history), each round
// published on the fabric bus (/api/v1/events: the dashboard recolours from it) and in /metrics.
// A fabric that cannot be read (bad inventory, file edited into an invalid state) is reported
// on the bus and tried again next interval; the others go on.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.ts';
import type { DriftDelta } from '../results/drift-report.ts';
import type { DriftReport } from '../results/drift-schema.ts';
import { driftFabric } from '../services/drift.ts';
import { watchDrift } from '../services/drift-watch.ts';
import type { Fabrics } from './fabrics.ts';
import type { Metrics } from './metrics.ts';
import type { FabricBus } from './runs.ts';

export class DriftWatcher {
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(
    private readonly fabrics: Fabrics,
    private readonly bus: FabricBus,
    private readonly metrics: Metrics,
    private readonly log: Logger | undefined,
  ) {}

  /** What every drift run (watched or asked for) tells the bus and the metrics. */
  publish(report: DriftReport, delta?: DriftDelta): void {
    this.metrics.drift(report);
    this.bus.publish('drift', { fabric: report.fabric, report, ...(delta ? { appeared: delta.appeared.map((f) => f.id), resolved: delta.resolved.map((f) => f.id) } : {}) }, report.fabric);
  }

  start(intervalMs: number): void {
    this.loops = this.fabrics.list.map((f) => this.loop(f.name, intervalMs));
  }

  private async loop(name: string, intervalMs: number): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        const session = await this.fabrics.reader(name);
        await watchDrift(session, {
          intervalMs,
          signal,
          // Through the shared reader: a fabric file edited while watching is read anew.
          drift: async () => driftFabric(await this.fabrics.reader(name)),
          onRound: (report, delta) => this.publish(report, delta),
        });
      } catch (e) {
        const err = e as Error & { code?: string };
        this.log?.warn({ fabric: name, code: err.code }, `drift watch: ${err.message}`);
        this.bus.publish('watch-error', { fabric: name, code: err.code ?? 'ERROR', message: err.message });
        await sleep(intervalMs, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  stop(): void {
    this.abort.abort();
  }

  async stopped(): Promise<void> {
    await Promise.all(this.loops);
  }
}
