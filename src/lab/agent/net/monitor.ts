// portsyncd's netlink listener: a long-running `ip -o -n NS monitor link` per switch, one line
// per netlink message, handed to the caller (which re-reads `ip -j link` on any line). The child is recorded in the lab's process records: a leftover monitor
// would pin the namespace after `lab down`, so `lab down` must be able to stop it.
import { type ChildProcess, spawn } from 'node:child_process';
import { appendRecord, readStartTime } from '../../processes.ts';

export interface MonitorOptions {
  readonly ns: string;
  readonly switchName: string;
  readonly records: string;
  readonly onLines: (lines: string[]) => void;
  readonly onError: (e: Error) => void;
}

export class LinkMonitor {
  private child?: ChildProcess;
  private stopped = false;
  private restartTimer?: NodeJS.Timeout;

  constructor(private readonly opts: MonitorOptions) {}

  start(): void {
    this.stopped = false;
    const args = ['-o', '-n', this.opts.ns, 'monitor', 'link'];
    const child = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.on('error', (e) => this.opts.onError(e));
    if (child.pid) {
      const startTime = readStartTime(child.pid);
      if (startTime !== undefined) {
        appendRecord(this.opts.records, {
          name: 'ip-monitor',
          switch: this.opts.switchName,
          pid: child.pid,
          startTime,
          comm: 'ip',
          cmd: 'ip',
          args,
          netns: this.opts.ns,
        });
      }
    }
    let partial = '';
    child.stdout?.on('data', (d: Buffer) => {
      const text = partial + d.toString();
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      this.opts.onLines(lines.filter((l) => l.trim()));
    });
    child.stderr?.on('data', (d: Buffer) => this.opts.onError(new Error(`ip monitor: ${d.toString().trim()}`)));
    child.on('exit', () => {
      if (this.child === child) this.child = undefined;
      // The namespace may be gone (lab down) or ip may have died: retry while we are running.
      if (!this.stopped) this.restartTimer = setTimeout(() => this.start(), 1_000);
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.child?.kill('SIGTERM');
    this.child = undefined;
  }
}
