// The lab's logger: pino to stderr (stdout carries results). Child loggers per switch.
import { pino, type Logger } from 'pino';
import { createLogger } from '../log.ts';

export type { Logger };

export function labLogger(level = process.env.CLOS_LOG_LEVEL ?? 'info'): Logger {
  return createLogger('clos-lab', level);
}

export const silentLogger: Logger = pino({ level: 'silent' });
