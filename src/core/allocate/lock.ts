// The lock file (topologies/<name>.lock.yaml): every allocation, sorted and keyed by stable
// identity (switch name; a link by its two ends), one line per object so that a review shows
// exactly what was added. Written by hand here because the shape is fixed and large fabrics
// have tens of thousands of links; read back through the yaml parser and a schema.
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Node, type Pair } from 'yaml';
import { z } from 'zod';
import { diag, type Diagnostic } from '../diagnostics.ts';
import type { Allocation, LinkAllocation, SwitchAllocation } from '../model.ts';
import { isSortedAllocation, sortAllocation } from './allocate.ts';
import { checkLock, LOCK_HINT } from './lock-check.ts';
import { PLAIN, readCanonicalLock, RESERVED, type LockData, type LockLines, type LockPos } from './lock-canonical.ts';

/** Version 2 ends with `end: {switches: N, links: M}`, so that a lock cut at a line boundary is
 *  refused; version 1 locks (before it) are still read, and the next write upgrades them. */
export const LOCK_VERSION = 2;

const ipv4 = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}$/);
const cidr = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/);
const port = z.string().regex(/^Ethernet\d+$/);
const count = z.number().int().min(0);

// Both sections are required: the writer always writes them (`switches: {}` when empty), so a
// lock without one was cut short.
export const lockSchema = z.strictObject({
  version: z.union([z.literal(1), z.literal(LOCK_VERSION)]),
  fabric: z.string(),
  switches: z.record(
    z.string(),
    z.strictObject({
      role: z.enum(['spine', 'leaf']),
      rack: z.string().optional(),
      asn: z.number().int().optional(),
      loopback: ipv4,
      servers: cidr.optional(),
      removed: z.literal(true).optional(),
    }),
  ),
  links: z.record(z.string(), z.strictObject({ 'leaf-port': port, 'spine-port': port, p2p: cidr, removed: z.literal(true).optional() })),
  end: z.strictObject({ switches: count, links: count }).optional(),
});

export function serializeLock(a: Allocation): string {
  const sorted = isSortedAllocation(a) ? a : sortAllocation(a);
  const lines = [
    `# Allocations of fabric ${a.fabric}, kept by clos. Commit this file next to the fabric file:`,
    '# values here never move unless you pass --allow-renumber; removed racks stay reserved',
    '# until --prune. The last line counts the entries: a lock cut short is refused.',
    `version: ${LOCK_VERSION}`,
    `fabric: ${scalar(a.fabric)}`,
    sorted.switches.size ? 'switches:' : 'switches: {}',
  ];
  for (const [name, s] of sorted.switches) lines.push(`  ${scalar(name)}: ${flow(switchFields(s))}`);
  lines.push(sorted.links.size ? 'links:' : 'links: {}');
  for (const [id, l] of sorted.links) lines.push(`  ${scalar(id)}: ${flow(linkFields(l))}`);
  lines.push(`end: {switches: ${sorted.switches.size}, links: ${sorted.links.size}}`);
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
  return toLock(readCanonicalLock(text) ?? readWithYaml(text), fabricName, lastLine(text));
}

/** parseLock without the fast reader of the canonical form (tests check that both agree). */
export function parseLockWithYaml(text: string, fabricName: string): ParsedLock {
  return toLock(readWithYaml(text), fabricName, lastLine(text));
}

type Read = { readonly data: LockData; readonly lines: LockLines; readonly diagnostics?: undefined } | { readonly data?: undefined; readonly diagnostics: readonly Diagnostic[] };

/** Where a lock cut short ends: its last line with text. */
function lastLine(text: string): LockPos {
  const lines = text.split('\n');
  while (lines.length > 1 && lines[lines.length - 1]!.trim() === '') lines.pop();
  return { line: lines.length, col: 1 };
}

