// Host commands the lab runs (ip, sysctl), with errors that name the object and the cause.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LabError } from './errors.ts';

const execFileP = promisify(execFile);

/** Runs a command to completion; stdin is /dev/null. `what` names the object for the error. */
export async function run(cmd: string, args: readonly string[], what: string, input?: string): Promise<string> {
  try {
    if (input === undefined) {
      const { stdout } = await execFileP(cmd, [...args], { maxBuffer: 64 << 20 });
      return stdout;
    }
    return await runWithInput(cmd, args, input);
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const detail = (err.stderr ?? '').trim() || err.message;
    throw new LabError('LAB_COMMAND_FAILED', `${what}: ${cmd} ${args.join(' ')} failed: ${detail}`, { cause: e });
  }
}

function runWithInput(cmd: string, args: readonly string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, [...args], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stderr }));
      else resolve(stdout);
    });
    child.stdin?.end(input);
  });
}
