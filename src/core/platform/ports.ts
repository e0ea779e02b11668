// Port names and ranges as users write them: "Ethernet0-Ethernet28/4" (step optional).

export function portNumber(name: string): number {
  return Number(name.slice('Ethernet'.length));
}

/** Expands one range or name. Returns undefined when the range is malformed (end before start,
 *  or an end the step does not reach). */
export function expandPortRange(spec: string): string[] | undefined {
  const m = /^Ethernet(\d+)(?:-Ethernet(\d+)(?:\/(\d+))?)?$/.exec(spec);
  if (!m) return undefined;
  const first = Number(m[1]);
  if (m[2] === undefined) return [`Ethernet${first}`];
  const last = Number(m[2]);
  const step = m[3] === undefined ? 1 : Number(m[3]);
  if (step < 1 || last < first || (last - first) % step !== 0) return undefined;
  const out: string[] = [];
  for (let n = first; n <= last; n += step) out.push(`Ethernet${n}`);
  return out;
}

export function expandPortList(spec: string | readonly string[]): { ports: string[]; bad: string[] } {
  const specs = typeof spec === 'string' ? [spec] : spec;
  const ports: string[] = [];
  const bad: string[] = [];
  for (const s of specs) {
    const e = expandPortRange(s);
    if (e) ports.push(...e);
    else bad.push(s);
  }
  return { ports, bad };
}
