// The lock file as serializeLock writes it, read without the YAML parser. A large fabric's lock
// has one line per link (65,536 at 32 × 2048) and the general YAML reader checks each new map key
// against every earlier one, which takes seconds; this reader takes milliseconds.
// It accepts only the canonical form, and only where YAML would read the same values: any other
// line (a hand edit, a comment in the middle, an unexpected scalar) returns undefined and the
// caller reads the file with the YAML parser and the schema instead, so errors and unusual but
// valid files are handled exactly as before.

/** Scalars serializeLock writes plain: names and addresses that YAML reads back as strings. */
export const PLAIN = /^([A-Za-z][A-Za-z0-9_./-]*( -- [A-Za-z][A-Za-z0-9_./-]*)?|\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?)$/;
/** Plain scalars YAML would read as null or a boolean (1.2 core schema, and 1.1 for safety). */
export const RESERVED = /^(true|false|yes|no|on|off|y|n|null)$/i;

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const CIDR = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;
const PORT = /^Ethernet\d+$/;
const INT = /^(0|[1-9]\d{0,9})$/; // always a safe integer
const QUOTED = /^"[\x20\x21\x23-\x5b\x5d-\x7e]*"$/; // printable ASCII without " and \: no escapes

/** The lock's data, as the schema would return it. */
export interface LockData {
  version: 1 | 2;
  fabric: string;
  switches: Record<string, { role: 'spine' | 'leaf'; rack?: string; asn?: number; loopback: string; servers?: string; removed?: true }>;
  links: Record<string, { 'leaf-port': string; 'spine-port': string; p2p: string; removed?: true }>;
  /** Version 2: the entry counts on the last line, so that a lock cut short is noticed. */
  end?: { switches: number; links: number };
}

/** Where each entry of the lock is written (1-based lines), for diagnostics at the lock's line. */
export interface LockLines {
  readonly switches: ReadonlyMap<string, LockPos>;
  readonly links: ReadonlyMap<string, LockPos>;
  readonly end?: LockPos;
}

export interface LockPos {
  readonly line: number;
  readonly col: number;
}

const SWITCH_FIELDS = ['role', 'rack', 'asn', 'loopback', 'servers', 'removed'] as const;
const LINK_FIELDS = ['leaf-port', 'spine-port', 'p2p', 'removed'] as const;
const REQUIRED_SWITCH = ['role', 'loopback'];
const REQUIRED_LINK = ['leaf-port', 'spine-port', 'p2p'];

/** A scalar's string value, or undefined when YAML might read it otherwise. */
function str(token: string): string | undefined {
  if (token.startsWith('"')) return QUOTED.test(token) ? token.slice(1, -1) : undefined;
  return PLAIN.test(token) && !RESERVED.test(token) ? token : undefined;
}

/** `{a: x, b: y}` with fields in the given order (each optional), or undefined. */
function flowMap(text: string, order: readonly string[]): Map<string, string> | undefined {
  if (!text.startsWith('{') || !text.endsWith('}')) return undefined;
  const body = text.slice(1, -1);
  const fields = new Map<string, string>();
  let next = 0; // fields must come in serializeLock's order
  let i = 0;
  while (i < body.length) {
    const colon = body.indexOf(': ', i);
    if (colon < 0) return undefined;
    const key = body.slice(i, colon);
    const at = order.indexOf(key, next);
    if (at < 0) return undefined;
    next = at + 1;
    let end: number;
    if (body[colon + 2] === '"') {
      end = body.indexOf('"', colon + 3) + 1;
      if (end === 0) return undefined;
    } else {
      end = body.indexOf(', ', colon + 2);
      if (end < 0) end = body.length;
    }
    fields.set(key, body.slice(colon + 2, end));
    if (end === body.length) break;
    if (body.slice(end, end + 2) !== ', ') return undefined;
    i = end + 2;
  }
  return fields;
}

/** `  key: {…}` → [key, flow text], or undefined. */
function entry(line: string): [string, string] | undefined {
  if (!line.startsWith('  ') || line[2] === ' ') return undefined;
  let keyEnd: number;
  if (line[2] === '"') {
    keyEnd = line.indexOf('"', 3) + 1;
    if (keyEnd === 0) return undefined;
  } else {
    keyEnd = line.indexOf(': ', 2);
    if (keyEnd < 0) return undefined;
  }
  if (line.slice(keyEnd, keyEnd + 2) !== ': ') return undefined;
  const key = str(line.slice(2, keyEnd));
  if (key === undefined || key === '__proto__') return undefined;
  return [key, line.slice(keyEnd + 2)];
}

