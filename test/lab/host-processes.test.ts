// spawnDaemon / isAlive / stopRecorded with real processes: the record must identify exactly
// the process started (pid + start time + command name), and stopping must reach it.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuTimeMs, isAlive, LAUNCHER, readRecords, readStartTime, spawnDaemon, stopRecorded } from '../../src/lab/processes.ts';

let dir: string;
let records: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'clos-host-proc-'));
  records = join(dir, 'processes.jsonl');
});
afterAll(async () => {
  await stopRecorded(records, () => true, 1000);
  rmSync(dir, { recursive: true, force: true });
});

describe('spawnDaemon', () => {
  it('records the daemon itself, with its start time and command name', async () => {
    const { pid, startTime } = await spawnDaemon({ records, name: 'sleeper', switch: 's1', cmd: 'sleep', args: ['300'], logFile: join(dir, 'sleep.log') });
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    expect(stat).toContain('(sleep)');
    expect(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19])).toBe(startTime);
    const rec = (await readRecords(records)).find((r) => r.pid === pid)!;
    expect(rec).toMatchObject({ name: 'sleeper', switch: 's1', comm: 'sleep', startTime });
    expect(isAlive(rec)).toBe(true);
  });

  it('passes no descriptor but stdin, stdout and stderr, with stdin from /dev/null', async () => {
    // A descriptor this test process holds without close-on-exec would leak without the wrapper.
    const { pid } = await spawnDaemon({ records, name: 'fds', cmd: 'sleep', args: ['300'], logFile: join(dir, 'fds.log') });
    // sleep may hold a descriptor of its own for a moment as it starts (a fd 3 was seen once,
    // under load): a leaked one stays, so wait up to 2 s for the list to settle.
    let fds = readdirSync(`/proc/${pid}/fd`).sort();
    for (const until = Date.now() + 2_000; fds.length > 3 && Date.now() < until; fds = readdirSync(`/proc/${pid}/fd`).sort()) await new Promise((r) => setTimeout(r, 20));
    expect(fds).toEqual(['0', '1', '2']);
    const { readlinkSync } = await import('node:fs');
    expect(readlinkSync(`/proc/${pid}/fd/0`)).toBe('/dev/null');
    expect(readlinkSync(`/proc/${pid}/fd/1`)).toBe(join(dir, 'fds.log'));
  });

  it('records the forked pid of a daemon that writes a pid file', async () => {
    const pidFile = join(dir, 'forker.pid');
    const script = join(dir, 'forker');
    // Forks a `sleep`, writes its pid, exits: the launcher is gone, the daemon stays.
    writeFileSync(script, `#!/bin/bash\nsleep 300 </dev/null >/dev/null 2>&1 &\necho $! > ${pidFile}\n`, { mode: 0o755 });
    const { pid } = await spawnDaemon({ records, name: 'forker', cmd: script, args: [], pidFile, comm: 'sleep', logFile: join(dir, 'forker.log') });
    expect(pid).toBe(Number(readFileSync(pidFile, 'utf8')));
    expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('sleep');
  });

  it('fails naming the daemon, its exit code and its log when the command cannot start', async () => {
    // A command that cannot be executed: the launcher exits (127) before any exec, whatever the
    // host's load. (One that starts and dies a moment later, like `false`, has started: the
    // caller's readiness wait is what catches it; testing it here raced the sampling loop and
    // failed CI once under load.)
    const missing = join(dir, 'no-such-daemon');
    await expect(spawnDaemon({ records, name: 'broken', switch: 'leaf9', cmd: missing, args: [], logFile: join(dir, 'missing.log') })).rejects.toThrow(
      new RegExp(`switch leaf9: broken \\(${missing}\\) exited with code 127; see ${join(dir, 'missing.log')}:\\n[^]*No such file or directory`),
    );
  });

  it('runs inside a network namespace when asked', async () => {
    const ns = 'clos-t-host-proc';
    const { execFileSync } = await import('node:child_process');
    execFileSync('ip', ['netns', 'add', ns]);
    try {
      const { pid } = await spawnDaemon({ records, name: 'ns', netns: ns, cmd: 'sleep', args: ['300'], logFile: join(dir, 'ns.log') });
      const { readlinkSync, statSync } = await import('node:fs');
      expect(readlinkSync(`/proc/${pid}/ns/net`)).toBe(`net:[${statSync(`/run/netns/${ns}`).ino}]`);
    } finally {
      await stopRecorded(records, (r) => r.name === 'ns', 1000);
      execFileSync('ip', ['netns', 'del', ns]);
    }
  });
});

