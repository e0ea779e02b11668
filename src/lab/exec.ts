// `clos lab exec F SWITCH -- CMD…`: runs CMD as if on the switch. It runs inside the switch's
// namespace, and the commands an operator types on SONiC are pointed at THIS switch's daemons:
// vtysh at its FRR, redis-cli / sonic-db-cli at its redis; `systemctl restart bgp`,
// `config save -y`, `config reload -y` and `reboot` at its agent; /etc/sonic/config_db.json
// read with cat (head, tail, less, jq, diff) is its startup config. Nothing that would reboot or
// stop the host ever runs (exec-guard.ts).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runProcess } from '../transport/exec.ts';
import type { ExecResult } from '../transport/transport.ts';
import { agentRequest, agentSocket, restartBgp } from './agent-client.ts';
import { startupConfigPath } from './agent/db/startup.ts';
import { LabError } from './errors.ts';
import { GUARD_ENTER, guardedEnv, powerAct } from './exec-guard.ts';
import { LAB_ROOT } from './paths.ts';
import { type SwitchState, readState } from './state.ts';

/** A request to the switch's agent (control.ts) is also a command (`agent`: the request), so a
 *  channel that can only run commands carries it out through agent-request.ts. */
export type ExecPlan =
  | { readonly kind: 'restart-bgp' }
  | { readonly kind: 'run'; readonly cmd: string; readonly args: readonly string[]; readonly agent?: AgentRequest };

export type AgentRequest = 'config-save' | 'config-reload' | 'reboot';

const DATABASE_CONFIG = new URL('./sonic/database_config.json', import.meta.url);
/** From dist/ (the built or installed CLI) agent-request is JavaScript and runs as it is; from
 *  src/ (tests) it is TypeScript, run through tsx — which an installed package does not have. */
const COMPILED = import.meta.url.endsWith('.js');
const AGENT_REQUEST = fileURLToPath(new URL(COMPILED ? './agent-request.js' : './agent-request.ts', import.meta.url));
/** tsx by absolute URL: `--import tsx` would resolve from the caller's cwd. */
const NODE_LOADER: readonly string[] = COMPILED ? [] : ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href];
/** The SONiC path of the startup config; the emulated switch keeps it in its lab directory. */
const SONIC_STARTUP = '/etc/sonic/config_db.json';

/** How an operator's command line maps onto the emulated switch (pure but for PATH). Throws
 *  LAB_REFUSED for what would reboot or stop the host. */
export function planExec(s: Pick<SwitchState, 'dir' | 'namespace'> & { readonly name?: string }, argv: readonly string[]): ExecPlan {
  let words = [...argv];
  while (words[0] === 'sudo') words = words.slice(1); // we are root already
  const [cmd, ...args] = words;
  if (!cmd) throw new LabError('LAB_COMMAND_FAILED', 'clos lab exec: no command given after --');
  const line = words.join(' ');
  if (/^(systemctl restart bgp(\.service)?|service bgp restart)$/.test(line)) return { kind: 'restart-bgp' };
  const agent = (request: AgentRequest): ExecPlan => ({
    kind: 'run',
    cmd: process.execPath,
    args: [...NODE_LOADER, AGENT_REQUEST, s.name ?? s.namespace, agentSocket(s.dir), request],
    agent: request,
  });
  if (powerAct(words, argv).act === 'reboot') return agent('reboot');
  if (cmd === 'config') return agent(configRequest(s, args));
  const inNs = (c: string, a: readonly string[]): ExecPlan => ({ kind: 'run', cmd: 'env', args: [...guardedEnv().slice(1), 'ip', 'netns', 'exec', s.namespace, GUARD_ENTER, c, ...a] });
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
  // The startup config at its SONiC path, for the tools that read a file (the controller's
  // drift reads it with cat).
  if (['cat', 'head', 'tail', 'less', 'jq', 'diff'].includes(cmd)) return inNs(cmd, args.map((a) => (a === SONIC_STARTUP ? startupConfigPath(s.dir) : a)));
  return inNs(cmd, args);
}

/** SONiC's `config save -y [FILE]` / `config reload -y [FILE]` on the startup config; other
 *  `config` commands are not emulated (CONFIG_DB is written with redis-cli or sonic-db-cli). */
function configRequest(s: Pick<SwitchState, 'dir'>, args: readonly string[]): AgentRequest {
  const [verb, ...rest] = args;
  if (verb !== 'save' && verb !== 'reload') {
    throw new LabError('LAB_COMMAND_FAILED', `config ${args.join(' ')}: the emulated switch's config command has save and reload only (write CONFIG_DB with redis-cli or sonic-db-cli)`);
  }
  const files = rest.filter((a) => a !== '-y' && a !== '--yes');
  if (!rest.some((a) => a === '-y' || a === '--yes')) {
    throw new LabError('LAB_COMMAND_FAILED', `config ${verb}: give -y (clos lab exec cannot ask for the confirmation SONiC asks for)`);
  }
  const file = files[0];
  if (files.length > 1 || (file !== undefined && file !== SONIC_STARTUP && file !== startupConfigPath(s.dir))) {
    throw new LabError('LAB_COMMAND_FAILED', `config ${verb} ${files.join(' ')}: the emulated switch saves to and reloads from its startup config only (${SONIC_STARTUP}, kept at ${startupConfigPath(s.dir)})`);
  }
  return verb === 'save' ? 'config-save' : 'config-reload';
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
export async function labExecRunner(fabric: string, labSwitch: string, switchName: string, argv: readonly string[], opts?: { timeoutMs?: number; signal?: AbortSignal }): Promise<ExecResult> {
  const { s, plan } = resolveExec(fabric, labSwitch, argv);
  if (plan.kind === 'restart-bgp') {
    await restartBgp(s.name, s.dir);
    return { code: 0, stdout: '', stderr: '' };
  }
  // `config save -y` and the like: asked of the agent from here, as restart-bgp is (the process
  // plan.cmd would start is a Node process that asks the same: 50–100 ms of a core per switch).
  if (plan.agent) {
    try {
      await agentRequest(s.name, agentSocket(s.dir), plan.agent, opts?.timeoutMs ?? 120_000);
      return { code: 0, stdout: '', stderr: '' };
    } catch (e) {
      return { code: 1, stdout: '', stderr: (e as Error).message };
    }
  }
  return runProcess(switchName, `lab ${fabric}/${labSwitch}`, plan.cmd, plan.args, opts?.timeoutMs, opts?.signal);
}

export async function labExec(fabric: string, switchName: string, argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const { s, plan } = resolveExec(fabric, switchName, argv, opts.root ?? LAB_ROOT);
  if (plan.kind === 'restart-bgp') {
    await restartBgp(s.name, s.dir);
    return { code: 0, stdout: '', stderr: '' };
  }
  if (plan.agent) {
    await agentRequest(s.name, agentSocket(s.dir), plan.agent, 120_000);
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
