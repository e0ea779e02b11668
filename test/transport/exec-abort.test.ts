// A command on a switch cut short by its operation's deadline is killed, not left running: a
// child process still running would keep clos alive after its summary (issue 13, item 1).
import { describe, expect, it } from 'vitest';
import { runProcess } from '../../src/transport/exec.ts';

describe('runProcess under a deadline', () => {
  it('kills the command when the signal fires and says why', async () => {
    const c = new AbortController();
    const t0 = Date.now();
    const run = runProcess('leaf1', 'ssh admin@leaf1:22', 'sleep', ['30'], 60_000, c.signal);
    setTimeout(() => c.abort('the deadline of 100 ms passed'), 100);
    await expect(run).rejects.toThrow('leaf1 (ssh admin@leaf1:22): sleep 30 stopped: the deadline of 100 ms passed');
    expect(Date.now() - t0).toBeLessThan(2_000);
    // Nothing of it is left: no child process handle keeps the event loop alive.
    await new Promise((r) => setTimeout(r, 50));
    expect(process.getActiveResourcesInfo().filter((r) => r === 'ProcessWrap')).toEqual([]);
  });

  it('does not start a command once the deadline has passed', async () => {
    const c = new AbortController();
    c.abort('the deadline of 5 ms passed');
    await expect(runProcess('leaf1', 'docker leaf1', 'true', [], 60_000, c.signal)).rejects.toThrow('leaf1 (docker leaf1): true not started: the deadline of 5 ms passed');
  });
});
