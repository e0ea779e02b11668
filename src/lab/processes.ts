// Daemons the lab starts, and the record that lets `clos lab down` stop exactly those.
// A record holds pid, start time (/proc/PID/stat field 22) and command name: pids get reused
// and zombies answer kill(0), so all three must match before a process is signalled. Nothing
// here ever looks a process up by name: other redis-servers and FRRs run on the same host.
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LabError } from './errors.ts';

export interface ProcessRecord {
  readonly name: string; // daemon name: redis, lldpd, zebra, bgpd, agent
  readonly switch?: string; // the switch it belongs to (absent for shared processes: the agent)
  readonly pid: number;
  readonly startTime: number; // clock ticks after boot, /proc/PID/stat field 22
  readonly comm: string; // /proc/PID/comm at start
  readonly cmd: string;
  readonly args: readonly string[];
  readonly netns?: string;
}

export interface SpawnOptions {
  readonly records: string; // JSON-lines file the record is appended to
  readonly name: string;
  readonly switch?: string;
  readonly cmd: string;
  readonly args: readonly string[];
  readonly netns?: string; // run inside this network namespace (ip netns exec)
  readonly logFile: string; // stdout and stderr, appended
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** For daemons that fork (`-d`): wait for the launcher to exit, then record the pid written
   *  here. The file is removed first so a stale pid is never taken. */
  readonly pidFile?: string;
  /** Expected command name when it is not basename(cmd) (15 characters at most). */
  readonly comm?: string;
  readonly timeoutMs?: number; // default 10 s
}

// Closes every inherited descriptor above 2 before exec (lab-notes pitfall 5): Node marks its
// own descriptors close-on-exec, but ones Node itself inherited (a pipe of whoever started
// `clos`) would otherwise stay open in the daemon for its whole life. bash, not sh: dash
// cannot redirect descriptors above 9.
const CLOSE_FDS_AND_EXEC =
  'for p in /proc/$$/fd/*; do n=${p##*/}; if [ "$n" -gt 2 ]; then eval "exec $n>&-"; fi; done; exec "$@"';

/** Starts a daemon detached (own session, stdin /dev/null, output to its log) and records it. */
export async function spawnDaemon(opts: SpawnOptions): Promise<{ pid: number; startTime: number }> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const target = opts.netns ? ['ip', 'netns', 'exec', opts.netns, opts.cmd, ...opts.args] : [opts.cmd, ...opts.args];
  if (opts.pidFile) rmSync(opts.pidFile, { force: true });
  const log = openSync(opts.logFile, 'a');
  let launcherPid = -1;
  const exited = new Promise<number | null>((resolve, reject) => {
    const child = spawn('/bin/bash', ['-c', CLOSE_FDS_AND_EXEC, 'clos-lab', ...target], {
      stdio: ['ignore', log, log],
      detached: true,
      cwd: opts.cwd,
      env: opts.env ?? process.env,
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
    child.unref();
    launcherPid = child.pid ?? -1;
  });
  closeSync(log);
  let exitCode: number | null | undefined;
  void exited.then(
    (c) => (exitCode = c),
    () => (exitCode = -1),
  );
  const deadline = Date.now() + timeoutMs;
  const comm = (opts.comm ?? basename(opts.cmd)).slice(0, 15);
  const fail = (why: string): never => {
    throw new LabError(
      'LAB_SPAWN_FAILED',
      `${opts.switch ? `switch ${opts.switch}: ` : ''}${opts.name} (${opts.cmd}) ${why}; see ${opts.logFile}:\n${logTail(opts.logFile)}`,
    );
  };

  let pid: number;
  if (opts.pidFile) {
    const code = await Promise.race([exited, sleep(timeoutMs).then(() => 'timeout' as const)]);
    if (code === 'timeout') fail(`did not daemonize within ${timeoutMs} ms`);
    if (code !== 0) fail(`exited with code ${code} before daemonizing`);
    pid = await waitForPidFile(opts.pidFile, deadline, comm);
    if (pid < 0) fail(`wrote no live pid to ${opts.pidFile}`);
  } else {
    pid = launcherPid;
    // The launcher pid becomes the daemon through exec (bash → ip → daemon): wait for the last exec.
    while (readComm(pid) !== comm) {
      if (exitCode !== undefined) fail(`exited with code ${exitCode}`);
      if (Date.now() > deadline) fail(`did not start within ${timeoutMs} ms (command name ${readComm(pid)})`);
      await sleep(5);
    }
  }
  const startTime = readStartTime(pid);
  if (startTime === undefined) fail('exited right after start');
  const record: ProcessRecord = {
    name: opts.name,
    ...(opts.switch ? { switch: opts.switch } : {}),
    pid,
    startTime: startTime!,
    comm,
    cmd: opts.cmd,
    args: opts.args,
    ...(opts.netns ? { netns: opts.netns } : {}),
  };
  appendRecord(opts.records, record);
  return { pid, startTime: startTime! };
}

/** One line per record, one write(2) with O_APPEND: the host side and the agent append to the
 *  same file concurrently without interleaving. */
export function appendRecord(file: string, record: ProcessRecord): void {
  appendFileSync(file, `${JSON.stringify(record)}\n`, { flag: 'a' });
}

export async function readRecords(file: string): Promise<ProcessRecord[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: ProcessRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as ProcessRecord);
    } catch {
      // A line torn by a crash mid-write names no process we could verify: skip it.
    }
  }
  return out;
}

/** True only if the pid still runs the process recorded: same start time, same command name,
 *  and not a zombie. */
export function isAlive(record: Pick<ProcessRecord, 'pid' | 'startTime' | 'comm'>): boolean {
  const stat = readStat(record.pid);
  if (!stat) return false;
  return stat.state !== 'Z' && stat.state !== 'X' && stat.startTime === record.startTime && stat.comm === record.comm;
}

/** SIGTERM every recorded process still matching (and `filter`), SIGKILL what is left after the
 *  grace period. Returns the records that were running. */
export async function stopRecorded(
  recordsFile: string,
  filter: (r: ProcessRecord) => boolean = () => true,
  graceMs = 5_000,
): Promise<ProcessRecord[]> {
  const running = (await readRecords(recordsFile)).filter((r) => filter(r) && isAlive(r));
  for (const r of running) signal(r, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (running.some(isAlive) && Date.now() < deadline) await sleep(20);
  for (const r of running) if (isAlive(r)) signal(r, 'SIGKILL');
  while (running.some(isAlive) && Date.now() < deadline + 2_000) await sleep(20);
  return running;
}

function signal(r: ProcessRecord, sig: NodeJS.Signals): void {
  if (!isAlive(r)) return; // checked right before: the pid may have been reused meanwhile
  try {
    process.kill(r.pid, sig);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

interface Stat {
  readonly comm: string;
  readonly state: string;
  readonly startTime: number;
}

function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm may contain spaces and parentheses: it spans from the first '(' to the LAST ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const rest = text.slice(close + 2).split(' '); // rest[0] is field 3 (state)
  return { comm: text.slice(open + 1, close), state: rest[0] ?? '', startTime: Number(rest[19]) };
}

export function readStartTime(pid: number): number | undefined {
  return readStat(pid)?.startTime;
}

function readComm(pid: number): string | undefined {
  return readStat(pid)?.comm;
}

async function waitForPidFile(file: string, deadline: number, comm: string): Promise<number> {
  while (Date.now() < deadline) {
    if (existsSync(file)) {
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && readComm(pid) === comm) return pid;
    }
    await sleep(10);
  }
  return -1;
}

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-10).join('\n');
  } catch {
    return '(no log)';
  }
}
