// The progress of a long run through switches, for people on a terminal: one stderr line
// rewritten in place — `applying  37/64 switches  4.1 s` — and removed when the run ends.
// Nothing at all when stderr is not a terminal (there logs and the report are the record).
// The CLI opens a run around a service call (withProgress); the one switch pool
// (services/pool.ts) reports to the run it is called within, found through AsyncLocalStorage,
// so no service passes a progress parameter down.
import { AsyncLocalStorage } from 'node:async_hooks';
import { clearStatus, showStatus, type TerminalStream } from './terminal.ts';

export interface ProgressRun {
  /** A pool of `total` switches starts; undefined when one already counts for this run (a pool
   *  inside a pool's task is part of that switch's work). */
  pool(total: number): PoolProgress | undefined;
}

export interface PoolProgress {
  /** One more switch finished (whatever its outcome: the report tells). */
  done(): void;
}

const runs = new AsyncLocalStorage<ProgressRun>();

export function currentProgress(): ProgressRun | undefined {
  return runs.getStore();
}

export async function withProgress<T>(label: string, fn: () => Promise<T>, stream: TerminalStream = process.stderr): Promise<T> {
  if (!stream.isTTY) return fn();
  const t0 = Date.now();
  let counts: { done: number; total: number } | undefined;
  const draw = () => {
    const n = counts ? `  ${String(counts.done).padStart(String(counts.total).length)}/${counts.total} switches` : '';
    showStatus(stream, `${label}${n}  ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  };
  const run: ProgressRun = {
    pool(total) {
      if (counts && counts.done < counts.total) return undefined;
      const mine = (counts = { done: 0, total });
      draw();
      return {
        done() {
          mine.done++;
          draw();
        },
      };
    },
  };
  // The elapsed time moves while switches are slow to answer (verify waits on convergence).
  const timer = setInterval(draw, 500);
  timer.unref();
  draw();
  try {
    return await runs.run(run, fn);
  } finally {
    clearInterval(timer);
    clearStatus(stream);
  }
}
