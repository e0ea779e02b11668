// The one logger factory: pino to stderr (stdout carries results). JSON lines when stderr is
// not a terminal or CLOS_LOG_FORMAT=json (for machines); one readable line per record on a
// terminal (for people). Core never logs.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'name', 'v']);

/** `16:42:01 INFO  clos-lab spine1: starting redis redis=127.0.1.1:6379` */
export function plainLine(json: string): string {
  const r = JSON.parse(json) as Record<string, unknown>;
  const time = new Date(Number(r.time)).toISOString().slice(11, 19);
  const who = [r.name, r.switch].filter(Boolean).join(' ');
  const extra = Object.entries(r)
    .filter(([k]) => !HIDDEN.has(k) && k !== 'switch')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${time} ${(LEVELS[Number(r.level)] ?? String(r.level)).padEnd(5)} ${who ? `${who}: ` : ''}${String(r.msg ?? '')}${extra ? ` ${extra}` : ''}\n`;
}

function plainStream(): DestinationStream {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line) process.stderr.write(plainLine(line));
    },
  };
}

export function createLogger(name: string, level = process.env.CLOS_LOG_LEVEL ?? 'info'): Logger {
  const plain = process.env.CLOS_LOG_FORMAT === 'plain' || (process.env.CLOS_LOG_FORMAT !== 'json' && process.stderr.isTTY);
  return pino({ name, level }, plain ? plainStream() : pino.destination(2));
}
