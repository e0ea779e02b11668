// `clos lab exec F SWITCH -- CMD…`: runs CMD as if on the switch. It runs inside the switch's
// namespace, and the commands an operator types on SONiC are pointed at THIS switch's daemons:
// vtysh at its FRR, redis-cli / sonic-db-cli at its redis, `systemctl restart bgp` at its agent.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runProcess } from '../transport/exec.ts';
import type { ExecResult } from '../transport/transport.ts';
import { restartBgp } from './agent-client.ts';
import { LabError } from './errors.ts';
import { LAB_ROOT } from './paths.ts';
import { type SwitchState, readState } from './state.ts';

export type ExecPlan =
  | { readonly kind: 'restart-bgp' }
  | { readonly kind: 'run'; readonly cmd: string; readonly args: readonly string[] };

const DATABASE_CONFIG = new URL('./sonic/database_config.json', import.meta.url);

/** How an operator's command line maps onto the emulated switch (pure). */
export function planExec(s: Pick<SwitchState, 'dir' | 'namespace'>, argv: readonly string[]): ExecPlan {
  let words = [...argv];
  if (words[0] === 'sudo') words = words.slice(1); // we are root already
  const [cmd, ...args] = words;
  if (!cmd) throw new LabError('LAB_COMMAND_FAILED', 'clos lab exec: no command given after --');
  const line = words.join(' ');
  if (/^(systemctl restart bgp(\.service)?|service bgp restart)$/.test(line)) return { kind: 'restart-bgp' };
  const inNs = (c: string, a: readonly string[]): ExecPlan => ({ kind: 'run', cmd: 'ip', args: ['netns', 'exec', s.namespace, c, ...a] });
  const socket = join(s.dir, 'redis.sock');
  if (cmd === 'vtysh') return inNs(cmd, ['--vty_socket', s.dir, '--config_dir', s.dir, ...args]);
  if (cmd === 'redis-cli') {
    const pointed = args.some((a) => ['-h', '-p', '-s', '-u'].includes(a));
    return inNs(cmd, pointed ? args : ['-s', socket, ...args]);
  }
  if (cmd === 'sonic-db-cli') {
    const [db, ...rest] = args;
    const id = databaseId(db ?? '');
    if (id === undefined) throw new LabError('LAB_COMMAND_FAILED', `sonic-db-cli: unknown database ${db ?? '(none)'}`);
    return inNs('redis-cli', ['-s', socket, '-n', String(id), ...rest]);
  }
  return inNs(cmd, args);
}

function databaseId(name: string): number | undefined {
  const doc = JSON.parse(readFileSync(DATABASE_CONFIG, 'utf8')) as { DATABASES: Record<string, { id: number }> };
  return doc.DATABASES[name]?.id;
}

export interface ExecOptions {
  readonly root?: string;
  /** 'inherit' for the CLI; 'pipe' returns the output (tests, API). */
  readonly stdio?: 'inherit' | 'pipe';
}

/** The running lab's switch and what CMD means on it (the one lookup labExec and the
 *  controller's lab exec channel share). */
export function resolveExec(fabric: string, switchName: string, argv: readonly string[], root = LAB_ROOT): { s: SwitchState; plan: ExecPlan } {
  const state = readState(fabric, root);
  if (!state) throw new LabError('LAB_NOT_UP', `fabric ${fabric} has no lab on this host`);
  const s = state.switches[switchName];
  if (!s) {
    throw new LabError('LAB_UNKNOWN_SWITCH', `switch ${switchName} is not in the lab of fabric ${fabric} (switches: ${Object.keys(state.switches).join(', ')})`);
  }
  return { s, plan: planExec(s, argv) };
}

/** The controller's `exec: {kind: lab}` channel (src/transport/exec.ts `LabExecRunner`): the
 *  same lookup as `clos lab exec`, run through the one process runner (it honours timeouts). */
export async function labExecRunner(fabric: string, labSwitch: string, switchName: string, argv: readonly string[], opts?: { timeoutMs?: number }): Promise<ExecResult> {
  const { s, plan } = resolveExec(fabric, labSwitch, argv);
  if (plan.kind === 'restart-bgp') {
    await restartBgp(s.name, s.dir);
    return { code: 0, stdout: '', stderr: '' };
  }
  return runProcess(switchName, `lab ${fabric}/${labSwitch}`, plan.cmd, plan.args, opts?.timeoutMs);
}

export async function labExec(fabric: string, switchName: string, argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const { s, plan } = resolveExec(fabric, switchName, argv, opts.root ?? LAB_ROOT);
  if (plan.kind === 'restart-bgp') {
    await restartBgp(s.name, s.dir);
    return { code: 0, stdout: '', stderr: '' };
  }
  return new Promise((resolve, reject) => {
    const pipe = opts.stdio === 'pipe';
    const child = spawn(plan.cmd, [...plan.args], { stdio: pipe ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => reject(new LabError('LAB_COMMAND_FAILED', `switch ${s.name}: ${argv.join(' ')}: ${e.message}`, { cause: e })));
    child.on('close', (code, sig) => resolve({ code: code ?? (sig ? 128 : 1), stdout, stderr }));
  });
}
