// Exec channels: the few actions SONiC only offers as commands. `ssh` uses the system OpenSSH
// client; `docker` uses `docker exec`; `lab` runs inside an emulated switch's namespace, through
// a runner the caller hands in (src/lab/exec.ts `labExecRunner`, given by the CLI): the
// controller knows nothing of the emulator.
import { spawn } from 'node:child_process';
import type { InventorySwitch } from '../inventory/schema.ts';
import { SwitchError, type ExecChannel, type ExecResult } from './transport.ts';

type ExecSpec = NonNullable<InventorySwitch['exec']>;

/** Runs a command on a switch of a running lab: (fabric, switch, who asks, command) → result. */
export type LabExecRunner = (fabric: string, labSwitch: string, switchName: string, argv: readonly string[], opts?: { timeoutMs?: number; signal?: AbortSignal }) => Promise<ExecResult>;

export function execChannel(switchName: string, spec: ExecSpec | undefined, lab?: LabExecRunner): ExecChannel | undefined {
  if (!spec) return undefined;
  switch (spec.kind) {
    case 'lab': {
      const endpoint = `lab ${spec.fabric}/${spec.switch}`;
      if (!lab) throw new SwitchError('EXEC_FAILED', switchName, endpoint, 'the inventory names a lab exec channel, and this program has no lab to run it');
      return { endpoint, run: (argv, opts) => lab(spec.fabric, spec.switch, switchName, argv, opts) };
    }
    case 'ssh': {
      const endpoint = `ssh ${spec.user}@${spec.host}:${spec.port}`;
      // `--` ends ssh's options before the destination: no inventory value is read as one.
      const base = ['-p', String(spec.port), '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '--', `${spec.user}@${spec.host}`];
      return { endpoint, run: (argv, opts) => runProcess(switchName, endpoint, 'ssh', [...base, ...argv.map(shellQuote)], opts?.timeoutMs, opts?.signal) };
    }
    case 'docker': {
      const endpoint = `docker ${spec.container}`;
      return { endpoint, run: (argv, opts) => runProcess(switchName, endpoint, 'docker', ['exec', '--', spec.container, ...argv], opts?.timeoutMs, opts?.signal) };
    }
  }
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function runProcess(switchName: string, endpoint: string, cmd: string, args: readonly string[], timeoutMs = 60_000, signal?: AbortSignal): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new SwitchError('TIMEOUT', switchName, endpoint, `${[cmd, ...args].join(' ')} not started: ${String(signal.reason)}`));
      return;
    }
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new SwitchError('TIMEOUT', switchName, endpoint, `${args.join(' ')} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    // The deadline of the operation: a command left running would keep clos alive after it.
    const onAbort = () => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new SwitchError('TIMEOUT', switchName, endpoint, `${[cmd, ...args].join(' ')} stopped: ${String(signal?.reason)}`));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('close', () => signal?.removeEventListener('abort', onAbort));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new SwitchError('EXEC_FAILED', switchName, endpoint, `cannot run ${cmd}: ${e.message}`, { cause: e }));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}