function section<T>(
  lines: readonly string[],
  i: number,
  name: string,
  read: (flow: string) => T | undefined,
): { values: Record<string, T>; at: Map<string, LockPos>; next: number } | undefined {
  const values: Record<string, T> = {};
  const at = new Map<string, LockPos>();
  if (lines[i] === `${name}: {}`) return { values, at, next: i + 1 };
  if (lines[i] !== `${name}:`) return undefined;
  let j = i + 1;
  for (; j < lines.length && lines[j]!.startsWith(' '); j++) {
    const e = entry(lines[j]!);
    if (!e || at.has(e[0])) return undefined; // a duplicate key is the YAML reader's error to report
    at.set(e[0], { line: j + 1, col: 3 });
    const v = read(e[1]);
    if (v === undefined) return undefined;
    values[e[0]] = v;
  }
  return j === i + 1 ? undefined : { values, at, next: j };
}

function readSwitch(flow: string): LockData['switches'][string] | undefined {
  const f = flowMap(flow, SWITCH_FIELDS);
  if (!f || REQUIRED_SWITCH.some((k) => !f.has(k))) return undefined;
  const role = f.get('role');
  if (role !== 'spine' && role !== 'leaf') return undefined;
  const loopback = str(f.get('loopback')!);
  if (loopback === undefined || !IPV4.test(loopback)) return undefined;
  const out: LockData['switches'][string] = { role, loopback };
  if (f.has('rack')) {
    const rack = str(f.get('rack')!);
    if (rack === undefined) return undefined;
    out.rack = rack;
  }
  if (f.has('asn')) {
    if (!INT.test(f.get('asn')!)) return undefined;
    out.asn = Number(f.get('asn'));
  }
  if (f.has('servers')) {
    const servers = str(f.get('servers')!);
    if (servers === undefined || !CIDR.test(servers)) return undefined;
    out.servers = servers;
  }
  if (f.has('removed')) {
    if (f.get('removed') !== 'true') return undefined;
    out.removed = true;
  }
  return out;
}

function readLink(flow: string): LockData['links'][string] | undefined {
  const f = flowMap(flow, LINK_FIELDS);
  if (!f || REQUIRED_LINK.some((k) => !f.has(k))) return undefined;
  const leafPort = str(f.get('leaf-port')!);
  const spinePort = str(f.get('spine-port')!);
  const p2p = str(f.get('p2p')!);
  if (leafPort === undefined || spinePort === undefined || p2p === undefined) return undefined;
  if (!PORT.test(leafPort) || !PORT.test(spinePort) || !CIDR.test(p2p)) return undefined;
  const out: LockData['links'][string] = { 'leaf-port': leafPort, 'spine-port': spinePort, p2p };
  if (f.has('removed')) {
    if (f.get('removed') !== 'true') return undefined;
    out.removed = true;
  }
  return out;
}

/** The lock's data (and where each entry is) when the text is exactly in serializeLock's form
 *  (version 2, or version 1 without the end line); undefined otherwise. */
export function readCanonicalLock(text: string): { data: LockData; lines: LockLines } | undefined {
  if (!text.endsWith('\n') || text.includes('\r') || text.includes('\t')) return undefined;
  const lines = text.slice(0, -1).split('\n');
  let i = 0;
  while (i < lines.length && lines[i]!.startsWith('#')) i++;
  const version = lines[i] === 'version: 2' ? 2 : lines[i] === 'version: 1' ? 1 : undefined;
  if (version === undefined) return undefined;
  i++;
  const f = /^fabric: (.+)$/.exec(lines[i++] ?? '');
  const fabric = f ? str(f[1]!) : undefined;
  if (fabric === undefined) return undefined;
  const switches = section(lines, i, 'switches', readSwitch);
  if (!switches) return undefined;
  const links = section(lines, switches.next, 'links', readLink);
  if (!links) return undefined;
  const data: LockData = { version, fabric, switches: switches.values, links: links.values };
  if (version === 1) return links.next === lines.length ? { data, lines: { switches: switches.at, links: links.at } } : undefined;
  const end = END.exec(lines[links.next] ?? '');
  if (!end || links.next + 1 !== lines.length) return undefined;
  data.end = { switches: Number(end[1]), links: Number(end[2]) };
  return { data, lines: { switches: switches.at, links: links.at, end: { line: links.next + 1, col: 1 } } };
}

const END = /^end: \{switches: (0|[1-9]\d{0,9}), links: (0|[1-9]\d{0,9})\}$/;
