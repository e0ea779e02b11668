// Values given from outside the program (a command-line flag, a query parameter, a request
// field), checked one way for every front end: durations "60s", "2m", "500ms", "1h", or plain
// seconds ("60", "1.5").

/** A value given from outside is wrong: the message names it, the value and the rule. The CLI
 *  reports it as `clos <command>: <message>` (exit 1), the API as 400 BAD_REQUEST. */
export class ValueError extends Error {
  override readonly name = 'ValueError';
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds, or a ValueError whose message names the value (`what`: a flag, a field), the
 *  bad text and the rule. */
export function parseDuration(text: string, what = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) throw new ValueError(`${what} "${text}" is not a duration: use e.g. 60s, 2m, 500ms or plain seconds`);
  const ms = Number(m[1]) * UNIT_MS[m[2] ?? 's']!;
  if (!Number.isFinite(ms)) throw new ValueError(`${what} "${text}" is too large`);
  return Math.round(ms);
}
