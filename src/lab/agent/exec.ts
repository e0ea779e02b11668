// Short-lived helper commands (ip, bridge, lldpcli). Never through a shell: arguments come from
// CONFIG_DB (descriptions, aliases) and must not be interpreted.
//
// They are started by a small helper process (one per agent), not by the agent itself: a Node
// process's spawn forks it and waits until the child has exec'd, and an agent hosting 20-70
// switches is a large process (a fork copies its page tables) whose one event loop every switch
// shares. Profiled on the 4×16 lab, spawn held the agent's loop for a third of its busy time;
// the helper is a bare Node process (no modules of ours) whose forks are cheap and run beside
// the agent, not in its loop. It exits when the agent does (its stdin closes).
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The helper: one JSON request per line on stdin ({id, cmd, args, input, timeoutMs}), one
 *  JSON reply per line on stdout ({id, code, stdout, stderr}); code -1 when the command could
 *  not be started, 128 + n when a signal ended it (SIGKILL on timeout). */
const HELPER = `
const { spawn } = require('node:child_process');
const out = (reply) => process.stdout.write(JSON.stringify(reply) + '\\n');
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const r = JSON.parse(line);
  const child = spawn(r.cmd, r.args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const so = [], se = [];
  let done = false;
  const finish = (reply) => { if (!done) { done = true; clearTimeout(timer); out(reply); } };
  const timer = setTimeout(() => child.kill('SIGKILL'), r.timeoutMs);
  child.stdout.on('data', (d) => so.push(d));
  child.stderr.on('data', (d) => se.push(d));
  child.on('error', (e) => finish({ id: r.id, code: -1, stdout: '', stderr: String(e) }));
  child.on('close', (code, sig) => finish({ id: r.id, code: code ?? (sig ? 128 : -1), stdout: Buffer.concat(so).toString(), stderr: Buffer.concat(se).toString() }));
  child.stdin.on('error', () => {});
  child.stdin.end(r.input);
}).on('close', () => process.exit(0));
process.stdout.on('error', () => process.exit(0));
`;

class Helper {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, (r: ExecResult) => void>();
  private nextId = 0;
  dead = false;
  get pid(): number | undefined {
    return this.child.pid;
  }

  constructor() {
    // No NODE_OPTIONS (a profiler or loader meant for the agent) and a small heap.
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    this.child = spawn(process.execPath, ['--max-old-space-size=64', '-e', HELPER], { stdio: ['pipe', 'pipe', 'inherit'], env });
    const stdin = this.child.stdin!;
    // The helper keeps its caller alive only while a command runs.
    this.refs(false);
    stdin.on('error', () => this.fail('the command helper closed its input'));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const r = JSON.parse(line) as ExecResult & { id: number };
      this.settle(r.id, { code: r.code, stdout: r.stdout, stderr: r.stderr });
    });
    this.child.on('exit', (code, sig) => this.fail(`the command helper exited (${sig ?? `code ${code}`})`));
    this.child.on('error', (e) => this.fail(`the command helper failed: ${e.message}`));
  }

  run(cmd: string, args: readonly string[], input: string, timeoutMs: number): Promise<ExecResult> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      // The helper kills the command at timeoutMs; should the helper itself not answer, the
      // command fails here a little later.
      const timer = setTimeout(() => this.settle(id, { code: -1, stdout: '', stderr: `the command helper did not answer within ${timeoutMs + 5_000} ms` }), timeoutMs + 5_000);
      this.pending.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      if (this.pending.size === 1) this.refs(true);
      this.child.stdin!.write(`${JSON.stringify({ id, cmd, args, input, timeoutMs })}\n`);
    });
  }

  private settle(id: number, r: ExecResult): void {
    const resolve = this.pending.get(id);
    if (!resolve) return;
    this.pending.delete(id);
    if (this.pending.size === 0) this.refs(false);
    resolve(r);
  }

  private refs(on: boolean): void {
    for (const h of [this.child, this.child.stdin, this.child.stdout] as { ref?: () => void; unref?: () => void }[]) on ? h.ref?.() : h.unref?.();
  }

  private fail(why: string): void {
    this.dead = true;
    for (const id of [...this.pending.keys()]) this.settle(id, { code: -1, stdout: '', stderr: why });
  }
}

let helper: Helper | undefined;

export function run(cmd: string, args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
  if (!helper || helper.dead) helper = new Helper();
  return helper.run(cmd, args, opts.input ?? '', opts.timeoutMs ?? 10_000);
}

/** The helper's pid, once started (for the test that it dies with its agent). */
export function helperPid(): number | undefined {
  return helper?.dead ? undefined : helper?.pid;
}
