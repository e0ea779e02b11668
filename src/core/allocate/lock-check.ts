// The lock checked as a whole, after it was read: every value the allocator would keep must be
// one it could have written. A corrupted or hand-broken lock (two switches with one loopback, a
// link to a switch the lock does not have) is refused at the lock's own line, never taken as
// the allocation to keep and never re-allocated silently.
import { diag, type Diagnostic } from '../diagnostics.ts';
import { blockSize } from '../net/ipv4.ts';
import type { LockData, LockLines, LockPos } from './lock-canonical.ts';

const NAME = /^\S+$/;
const HINT = 'restore the lock from version control; deleting it allocates afresh, and values may move';
/** Enough to see what happened; a lock broken everywhere would otherwise print thousands. */
const MAX_PROBLEMS = 20;

export const LOCK_HINT = HINT;

/** A dotted quad as a number, or -1: read by hand, since a large lock has 70,000 of them. */
function ipv4(s: string, end = s.length): number {
  let n = 0;
  let part = -1;
  let dots = 0;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (part < 0 || dots === 3) return -1;
      n = n * 256 + part;
      part = -1;
      dots++;
    } else if (c >= 48 && c <= 57) {
      part = part < 0 ? c - 48 : part * 10 + (c - 48);
      if (part > 255) return -1;
    } else return -1;
  }
  return dots === 3 && part >= 0 ? n * 256 + part : -1;
}

/** `a.b.c.d/len` without host bits, or undefined. */
function prefix(cidr: string): { base: number; len: number } | undefined {
  const slash = cidr.indexOf('/');
  const base = slash < 0 ? -1 : ipv4(cidr, slash);
  const len = Number(cidr.slice(slash + 1));
  if (base < 0 || !Number.isInteger(len) || len < 0 || len > 32 || slash + 1 === cidr.length) return undefined;
  return base % blockSize(len) === 0 ? { base, len } : undefined;
}

export function checkLock(data: LockData, lines: LockLines): Diagnostic[] {
  const out: Diagnostic[] = [];
  const where = (pos: LockPos | undefined) => pos ?? { line: 1, col: 1 };
  const line = (pos: LockPos | undefined) => (pos ? ` (line ${pos.line})` : '');
  const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

  const loopbacks = new Map<number, string>();
  const asns = new Map<number, string>();
  const servers: { base: number; end: number; name: string; cidr: string }[] = [];
  for (const [name, s] of Object.entries(data.switches)) {
    const pos = lines.switches.get(name);
    const bad = (msg: string) => out.push({ ...diag('LOCK_INVALID', [], `switch ${name}: ${msg}`, HINT), ...where(pos) });
    const lo = ipv4(s.loopback);
    if (lo < 0) bad(`loopback ${s.loopback} is not an IPv4 address`);
    else {
      const other = loopbacks.get(lo);
      if (other !== undefined) bad(`loopback ${s.loopback} is also the loopback of ${other}${line(lines.switches.get(other))}`);
      else loopbacks.set(lo, name);
    }
    if (s.role === 'leaf') {
      if (s.rack === undefined) bad('a leaf without its rack');
      if (s.asn === undefined) bad('a leaf without its asn');
      else if (s.asn < 1 || s.asn > 4294967294) bad(`asn ${s.asn} is outside 1-4294967294`);
      else {
        const other = asns.get(s.asn);
        if (other !== undefined) bad(`asn ${s.asn} is also the asn of ${other}${line(lines.switches.get(other))}`);
        else asns.set(s.asn, name);
      }
    } else {
      if (s.asn !== undefined) bad('a spine with an asn of its own (spines share underlay.asn.spine of the fabric file)');
      if (s.rack !== undefined || s.servers !== undefined) bad('a spine with a rack or servers');
    }
    if (s.servers !== undefined) {
      const p = prefix(s.servers);
      if (!p) bad(`servers ${s.servers} is not an IPv4 prefix without host bits`);
      else servers.push({ base: p.base, end: p.base + blockSize(p.len), name, cidr: s.servers });
    }
  }
  servers.sort((a, b) => a.base - b.base);
  for (let i = 1; i < servers.length; i++) {
    const [a, b] = [servers[i - 1]!, servers[i]!];
    if (b.base < a.end) {
      out.push({ ...diag('LOCK_INVALID', [], `switch ${b.name}: servers ${b.cidr} overlaps servers ${a.cidr} of ${a.name}${line(lines.switches.get(a.name))}`, HINT), ...where(lines.switches.get(b.name)) });
    }
  }

  const p2ps = new Map<number, string>();
  const ports = new Map<string, Map<number, string>>();
  for (const [id, l] of Object.entries(data.links)) {
    const pos = lines.links.get(id);
    const bad = (msg: string) => out.push({ ...diag('LOCK_INVALID', [], `link ${id}: ${msg}`, HINT), ...where(pos) });
    const sep = id.indexOf(' -- ');
    const leaf = id.slice(0, sep);
    const spine = id.slice(sep + 4);
    if (sep <= 0 || !NAME.test(leaf) || !NAME.test(spine)) {
      bad('not "leaf -- spine"');
      continue;
    }
    if (!has(data.switches, leaf) || data.switches[leaf]!.role !== 'leaf') bad(`${leaf} is not a leaf of the lock`);
    if (!has(data.switches, spine) || data.switches[spine]!.role !== 'spine') bad(`${spine} is not a spine of the lock`);
    const p = prefix(l.p2p);
    if (!p || p.len !== 31) bad(`p2p ${l.p2p} is not a /31 without host bits`);
    else {
      const other = p2ps.get(p.base);
      if (other !== undefined) bad(`p2p ${l.p2p} is also the p2p of link ${other}${line(lines.links.get(other))}`);
      else p2ps.set(p.base, id);
    }
    const clash = (sw: string, port: string) => {
      // By switch, then port number: no new string per port (a large lock has 130,000).
      let mine = ports.get(sw);
      if (!mine) ports.set(sw, (mine = new Map()));
      const n = Number(port.slice(8)); // "Ethernet" + digits (the schema's form)
      const other = mine.get(n);
      if (other !== undefined) bad(`${sw} port ${port} is also used by link ${other}${line(lines.links.get(other))}`);
      else mine.set(n, id);
    };
    clash(leaf, l['leaf-port']);
    clash(spine, l['spine-port']);
  }
  if (out.length <= MAX_PROBLEMS) return out;
  const more = out.length - MAX_PROBLEMS;
  const last = out[MAX_PROBLEMS - 1]!;
  return [...out.slice(0, MAX_PROBLEMS), { ...diag('LOCK_INVALID', [], `… and ${more} more problem(s) in the lock file`, HINT), line: last.line ?? 1, col: last.col ?? 1 }];
}
