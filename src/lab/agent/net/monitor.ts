// The switch's netlink listener: a long-running `ip -o -n NS monitor label link route` per switch,
// one line per netlink message. Link lines (portsyncd's events) go to onLinks, without their
// `[LINK]` label (the caller re-reads `ip -j link` on any of them); route lines (zebra
// programming the kernel: fpmsyncd's cue, as FPM pushes each change to the real fpmsyncd) go to
// onRoutes. One process for both. The child is recorded in the lab's process records: a
// leftover monitor would pin the namespace after `lab down`, so `lab down` must be able to stop it.
import { type ChildProcess, spawn } from 'node:child_process';
import { appendRecord, readStartTime } from '../../processes.ts';

export interface MonitorOptions {
  readonly ns: string;
  readonly switchName: string;
  readonly records: string;
  readonly onLinks: (lines: string[]) => void;
  readonly onRoutes: (lines: string[]) => void;
  readonly onError: (e: Error) => void;
}

export class LinkMonitor {
  private child?: ChildProcess;
  private stopped = false;
  private restartTimer?: NodeJS.Timeout;

  constructor(private readonly opts: MonitorOptions) {}

  start(): void {
    this.stopped = false;
    const args = ['-o', '-n', this.opts.ns, 'monitor', 'label', 'link', 'route'];
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
      const { links, routes } = splitMonitorLines(lines);
      if (links.length > 0) this.opts.onLinks(links);
      if (routes.length > 0) this.opts.onRoutes(routes);
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

/** `ip monitor label` lines by object: `[LINK]…` without its label, `[ROUTE]…` as printed. */
export function splitMonitorLines(lines: readonly string[]): { links: string[]; routes: string[] } {
  const links: string[] = [];
  const routes: string[] = [];
  for (const l of lines) {
    if (l.startsWith('[LINK]')) links.push(l.slice('[LINK]'.length));
    else if (l.startsWith('[ROUTE]')) routes.push(l.slice('[ROUTE]'.length));
  }
  return { links, routes };
}

/** A route line fpmsyncd cares about: one zebra programs (not the kernel's own local and
 *  connected routes). */
export function isProgrammedRoute(line: string): boolean {
  return !/\bproto kernel\b/.test(line) && !/\btable local\b/.test(line);
}