describe('the launcher', () => {
  it('does not start the daemon when its record never appears (its `up` died before recording it)', async () => {
    const { spawnSync } = await import('node:child_process');
    const { existsSync } = await import('node:fs');
    const marker = join(dir, 'must-not-exist');
    writeFileSync(join(dir, 'other.jsonl'), '{"name":"x","pid":1,"startTime":1}\n');
    const r = spawnSync('/bin/bash', ['-c', LAUNCHER, 'clos-lab', join(dir, 'other.jsonl'), 'touch', marker], { encoding: 'utf8' });
    expect(r.status).toBe(97);
    expect(r.stderr).toMatch(/no record of pid \d+ .* not starting touch/);
    expect(existsSync(marker)).toBe(false);
  }, 15_000);
});

describe('isAlive', () => {
  it('is false for a reused pid (other start time) or another command name', async () => {
    const rec = (await readRecords(records)).find((r) => r.name === 'sleeper')!;
    expect(isAlive({ ...rec, startTime: rec.startTime - 1 })).toBe(false);
    expect(isAlive({ ...rec, comm: 'redis-server' })).toBe(false);
  });

  it('cpuTimeMs: the CPU a recorded process used, none for a reused pid', () => {
    const self = { name: 'self', pid: process.pid, startTime: readStartTime(process.pid)!, comm: 'node', cmd: 'node', args: [] };
    const before = cpuTimeMs(self)!;
    const until = process.cpuUsage().user + 60_000; // 60 ms of CPU at least (µs)
    while (process.cpuUsage().user < until) Math.sqrt(Math.random());
    expect(cpuTimeMs(self)! - before).toBeGreaterThanOrEqual(40);
    expect(cpuTimeMs({ ...self, startTime: self.startTime - 1 })).toBeUndefined();
  });

  it('is false for a zombie', async () => {
    const { spawn } = await import('node:child_process');
    // A child that exits while this process does not reap it stays a zombie: spawn through a
    // parent that ignores its child (exec replaces bash with sleep, which never waits).
    const parent = spawn('bash', ['-c', 'sleep 0.05 & exec sleep 5'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    const kids = readFileSync(`/proc/${parent.pid}/task/${parent.pid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number);
    expect(kids.length).toBe(1);
    const zombie = kids[0]!;
    const stat = readFileSync(`/proc/${zombie}/stat`, 'utf8');
    expect(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)).toBe('Z');
    expect(isAlive({ name: 'z', pid: zombie, startTime: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]), comm: 'sleep', cmd: 'sleep', args: [] })).toBe(false);
    parent.kill('SIGKILL');
  });
});

describe('stopRecorded', () => {
  it('stops only the filtered records, SIGKILLs one that ignores SIGTERM, and spares a pid whose record does not match', async () => {
    const stubborn = await spawnDaemon({ records, name: 'stubborn', cmd: 'bash', args: ['-c', 'trap "" TERM; while :; do sleep 0.05; done'], logFile: join(dir, 'stubborn.log') });
    const keep = await spawnDaemon({ records, name: 'keep', cmd: 'sleep', args: ['300'], logFile: join(dir, 'keep.log') });
    const stopped = await stopRecorded(records, (r) => r.name === 'stubborn' || r.name === 'sleeper', 300);
    expect(stopped.map((r) => r.name).sort()).toEqual(['sleeper', 'stubborn']);
    const all = await readRecords(records);
    expect(isAlive(all.find((r) => r.pid === stubborn.pid)!)).toBe(false);
    expect(isAlive(all.find((r) => r.pid === keep.pid)!)).toBe(true);
  });
});
