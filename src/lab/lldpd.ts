// lldpd per switch, inside its namespace. The host only starts it with the switch's hostname
// (all namespaces share the host's UTS name) and a 1 s transmit interval (the default 30 s makes
// first discovery take ~31 s); the agent sets port id = PORT alias and port description per
// port over the control socket, as SONiC's lldpmgrd does.
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LabError } from './errors.ts';
import { isAlive, spawnDaemon, stopRecorded } from './processes.ts';

export interface LldpdStart {
  readonly switch: string;
  readonly hwsku: string;
  readonly namespace: string;
  readonly dir: string;
  readonly records: string;
}

export function lldpdSocket(dir: string): string {
  return join(dir, 'lldpd.sock');
}

/** The system description SONiC's lldpd sends (lldp_rem_sys_desc on the neighbour). */
export function sonicSystemDescription(hwsku: string): string {
  return `SONiC Software Version: SONiC.clos-lab - HwSku: ${hwsku} - Distribution: Debian 12 - Kernel: emulated`;
}

export function lldpdConfig(hostname: string, hwsku: string): string {
  return [
    `configure system hostname ${hostname}`,
    `configure system description "${sonicSystemDescription(hwsku)}"`,
    'configure lldp tx-interval 1',
    '',
  ].join('\n');
}

/** Does an lldpd answer on the control socket (a connection accepted)? */
function answers(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect({ path: socket });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/** Pids of the lldpd processes running on the host, or of those in one network namespace (a
 *  switch's: the recorded one and the child it forks, which outlives it for a moment when it is
 *  killed; lldpd retitles both, so they are known by their name and their namespace). From
 *  /proc, read only: other lldpd are not the lab's. */
export function lldpdPids(namespace?: string): number[] {
  let ns: string | undefined;
  if (namespace !== undefined) {
    try {
      ns = `net:[${statSync(join('/run/netns', namespace)).ino}]`;
    } catch {
      return []; // no such namespace: no lldpd in it
    }
  }
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'lldpd' && (ns === undefined || readlinkSync(`/proc/${d}/ns/net`) === ns)) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** What lldpd's own lldpcli prints once lldpd took its `resume` (the last command it runs). */
const RESUMED = 'lldpd should resume operations';

/** What was appended to a file after its first `from` bytes. */
function logSince(file: string, from: number): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(Math.max(0, fstatSync(fd).size - from));
    readSync(fd, buf, 0, buf.length, from);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** An lldpd started: it answers on its control socket. `resumed` settles once it has configured
 *  and resumed itself (see below), a few hundred ms later on a switch with many ports; it fails,
 *  having stopped that lldpd by its record, if that does not happen within 10 s of the start.
 *  Nothing may configure lldpd before (the agent's lldpmgrd starts after it). */
export interface LldpdStarted {
  readonly resumed: Promise<void>;
}

export async function startLldpd(s: LldpdStart): Promise<LldpdStarted> {
  const conf = join(s.dir, 'lldpd.conf');
  writeFileSync(conf, lldpdConfig(s.switch, s.hwsku));
  const socket = lldpdSocket(s.dir);
  const logFile = join(s.dir, 'lldpd.log');
  // lldpd is two processes: the one recorded (the privileged monitor) and its child, which holds
  // the control socket and the ports' raw sockets. Killed, the monitor leaves the child to
  // notice and exit a moment later; an lldpd started before that finds "another instance is
  // running" and gives up. So a dying instance is waited out first: until no lldpd runs in the
  // switch's namespace and nothing answers on the socket.
  const quiet = Date.now() + 5_000;
  while (lldpdPids(s.namespace).length > 0 || (await answers(socket))) {
    if (Date.now() > quiet) throw new LabError('LAB_SPAWN_FAILED', `switch ${s.switch}: an lldpd not recorded by the lab still runs on ${socket}`);
    await sleep(20);
  }
  const logFrom = existsSync(logFile) ? statSync(logFile).size : 0; // the log is appended to
  const started = await spawnDaemon({
    records: s.records,
    name: 'lldpd',
    switch: s.switch,
    netns: s.namespace,
    cmd: 'lldpd',
    // -d: stay in the foreground (the recorded pid is lldpd's own), log to the log file.
    args: ['-d', '-u', socket, '-p', join(s.dir, 'lldpd.pid'), '-O', conf, '-I', 'Ethernet*'],
    logFile,
  });
  const fail = async (why: string): Promise<never> => {
    await stopRecorded(s.records, (r) => r.pid === started.pid && r.startTime === started.startTime, 2_000);
    throw new LabError('LAB_SPAWN_FAILED', `switch ${s.switch}: ${why}; see ${logFile}`);
  };
  // Running once its own control socket answers (the file alone may be a dead instance's).
  const deadline = Date.now() + 10_000;
  while (!(await answers(socket))) {
    if (!isAlive(started)) throw new LabError('LAB_SPAWN_FAILED', `switch ${s.switch}: lldpd exited before answering on its control socket ${socket}; see ${logFile}`);
    if (Date.now() > deadline) await fail(`lldpd did not answer on its control socket ${socket}`);
    await sleep(10);
  }
  // Started once it has configured itself. lldpd applies -O's file through an lldpcli it runs
  // right after creating its socket and stays paused, sending and hearing nothing, until that
  // lldpcli's last command, `resume`, unpauses it. Any `lldpcli configure system …` meanwhile
  // can pause it again for good: it reads lldpd's whole configuration (the paused flag with it)
  // and writes it back changed, under lldpcli's lock, which `resume` does not take; read before
  // the resume and written after it, it pauses lldpd, which then answers, lists its ports and
  // stays silent. The agent's lldpmgrd sets the system name as soon as `lab up` tells it
  // lldpd is back, which `lab up` does only once `resumed` settles: once lldpd has been resumed,
  // which lldpd 1.0.16 shows nowhere but in what its lldpcli prints once lldpd took the resume.
  // It takes lldpd a few hundred ms on a switch with many ports (it takes its ports in first):
  // `lab up` starts every switch's lldpd, then waits for them all, not one after the other.
  const resumed = (async () => {
    while (!logSince(logFile, logFrom).includes(RESUMED)) {
      if (!isAlive(started)) throw new LabError('LAB_SPAWN_FAILED', `switch ${s.switch}: lldpd exited while configuring itself from ${conf}; see ${logFile}`);
      if (Date.now() > deadline) await fail(`lldpd was not resumed by its own lldpcli (configuring it from ${conf}) within 10 s: it stays paused, no LLDP sent or heard`);
      await sleep(10);
    }
  })();
  resumed.catch(() => undefined); // a caller that stopped on another error first: not unhandled
  return { resumed };
}