function readWithYaml(text: string): Read {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const posOf = (offset: number): LockPos => lineCounter.linePos(offset);
  const error = doc.errors[0];
  if (error) {
    return { diagnostics: [{ ...diag('LOCK_INVALID', [], `the lock file is not valid YAML: ${error.message.split('\n')[0]}`, 'restore it from version control'), ...posOf(error.pos[0]) }] };
  }
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (e) {
    return { diagnostics: [{ ...diag('LOCK_INVALID', [], `the lock file cannot be read: ${(e as Error).message}`, 'restore it from version control'), line: 1, col: 1 }] };
  }
  const r = lockSchema.safeParse(data);
  if (!r.success) {
    const first = r.error.issues[0]!;
    const where = first.path.join('.') || 'top level';
    const node = nodeAt(doc.contents as Node | null, first.path);
    const pos = node?.range ? posOf(node.range[0]) : lastLine(text);
    const cut = node ? '' : ' (was it cut short?)';
    return { diagnostics: [{ ...diag('LOCK_INVALID', [], `the lock file does not have the expected shape at ${where}: ${first.message}${cut}`, 'restore it from version control, or delete it to allocate afresh'), ...pos }] };
  }
  const entries = (key: string): Map<string, LockPos> => {
    const m = new Map<string, LockPos>();
    const section = nodeAt(doc.contents as Node | null, [key]);
    if (isMap(section)) for (const p of section.items) if (isScalar(p.key) && p.key.range) m.set(String(p.key.value), posOf(p.key.range[0]));
    return m;
  };
  const endNode = isMap(doc.contents) ? doc.contents.items.find((p) => isScalar(p.key) && p.key.value === 'end') : undefined;
  const endPos = endNode && isScalar(endNode.key) && endNode.key.range ? posOf(endNode.key.range[0]) : undefined;
  const lines: LockLines = { switches: entries('switches'), links: entries('links'), ...(endPos ? { end: endPos } : {}) };
  return { data: { ...r.data, ...(r.data.end ? { end: r.data.end } : {}) } as LockData, lines };
}

/** The node at a path of the document (mapping keys only), or undefined when it is absent. */
function nodeAt(root: Node | null, path: readonly PropertyKey[]): Node | undefined {
  let node: Node | null | undefined = root;
  for (const step of path) {
    if (!isMap(node)) return undefined;
    const pair: Pair | undefined = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(step));
    node = pair ? ((pair.value as Node | null) ?? (pair.key as Node)) : undefined;
  }
  return node ?? undefined;
}

function toLock(read: Read, fabricName: string, last: LockPos): ParsedLock {
  if (!read.data) return { diagnostics: read.diagnostics };
  const { data, lines } = read;
  const invalid = (message: string, pos: LockPos): ParsedLock => ({ diagnostics: [{ ...diag('LOCK_INVALID', [], message, LOCK_HINT), ...pos }] });
  const held = { switches: Object.keys(data.switches).length, links: Object.keys(data.links).length };
  if (data.version === LOCK_VERSION && !data.end) {
    return invalid(`the lock file ends at line ${last.line} without its last line "end: {switches: ${held.switches}, links: ${held.links}}": it was cut short`, last);
  }
  if (data.end && (data.end.switches !== held.switches || data.end.links !== held.links)) {
    return invalid(
      `the lock file's last line counts ${data.end.switches} switches and ${data.end.links} links, but it holds ${held.switches} and ${held.links}: entries are missing (cut short, a bad merge) or were added by hand`,
      lines.end ?? last,
    );
  }
  if (data.fabric !== fabricName) {
    return { diagnostics: [diag('LOCK_INVALID', [], `the lock file belongs to fabric ${data.fabric}, not ${fabricName}`, 'each fabric file has its own lock file')] };
  }
  const problems = checkLock(data, lines);
  if (problems.length > 0) return { diagnostics: problems };
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
    const [leaf, spine] = id.split(' -- ') as [string, string]; // checkLock proved the form
    links.set(id, {
      leaf,
      leafPort: l['leaf-port'],
      spine,
      spinePort: l['spine-port'],
      p2p: l.p2p,
      ...(l.removed ? { removed: true } : {}),
    });
  }
  return { lock: { fabric: data.fabric, switches, links }, diagnostics: [] };
}
