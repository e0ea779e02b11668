// Exec channels: the few actions SONiC only offers as commands. `lab` runs inside an emulated
// switch's namespace; `ssh` uses the system OpenSSH client; `docker` uses `docker exec`.
import { spawn } from 'node:child_process';
import type { InventorySwitch } from '../inventory/schema.ts';
import { restartBgp } from '../lab/agent-client.ts';
import { resolveExec } from '../lab/exec.ts';
import { SwitchError, type ExecChannel, type ExecResult } from './transport.ts';

type ExecSpec = NonNullable<InventorySwitch['exec']>;

export function execChannel(switchName: string, spec: ExecSpec | undefined): ExecChannel | undefined {
  if (!spec) return undefined;
  switch (spec.kind) {
    case 'lab':
      return {
        endpoint: `lab ${spec.fabric}/${spec.switch}`,
        run: async (argv, opts) => {
          const { s, plan } = resolveExec(spec.fabric, spec.switch, argv);
          if (plan.kind === 'restart-bgp') {
            await restartBgp(s.name, s.dir);
            return { code: 0, stdout: '', stderr: '' };
          }
          return runProcess(switchName, `lab ${spec.fabric}/${spec.switch}`, plan.cmd, plan.args, opts?.timeoutMs);
        },
      };
    case 'ssh': {
      const endpoint = `ssh ${spec.user}@${spec.host}:${spec.port}`;
      // `--` ends ssh's options before the destination: no inventory value is read as one.
      const base = ['-p', String(spec.port), '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '--', `${spec.user}@${spec.host}`];
      return { endpoint, run: (argv, opts) => runProcess(switchName, endpoint, 'ssh', [...base, ...argv.map(shellQuote)], opts?.timeoutMs) };
    }
    case 'docker': {
      const endpoint = `docker ${spec.container}`;
      return { endpoint, run: (argv, opts) => runProcess(switchName, endpoint, 'docker', ['exec', '--', spec.container, ...argv], opts?.timeoutMs) };
    }
  }
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function runProcess(switchName: string, endpoint: string, cmd: string, args: readonly string[], timeoutMs = 60_000): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new SwitchError('TIMEOUT', switchName, endpoint, `${args.join(' ')} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
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
