// Runs one daemon's reconcile step at a time: a trigger while it runs marks it dirty and it runs
// once more afterwards, so bursts of events collapse into few runs and none is lost.
export class SerialTask {
  private running?: Promise<void>;
  private dirty = false;

  constructor(
    private readonly step: () => Promise<void>,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** Schedules a run; resolves when a run that started after this call has finished. */
  trigger(): Promise<void> {
    if (this.running) {
      this.dirty = true;
      return this.running.then(() => this.running ?? Promise.resolve());
    }
    this.running = this.loop().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Resolves when no run is in progress. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.dirty = false;
      try {
        await this.step();
      } catch (e) {
        this.onError(e);
      }
    } while (this.dirty);
  }
}
