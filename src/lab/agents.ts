// Starts the switch agent: ONE Node process per `clos lab up` invocation hosting all switches
// that invocation added (a Node process per switch would cost ~40 MB each, most of the
// < 50 MB per switch budget). The agent starts and owns FRR (zebra + bgpd) per switch because
// `systemctl restart bgp` re-renders FRR's static config, which is the agent's to render.
import { existsSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { agentRequest, agentSocket } from './agent-client.ts';
import { LabError } from './errors.ts';
import { isAlive, spawnDaemon, type ProcessRecord } from './processes.ts';
import type { SwitchRuntime } from './runtime.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');
// Run from dist/ (the installed CLI) the agent is compiled JavaScript; from src/ (tests, tsx) it
// is TypeScript, run through tsx.
const COMPILED = import.meta.url.endsWith('.js');
export const AGENT_MAIN = join(HERE, COMPILED ? 'agent/main.js' : 'agent/main.ts');

export function agentName(id: number): string {
  return `agent-${id}`;
}

export function agentConfigPath(fabricDir: string, id: number): string {
  return join(fabricDir, `${agentName(id)}.json`);
}

export async function startAgent(opts: {
  id: number;
  fabricDir: string;
  records: string;
  switches: readonly SwitchRuntime[];
  readyTimeoutMs?: number;
}): Promise<void> {
  const config = agentConfigPath(opts.fabricDir, opts.id);
  writeFileSync(config, `${JSON.stringify({ switches: opts.switches }, null, 2)}\n`);
  const logFile = join(opts.fabricDir, `${agentName(opts.id)}.log`);
  const { pid, startTime } = await spawnDaemon({
    records: opts.records,
    name: agentName(opts.id),
    cmd: process.execPath,
    // --import tsx resolves from cwd: run from the repository so its node_modules is found.
    // CLOS_AGENT_CPU_PROF=DIR: the agent writes a V8 CPU profile there when it stops (lab down).
    args: [...(COMPILED ? [] : ['--import', 'tsx']), ...(process.env.CLOS_AGENT_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.CLOS_AGENT_CPU_PROF] : []), AGENT_MAIN, config],
    cwd: REPO,
    logFile,
  });
  // Ready = every switch's control socket answers to connect (the agent creates it once FRR
  // runs and it listens for keyspace events).
  // A switch's start is ~1 s of mostly waiting, 8 at once; on a loaded host much more: the
  // budget grows with the number of switches (72 switches: 3 min).
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000 + 2_000 * opts.switches.length);
  const record = { pid, startTime, comm: basename(process.execPath).slice(0, 15) } as ProcessRecord;
  for (const s of opts.switches) {
    while (!existsSync(agentSocket(s.dir))) {
      if (!isAlive(record)) throw new LabError('LAB_SPAWN_FAILED', `switch ${s.name}: agent ${agentName(opts.id)} exited during start; see ${logFile}`);
      if (Date.now() > deadline) throw new LabError('LAB_SPAWN_FAILED', `switch ${s.name}: agent ${agentName(opts.id)} made no socket ${agentSocket(s.dir)}; see ${logFile}`);
      await sleep(20);
    }
    // The socket file exists from bind(), a moment before listen(): retry a refused connect.
    for (;;) {
      try {
        await agentRequest(s.name, agentSocket(s.dir), 'ping', Math.max(1000, deadline - Date.now()));
        break;
      } catch (e) {
        if (!isAlive(record) || Date.now() > deadline) throw e;
        await sleep(20);
      }
    }
  }
}
