// Writes asked for in one turn of the event loop, done as one: apply and the bring-up save a
// record per switch for dozens of switches at once, and on a shared disk each file created costs
// 0.2–1 ms (a new inode, a rename, the journal) while one file of all of them costs about as much
// as one of them. Every caller waits for the write that carries its item, and gets its error.

interface Waiting<T> {
  readonly item: T;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

export class Batcher<T> {
  private queue: Waiting<T>[] = [];
  private scheduled = false;

  /** `write` gets every item queued since the last write, in the order they came. */
  constructor(private readonly write: (items: readonly T[]) => void) {}

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const taken = this.queue;
    this.queue = [];
    this.scheduled = false;
    try {
      this.write(taken.map((w) => w.item));
    } catch (e) {
      for (const w of taken) w.reject(e);
      return;
    }
    for (const w of taken) w.resolve();
  }
}
