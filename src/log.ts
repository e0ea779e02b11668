// The one logger factory: pino to stderr (stdout carries results). On a terminal one short
// line per record for people — time, level, switch, message, the other fields as key=value —
// drawn above the progress line if one shows; JSON lines (pino's own) for machines: when stderr
// is not a terminal, or with --log-format json / CLOS_LOG_FORMAT=json. Our own few lines rather
// than pino-pretty: importing it (27 packages) cost as much again as pino itself, measured on
// this machine, on every command that logs. Core never logs.
import { pino, type DestinationStream, type Logger } from 'pino';
import { colours, logFormat, writeLines, type TerminalStream } from './terminal.ts';

export type { Logger };

const LEVELS: Record<number, [name: string, colour: string]> = {
  10: ['TRACE', '2'],
  20: ['DEBUG', '2'],
  30: ['INFO', '36'],
  40: ['WARN', '33'],
  50: ['ERROR', '31'],
  60: ['FATAL', '1;31'],
};
const HIDDEN = new Set(['level', 'time', 'msg', 'name', 'switch']);
const LIST_SHOWN = 6;

function value(v: unknown): string {
  if (typeof v === 'string') return /\s/.test(v) || v === '' ? JSON.stringify(v) : v;
  if (Array.isArray(v) && v.every((x) => typeof x !== 'object' || x === null)) {
    const shown = v.slice(0, LIST_SHOWN).join(',');
    return v.length > LIST_SHOWN ? `${shown},…(${v.length})` : shown;
  }
  if (v && typeof v === 'object' && 'message' in v) return JSON.stringify((v as { message: unknown }).message); // a serialised error
  return JSON.stringify(v);
}

/** `16:42:01 INFO  spine1: starting redis redis=127.0.1.1:6379` (the level coloured if asked). */
export function humanLine(json: string, colour = false): string {
  const r = JSON.parse(json) as Record<string, unknown>;
  const time = new Date(Number(r.time)).toISOString().slice(11, 19);
  const [name, code] = LEVELS[Number(r.level)] ?? [String(r.level), '0'];
  const level = colour ? `\x1b[${code}m${name.padEnd(5)}\x1b[0m` : name.padEnd(5);
  const extra = Object.entries(r)
    .filter(([k]) => !HIDDEN.has(k))
    .map(([k, v]) => `${k}=${value(v)}`)
    .join(' ');
  return `${time} ${level} ${r.switch ? `${String(r.switch)}: ` : ''}${String(r.msg ?? '')}${extra ? ` ${extra}` : ''}\n`;
}

function destination(stream: TerminalStream): DestinationStream {
  if (logFormat(stream) === 'json') return { write: (chunk: string) => writeLines(stream, chunk) };
  const colour = colours(stream);
  return {
    write(chunk: string) {
      writeLines(stream, chunk.split('\n').filter(Boolean).map((l) => humanLine(l, colour)).join(''));
    },
  };
}

export function createLogger(name: string, level = process.env.CLOS_LOG_LEVEL ?? 'info', stream: TerminalStream = process.stderr): Logger {
  // A person knows which process and host they are watching: human lines drop pino's pid and
  // hostname (so a `pid` field logged is the daemon's own).
  const human = logFormat(stream) === 'human';
  return pino({ name, level, ...(human ? { base: null } : {}) }, destination(stream));
}
