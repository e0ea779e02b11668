// Runs one task per item with at most `limit` at a time; results in item order. A task's
// failure is its own result, never the others' (switches fail one by one). Each finished task
// counts on the progress line of the run it is part of (src/progress.ts), if one shows.
import { currentProgress } from '../progress.ts';

export async function inPool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const progress = currentProgress()?.pool(items.length);
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]!);
      progress?.done();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
