// The agent's helper commands (ip, lldpcli) run through its command helper process: results as
// a direct spawn gives them (stdout, stdin, exit code, a missing command, a timeout), several at
// once, and the helper gone as soon as the process that started it is killed (no orphan left
// by an agent that dies, SIGKILL included).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { helperPid, run } from '../../src/lab/agent/exec.ts';

describe('the agent command helper', () => {
  it('runs commands with their output, input and exit code', async () => {
    expect(await run('echo', ['a b', 'c'])).toEqual({ code: 0, stdout: 'a b c\n', stderr: '' });
    expect(await run('cat', [], { input: 'two\nlines' })).toEqual({ code: 0, stdout: 'two\nlines', stderr: '' });
    expect(await run('sh', ['-c', 'echo err >&2; exit 3'])).toEqual({ code: 3, stdout: '', stderr: 'err\n' });
    // Arguments are never a shell's: `$(…)` stays literal.
    expect((await run('echo', ['$(id)'])).stdout).toBe('$(id)\n');
  });

  it('reports a missing command and kills one that outlives its timeout', async () => {
    const missing = await run('clos-no-such-command', []);
    expect(missing.code).toBe(-1);
    expect(missing.stderr).toMatch(/ENOENT/);
    const t0 = Date.now();
    const slow = await run('sleep', ['5'], { timeoutMs: 200 });
    expect(slow.code).toBe(128);
    expect(Date.now() - t0).toBeLessThan(4_000);
  });

  it('answers each of many concurrent commands with its own result', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => run('sh', ['-c', `echo ${i}; exit ${i % 4}`])));
    results.forEach((r, i) => expect(r).toEqual({ code: i % 4, stdout: `${i}\n`, stderr: '' }));
    expect(helperPid()).toBeGreaterThan(0);
  });

  it('exits when the process that started it is killed', async () => {
    const script = `import { run, helperPid } from ${JSON.stringify(new URL('../../src/lab/agent/exec.ts', import.meta.url).pathname)};
await run('true', []);
process.stdout.write(String(helperPid()) + '\\n');
setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const pid = await new Promise<number>((resolve, reject) => {
        let out = '';
        parent.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(Number(out.trim()));
        });
        parent.on('exit', () => reject(new Error(`the parent exited first: ${out}`)));
      });
      expect(existsSync(`/proc/${pid}`)).toBe(true);
      const exited = new Promise((r) => parent.once('exit', r));
      parent.kill('SIGKILL');
      await exited;
      const deadline = Date.now() + 5_000;
      while (existsSync(`/proc/${pid}`) && Date.now() < deadline) await sleep(20);
      expect(existsSync(`/proc/${pid}`)).toBe(false);
    } finally {
      if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
    }
  });
});
