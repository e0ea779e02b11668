// Daemons the lab starts, and the record that lets `clos lab down` stop exactly those.
// A record holds pid, start time (/proc/PID/stat field 22) and command name: pids get reused
// and zombies answer kill(0), so all three must match before a process is signalled. Nothing
// here ever looks a process up by name: other redis-servers and FRRs run on the same host.
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync, rmSync } from 'node:fs';
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
  /** Set on the record written BEFORE a forking daemon has written its pid: it names the
   *  launcher, and the daemon is whoever the pid file names with the same command name and a
   *  start time not before the launcher's. Lets `down` find a daemon whose `up` was killed
   *  between the fork and the final record. */
  readonly pidFile?: string;
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

// The launcher every daemon starts through (bash, not sh: dash cannot redirect descriptors
// above 9). $1 is the records file, the rest the command.
// 1. It waits until its own record is in the records file, and gives up WITHOUT starting the
//    daemon if the record never comes: a `clos lab up` killed between fork and record can
//    then leave no daemon that `down` does not know of.
// 2. It closes every inherited descriptor above 2 (lab-notes pitfall 5): Node marks its own
//    descriptors close-on-exec, but ones Node itself inherited (a pipe of whoever started
//    `clos`) would otherwise stay open in the daemon for its whole life.
// 3. exec: the daemon keeps the launcher's pid and start time, which the record names.
export const LAUNCHER = [
  'rec=$1; shift',
  'stat=$(</proc/$$/stat); read -ra f <<< "${stat##*) }"',
  'mark="\\"pid\\":$$,\\"startTime\\":${f[19]}"',
  'for ((i = 0; i < 300; i++)); do [[ -f $rec && $(<"$rec") == *"$mark"[,}]* ]] && break; sleep 0.01; done',
  '((i < 300)) || { echo "clos-lab: no record of pid $$ in $rec: not starting $1" >&2; exit 97; }',
  'for p in /proc/$$/fd/*; do n=${p##*/}; if [ "$n" -gt 2 ]; then eval "exec $n>&-"; fi; done',
  'exec "$@"',
].join('\n');

