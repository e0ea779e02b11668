// lldpd per switch, inside its namespace. The host only starts it with the switch's hostname
// (all namespaces share the host's UTS name) and a 1 s transmit interval (the default 30 s makes
// first discovery take ~31 s); the agent sets port id = PORT alias and port description per
// port over the control socket, as SONiC's lldpmgrd does.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync, writeFileSync } from 'node:fs';
import { LabError } from './errors.ts';
import { spawnDaemon } from './processes.ts';

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

export async function startLldpd(s: LldpdStart): Promise<void> {
  const conf = join(s.dir, 'lldpd.conf');
  writeFileSync(conf, lldpdConfig(s.switch, s.hwsku));
  const socket = lldpdSocket(s.dir);
  await spawnDaemon({
    records: s.records,
    name: 'lldpd',
    switch: s.switch,
    netns: s.namespace,
    cmd: 'lldpd',
    // -d: stay in the foreground (the recorded pid is lldpd's own), log to the log file.
    args: ['-d', '-u', socket, '-p', join(s.dir, 'lldpd.pid'), '-O', conf, '-I', 'Ethernet*'],
    logFile: join(s.dir, 'lldpd.log'),
  });
  const deadline = Date.now() + 10_000;
  while (!existsSync(socket)) {
    if (Date.now() > deadline) throw new LabError('LAB_SPAWN_FAILED', `switch ${s.switch}: lldpd made no control socket ${socket}`);
    await sleep(10);
  }
}
