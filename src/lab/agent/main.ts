// The switch agent process: `node --import tsx src/lab/agent/main.ts <agent-N.json>` (from dist/: `node dist/lab/agent/main.js`) with
// `{ "switches": SwitchRuntime[] }`. One process hosts every switch of the file (a Node process
// per switch would eat most of the 50 MB per switch budget). Started and recorded by the host
// side (src/lab/agents.ts); SIGTERM stops the switches' FRR and exits.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { startGnmiServers } from './gnmi.ts';
import { processLogger, switchLogger } from './log.ts';
import { parseAgentFile } from './runtime-file.ts';
import { SwitchAgent } from './switch.ts';

/** Switches started at once: a start is mostly waiting (daemons forking, vty sockets coming
 *  up), so 8 at once keeps 2 cores busy without starving the switches already running. */
const START_CONCURRENCY = 8;

async function main(argv: readonly string[]): Promise<void> {
  const log = processLogger();
  const file = argv[2];
  if (!file) {
    log.fatal('usage: main.ts <agent.json>');
    process.exit(2);
  }
  const { switches } = parseAgentFile(JSON.parse(readFileSync(file, 'utf8')));
  const loggers = new Map(switches.map((rt) => [rt.name, switchLogger(rt.dir, rt.name)] as const));
  const agents = switches.map((rt) => new SwitchAgent(rt, loggers.get(rt.name)!));
  // gNMI (src/lab/agent/gnmi.ts): listening before the switches report ready.
  const gnmi = await startGnmiServers(switches, (name) => loggers.get(name)!);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    await Promise.allSettled([...agents.map((a) => a.stop({ stopFrr: true })), ...gnmi.map((g) => g.close())]);
    process.exit(0);
  };
  // An emulator bug in one switch must not take every switch of the process down: log it.
  process.on('unhandledRejection', (e) => log.error({ err: e }, 'unhandled rejection'));
  process.on('uncaughtException', (e) => log.fatal({ err: e }, 'uncaught exception'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  await startAll(agents, log);
  log.info({ switches: switches.map((s) => s.name) }, 'agent ready');
}

async function startAll(agents: readonly SwitchAgent[], log: Logger): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < agents.length) {
      const a = agents[next++]!;
      try {
        await a.start();
      } catch (e) {
        // One switch failing must not take the others down: no control socket is created for
        // it, which is how the host side learns of the failure.
        log.error({ switch: a.rt.name, err: e }, 'switch failed to start');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(START_CONCURRENCY, agents.length) }, worker));
}

await main(process.argv);