/** Starts a daemon detached (own session, stdin /dev/null, output to its log) and records it. */
/** Starts a daemon through the recording launcher; resolves to the daemon's record once it runs. */
export async function spawnDaemon(opts: SpawnOptions): Promise<ProcessRecord> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const target = opts.netns ? ['ip', 'netns', 'exec', opts.netns, opts.cmd, ...opts.args] : [opts.cmd, ...opts.args];
  if (opts.pidFile) rmSync(opts.pidFile, { force: true });
  const log = openSync(opts.logFile, 'a');
  let launcherPid = -1;
  const exited = new Promise<number | null>((resolve, reject) => {
    const child = spawn('/bin/bash', ['-c', LAUNCHER, 'clos-lab', opts.records, ...target], {
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
  const base = {
    name: opts.name,
    ...(opts.switch ? { switch: opts.switch } : {}),
    comm,
    cmd: opts.cmd,
    args: opts.args,
    ...(opts.netns ? { netns: opts.netns } : {}),
  };
  // Recorded at once; the launcher waits for this record before it execs the daemon.
  const launcherStart = readStartTime(launcherPid);
  if (launcherStart === undefined) fail(`exited at once (code ${exitCode ?? '?'})`);
  const launcher: ProcessRecord = {
    ...base,
    pid: launcherPid,
    startTime: launcherStart!,
    ...(opts.pidFile ? { pidFile: opts.pidFile } : {}),
  };
  appendRecord(opts.records, launcher);

  if (!opts.pidFile) {
    for (;;) {
      const stat = readStat(launcherPid);
      if (!stat || stat.state === 'Z' || stat.state === 'X' || exitCode !== undefined) {
        // Dead before its exit event: the code follows within moments.
        const code = exitCode ?? (await Promise.race([exited.catch(() => -1), sleep(1_000).then(() => undefined)]));
        fail(`exited with code ${code ?? '?'}`);
      }
      if (stat!.comm === comm) break;
      if (Date.now() > deadline) fail(`did not start within ${timeoutMs} ms`);
      await sleep(5);
    }
    return launcher;
  }
  const code = await Promise.race([exited, sleep(timeoutMs).then(() => 'timeout' as const)]);
  if (code === 'timeout') fail(`did not daemonize within ${timeoutMs} ms`);
  if (code !== 0) fail(`exited with code ${code} before daemonizing`);
  let daemon: ProcessRecord | undefined;
  while (!(daemon = fromPidFile({ ...base, pid: launcherPid, startTime: launcherStart!, pidFile: opts.pidFile }))) {
    if (Date.now() > deadline) fail(`wrote no live pid to ${opts.pidFile}`);
    await sleep(10);
  }
  appendRecord(opts.records, daemon);
  return daemon;
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
export function isAlive(record: ProcessRecord): boolean {
  return resolve(record) !== undefined;
}

/** The process a record stands for now, verified; undefined when it is gone. */
function resolve(record: ProcessRecord): ProcessRecord | undefined {
  if (record.pidFile) return fromPidFile(record) ?? (matches(record) ? record : undefined);
  return matches(record) ? record : undefined;
}

function matches(record: Pick<ProcessRecord, 'pid' | 'startTime' | 'comm'>): boolean {
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
  const mine = (await readRecords(recordsFile)).filter(filter);
  await settleLaunches(mine, graceMs);
  const running = unique(mine.flatMap((r) => resolve(r) ?? []));
  for (const r of running) signal(r, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (running.some(isAlive) && Date.now() < deadline) await sleep(20);
  for (const r of running) if (isAlive(r)) signal(r, 'SIGKILL');
  while (running.some(isAlive) && Date.now() < deadline + 2_000) await sleep(20);
  return running;
}

/** A record whose process is still on its way to becoming the daemon: same pid and start time
 *  but still the launcher (bash, ip), or a forking daemon whose pid file is not written yet.
 *  Signalling it now could leave the daemon it forks unrecorded; it is waited for instead
 *  (never signalled on pid + start time alone). */
function launching(r: ProcessRecord): boolean {
  const stat = readStat(r.pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X' || stat.startTime !== r.startTime) return false;
  if (stat.comm !== r.comm) return true;
  return r.pidFile !== undefined && fromPidFile(r) === undefined;
}

async function settleLaunches(records: readonly ProcessRecord[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (records.some(launching) && Date.now() < deadline) await sleep(20);
}

function unique(records: ProcessRecord[]): ProcessRecord[] {
  const seen = new Map<string, ProcessRecord>();
  for (const r of records) seen.set(`${r.pid}/${r.startTime}`, { ...r, pidFile: undefined });
  return [...seen.values()];
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
  /** utime + stime, in clock ticks (USER_HZ: 100 on Linux). */
  readonly cpuTicks: number;
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
  return { comm: text.slice(open + 1, close), state: rest[0] ?? '', startTime: Number(rest[19]), cpuTicks: Number(rest[11]) + Number(rest[12]) };
}

export function readStartTime(pid: number): number | undefined {
  return readStat(pid)?.startTime;
}

/** The CPU time (user + system) a recorded process has used so far, in ms; undefined once it
 *  is gone or its pid is another process's. */
export function cpuTimeMs(r: ProcessRecord): number | undefined {
  const st = readStat(r.pid);
  return st && st.startTime === r.startTime && st.state !== 'Z' ? st.cpuTicks * 10 : undefined;
}

/** The daemon a forking launcher left behind: the pid in the pid file, verified by command
 *  name and by a start time not before the launcher's (an older process is someone else's). */
function fromPidFile(launcher: ProcessRecord): ProcessRecord | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(launcher.pidFile!, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const stat = readStat(pid);
  if (!stat || stat.comm !== launcher.comm || stat.startTime < launcher.startTime) return undefined;
  if (stat.state === 'Z' || stat.state === 'X') return undefined;
  const { pidFile: _, ...rest } = launcher;
  return { ...rest, pid, startTime: stat.startTime };
}

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-10).join('\n');
  } catch {
    return '(no log)';
  }
}
