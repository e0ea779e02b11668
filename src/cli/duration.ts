// Bad flags, reported one way (main.ts: `clos <command>: <message>`, exit 1), and durations on
// the command line: "60s", "2m", "500ms", "1h", or plain seconds ("60", "1.5").

/** A flag's value is wrong: the message names the flag, the value and the rule. */
export class FlagError extends Error {
  override readonly name = 'FlagError';
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds, or a FlagError whose message names the flag, the bad value and the rule. */
export function parseDuration(text: string, flag = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) throw new FlagError(`${flag} "${text}" is not a duration: use e.g. 60s, 2m, 500ms or plain seconds`);
  const ms = Number(m[1]) * UNIT_MS[m[2] ?? 's']!;
  if (!Number.isFinite(ms)) throw new FlagError(`${flag} "${text}" is too large`);
  return Math.round(ms);
}
