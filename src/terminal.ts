// What clos writes to stderr for people, and the choice between people and machines. stderr
// carries log lines and, on a terminal, one status line (the progress of a long run) kept
// below them: a log line written while it shows clears it, takes its place and redraws it.
// No dependencies: the CLI loads this at start.

export interface TerminalStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

export type LogFormat = 'human' | 'json';
export const LOG_FORMATS: readonly LogFormat[] = ['human', 'json'];

let requested: LogFormat | undefined;

/** `--log-format`: wins over CLOS_LOG_FORMAT and over the terminal test. */
export function setLogFormat(format: LogFormat | undefined): void {
  requested = format;
}

/** Human lines on a terminal, JSON lines otherwise (a file, a pipe, a collector), unless asked. */
export function logFormat(stream: TerminalStream): LogFormat {
  const env = process.env.CLOS_LOG_FORMAT;
  if (requested) return requested;
  if (env === 'json') return 'json';
  if (env === 'human' || env === 'plain') return 'human';
  return stream.isTTY ? 'human' : 'json';
}

/** Colour only on a terminal, and not when NO_COLOR is set (no-color.org). */
export function colours(stream: TerminalStream): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}

const CLEAR = '\r\x1b[2K';
let status: { stream: TerminalStream; text: string } | undefined;

/** Writes whole lines (ending in \n) above the status line, if one shows on this stream. */
export function writeLines(stream: TerminalStream, text: string): void {
  if (status?.stream === stream) stream.write(`${CLEAR}${text}${status.text}`);
  else stream.write(text);
}

/** Shows (or replaces) the status line: only on a terminal, cut to its width so it never wraps
 *  (a wrapped line could not be rewritten in place). */
export function showStatus(stream: TerminalStream, text: string): void {
  if (!stream.isTTY) return;
  const width = Math.max(20, (stream.columns || 80) - 1); // a pty without a size says 0
  const line = text.length > width ? `${text.slice(0, width - 1)}…` : text;
  status = { stream, text: line };
  stream.write(`${CLEAR}${line}`);
}

/** Removes the status line, leaving the cursor at the start of an empty line. */
export function clearStatus(stream: TerminalStream): void {
  if (status?.stream !== stream) return;
  status = undefined;
  stream.write(CLEAR);
}
