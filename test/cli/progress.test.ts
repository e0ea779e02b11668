// The progress line of long runs: one stderr line rewritten in place while the switch pool
// works, removed at the end; nothing when stderr is not a terminal. In-process with a fake
// terminal, then `clos drift` as a process on a real pseudo-terminal (script(1)) against dc1 on
// plain redis-servers (127.0.5.10-15:26381, fabric t-progress-cli), and with stderr a pipe.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withProgress } from '../../src/progress.ts';
import { inPool } from '../../src/services/pool.ts';
import type { TerminalStream } from '../../src/terminal.ts';
import { startRedisFabric, type RedisFabric } from '../support/redis-fabric.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

function fakeStream(isTTY: boolean): TerminalStream & { text: string } {
  return {
    isTTY,
    columns: 60,
    text: '',
    write(t: string) {
      this.text += t;
      return true;
    },
  };
}

/** What a terminal shows after the output: each \r\x1b[2K wipes the line being drawn. */
const frames = (text: string) => text.split('\r\x1b[2K').filter(Boolean);

describe('withProgress (in-process)', () => {
  it('on a terminal: the count of switches done rises to the total, then the line is removed', async () => {
    const tty = fakeStream(true);
    const out = await withProgress('applying', () => inPool(['leaf1', 'leaf2', 'leaf3'], 2, async (s) => `${s} done`), tty);
    expect(out).toEqual(['leaf1 done', 'leaf2 done', 'leaf3 done']);
    const shown = frames(tty.text);
    expect(shown[0]).toMatch(/^applying {2}\d+\.\d s$/);
    const counts = shown.map((f) => /(\d)\/3 switches/.exec(f)?.[1]).filter(Boolean);
    expect(counts).toEqual(['0', '1', '2', '3']);
    expect(tty.text.endsWith('\r\x1b[2K')).toBe(true);
    expect(tty.text).not.toContain('\n');
  });

  it('counts the outer pool only: a pool inside a switch\'s task is part of that switch', async () => {
    const tty = fakeStream(true);
    await withProgress('verifying', () => inPool(['spine1', 'spine2'], 1, (s) => inPool([1, 2, 3], 3, async (n) => `${s}/${n}`)), tty);
    const counts = frames(tty.text).map((f) => /(\d\/\d) switches/.exec(f)?.[1]).filter(Boolean);
    expect(counts).toEqual(['0/2', '1/2', '2/2']);
  });

  it('is cut to the terminal width, so it never wraps', async () => {
    const tty = fakeStream(true);
    await withProgress('x'.repeat(200), async () => undefined, tty);
    for (const f of frames(tty.text)) expect(f.length).toBeLessThanOrEqual(59);
  });

  it('writes nothing when the stream is not a terminal', async () => {
    const pipe = fakeStream(false);
    expect(await withProgress('applying', () => inPool([1, 2], 2, async (n) => n * 2), pipe)).toEqual([2, 4]);
    expect(pipe.text).toBe('');
  });
});

describe('clos drift as a process: progress on a terminal only', () => {
  let fab: RedisFabric;

  beforeAll(async () => {
    const text = readFileSync(join(ROOT, 'topologies/dc1.fabric.yaml'), 'utf8').replace(/^fabric: dc1$/m, 'fabric: t-progress-cli');
    fab = await startRedisFabric({ fabricText: text, host: (i) => `127.0.5.${10 + i}`, port: 26381 });
  }, 60_000);

  afterAll(async () => {
    await fab?.stop();
  });

  const command = () => [join(ROOT, 'bin/clos.js'), 'drift', fab.file, '--inventory', fab.inventory];

  it('on a pseudo-terminal: "reading the fabric  N/6 switches", wiped before the report', async () => {
    const quoted = [process.execPath, ...command()].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('script', ['-qec', quoted, '/dev/null'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\r\x1b\[2Kreading the fabric {2}6\/6 switches {2}\d+\.\d s\r\x1b\[2K/);
    const afterProgress = r.stdout.slice(r.stdout.lastIndexOf('\r\x1b[2K') + 5);
    expect(afterProgress.replace(/\r/g, '')).toMatch(/^Drift of fabric t-progress-cli at .*\n\nno drift: 6 switches match the fabric file\n$/);
  });

  it('with stderr a pipe: the report alone, stderr empty', () => {
    const r = spawnSync(process.execPath, command(), { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Drift of fabric t-progress-cli at .*\n\nno drift: 6 switches match the fabric file\n$/);
  });
});
