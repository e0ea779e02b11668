// The lab's logger: pino to stderr (stdout carries results). Child loggers per switch.
import { pino, type Logger } from 'pino';

export type { Logger };

export function labLogger(level = process.env.CLOS_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: 'clos-lab', level }, pino.destination(2));
}

export const silentLogger: Logger = pino({ level: 'silent' });
