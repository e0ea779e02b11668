// The lock file (topologies/<name>.lock.yaml): every allocation, sorted and keyed by stable
// identity (switch name; a link by its two ends), one line per object so that a review shows
// exactly what was added. Written by hand here because the shape is fixed and large fabrics
// have tens of thousands of links; read back through the yaml parser and a schema.
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { diag, type Diagnostic } from '../diagnostics.ts';
import type { Allocation, LinkAllocation, SwitchAllocation } from '../model.ts';
import { isSortedAllocation, sortAllocation } from './allocate.ts';
import { PLAIN, readCanonicalLock, RESERVED, type LockData } from './lock-canonical.ts';

export const LOCK_VERSION = 1;

const ipv4 = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}$/);
const cidr = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/);
const port = z.string().regex(/^Ethernet\d+$/);

export const lockSchema = z.strictObject({
  version: z.literal(LOCK_VERSION),
  fabric: z.string(),
  switches: z
    .record(
      z.string(),
      z.strictObject({
        role: z.enum(['spine', 'leaf']),
        rack: z.string().optional(),
        asn: z.number().int().optional(),
        loopback: ipv4,
        servers: cidr.optional(),
        removed: z.literal(true).optional(),
      }),
    )
    .nullable()
    .default({}),
  links: z
    .record(
      z.string(),
      z.strictObject({ 'leaf-port': port, 'spine-port': port, p2p: cidr, removed: z.literal(true).optional() }),
    )
    .nullable()
    .default({}),
});

export function serializeLock(a: Allocation): string {
  const sorted = isSortedAllocation(a) ? a : sortAllocation(a);
  const lines = [
    `# Allocations of fabric ${a.fabric}, kept by clos. Commit this file next to the fabric file:`,
    '# values here never move unless you pass --allow-renumber; removed racks stay reserved',
    '# until --prune.',
    `version: ${LOCK_VERSION}`,
    `fabric: ${scalar(a.fabric)}`,
    sorted.switches.size ? 'switches:' : 'switches: {}',
  ];
  for (const [name, s] of sorted.switches) lines.push(`  ${scalar(name)}: ${flow(switchFields(s))}`);
  lines.push(sorted.links.size ? 'links:' : 'links: {}');
  for (const [id, l] of sorted.links) lines.push(`  ${scalar(id)}: ${flow(linkFields(l))}`);
  return `${lines.join('\n')}\n`;
}

function switchFields(s: SwitchAllocation): [string, string | number | boolean | undefined][] {
  return [
    ['role', s.role],
    ['rack', s.rack],
    ['asn', s.asn],
    ['loopback', s.loopback],
    ['servers', s.servers],
    ['removed', s.removed],
  ];
}

function linkFields(l: LinkAllocation): [string, string | number | boolean | undefined][] {
  return [
    ['leaf-port', l.leafPort],
    ['spine-port', l.spinePort],
    ['p2p', l.p2p],
    ['removed', l.removed],
  ];
}

function flow(fields: [string, string | number | boolean | undefined][]): string {
  const parts = fields.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${typeof v === 'string' ? scalar(v) : String(v)}`);
  return `{${parts.join(', ')}}`;
}

/** A string as a YAML scalar: plain when it cannot be read as anything else, else quoted. */
function scalar(s: string): string {
  return PLAIN.test(s) && !RESERVED.test(s) ? s : JSON.stringify(s);
}

export interface ParsedLock {
  readonly lock?: Allocation;
  readonly diagnostics: readonly Diagnostic[];
}

export function parseLock(text: string, fabricName: string): ParsedLock {
  const read = readCanonicalLock(text);
  return toLock(read ? { data: read } : readWithYaml(text), fabricName);
}

/** parseLock without the fast reader of the canonical form (tests check that both agree). */
export function parseLockWithYaml(text: string, fabricName: string): ParsedLock {
  return toLock(readWithYaml(text), fabricName);
}

type Read = { readonly data: LockData; readonly diagnostics?: undefined } | { readonly data?: undefined; readonly diagnostics: readonly Diagnostic[] };

function readWithYaml(text: string): Read {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (e) {
    const line = e instanceof YAMLParseError ? e.linePos?.[0] : undefined;
    return { diagnostics: [{ ...diag('LOCK_INVALID', [], `the lock file is not valid YAML: ${(e as Error).message.split('\n')[0]}`, 'restore it from version control'), ...(line ? { line: line.line, col: line.col } : {}) }] };
  }
  const r = lockSchema.safeParse(data);
  if (!r.success) {
    const first = r.error.issues[0]!;
    return { diagnostics: [diag('LOCK_INVALID', [], `the lock file does not have the expected shape at ${first.path.join('.') || 'top level'}: ${first.message}`, 'restore it from version control, or delete it to allocate afresh')] };
  }
  return { data: { ...r.data, switches: r.data.switches ?? {}, links: r.data.links ?? {} } };
}

function toLock(read: Read, fabricName: string): ParsedLock {
  if (!read.data) return { diagnostics: read.diagnostics };
  const data = read.data;
  if (data.fabric !== fabricName) {
    return { diagnostics: [diag('LOCK_INVALID', [], `the lock file belongs to fabric ${data.fabric}, not ${fabricName}`, 'each fabric file has its own lock file')] };
  }
  const switches = new Map<string, SwitchAllocation>();
  for (const [name, s] of Object.entries(data.switches)) {
    switches.set(name, {
      role: s.role,
      ...(s.rack === undefined ? {} : { rack: s.rack }),
      ...(s.asn === undefined ? {} : { asn: s.asn }),
      loopback: s.loopback,
      ...(s.servers === undefined ? {} : { servers: s.servers }),
      ...(s.removed ? { removed: true } : {}),
    });
  }
  const links = new Map<string, LinkAllocation>();
  for (const [id, l] of Object.entries(data.links)) {
    const m = /^(\S+) -- (\S+)$/.exec(id);
    if (!m) return { diagnostics: [diag('LOCK_INVALID', [], `the lock file names a link "${id}" that is not "leaf -- spine"`, 'restore it from version control')] };
    links.set(id, {
      leaf: m[1]!,
      leafPort: l['leaf-port'],
      spine: m[2]!,
      spinePort: l['spine-port'],
      p2p: l.p2p,
      ...(l.removed ? { removed: true } : {}),
    });
  }
  return { lock: { fabric: data.fabric, switches, links }, diagnostics: [] };
}
