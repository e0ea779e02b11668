// One log file per switch, <runtime.dir>/agent.log, so each switch's story reads on its own.
// Synchronous writes: the volume is small and a crash must not lose the last lines.
import { join } from 'node:path';
import { pino, type Logger } from 'pino';

export function switchLogger(dir: string, name: string, level = process.env.CLOS_AGENT_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { switch: name } }, pino.destination({ dest: join(dir, 'agent.log'), sync: true, mkdir: true }));
}

/** Process-level events (start, fatal errors) go to stderr, which the host side captures. */
export function processLogger(level = process.env.CLOS_AGENT_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { component: 'agent' } }, pino.destination({ dest: 2, sync: true }));
}
