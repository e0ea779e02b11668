// The lock is checked as a whole (issue 13, item 8): a lock cut short or corrupted is LOCK_INVALID
// at the lock's own line, and nothing is allocated from it; never a silent re-allocation.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseLock } from '../../src/core/allocate/lock.ts';
import { compileFabric } from '../../src/core/compile.ts';
import type { Diagnostic } from '../../src/core/diagnostics.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const FABRIC = readFileSync(`${ROOT}/topologies/dc1.fabric.yaml`, 'utf8');
const LOCK = readFileSync(`${ROOT}/topologies/dc1.lock.yaml`, 'utf8');
const LINES = LOCK.slice(0, -1).split('\n');
const lineOf = (text: string, start: string) => text.split('\n').findIndex((l) => l.startsWith(start)) + 1;

function compileWith(lockText: string): { ok: boolean; diagnostics: readonly Diagnostic[] } {
  return compileFabric({ text: FABRIC, file: 'dc1.fabric.yaml', lockText, lockFile: 'dc1.lock.yaml' });
}

const shown = (ds: readonly Diagnostic[]) => ds.map((d) => `${d.file}:${d.line}:${d.col}: ${d.code}: ${d.message}`);

describe('a lock cut short is refused', () => {
  it('at every line boundary (and the empty file), with LOCK_INVALID at the lock', () => {
    for (let n = 0; n < LINES.length; n++) {
      const cut = LINES.slice(0, n).map((l) => `${l}\n`).join('');
      const r = compileWith(cut);
      expect(r.ok, `lock cut after line ${n} was accepted`).toBe(false);
      expect(r.diagnostics.map((d) => [d.code, d.file]), `cut after line ${n}`).toEqual([['LOCK_INVALID', 'dc1.lock.yaml']]);
    }
  });

  it('names the line where it ends and what is missing', () => {
    const cut = LINES.slice(0, lineOf(LOCK, '  leaf2 -- spine1')).map((l) => `${l}\n`).join('');
    expect(shown(compileWith(cut).diagnostics)).toEqual([
      'dc1.lock.yaml:16:1: LOCK_INVALID: the lock file ends at line 16 without its last line "end: {switches: 6, links: 3}": it was cut short',
    ]);
  });

  it('a line lost in the middle (a bad merge) is caught by the counts of the last line', () => {
    const lost = LOCK.replace(/^ {2}leaf3 -- spine1: .*\n/m, '');
    expect(shown(compileWith(lost).diagnostics)).toEqual([
      `dc1.lock.yaml:${lineOf(lost, 'end:')}:1: LOCK_INVALID: the lock file's last line counts 6 switches and 8 links, but it holds 6 and 7: entries are missing (cut short, a bad merge) or were added by hand`,
    ]);
  });
});

describe('a corrupted lock is refused at its own line, not reported as a renumbering', () => {
  const cases: [string, (t: string) => string, RegExp][] = [
    ['two switches with one loopback', (t) => t.replace('loopback: 10.0.0.4', 'loopback: 10.0.0.3'), /^dc1\.lock\.yaml:8:3: LOCK_INVALID: switch leaf2: loopback 10\.0\.0\.3 is also the loopback of leaf1 \(line 7\)$/],
    ['two leaves with one ASN', (t) => t.replace('asn: 65104', 'asn: 65101'), /^dc1\.lock\.yaml:10:3: LOCK_INVALID: switch leaf4: asn 65101 is also the asn of leaf1 \(line 7\)$/],
    ['two links with one /31', (t) => t.replace('p2p: 10.1.0.14/31', 'p2p: 10.1.0.0/31'), /^dc1\.lock\.yaml:21:3: LOCK_INVALID: link leaf4 -- spine2: p2p 10\.1\.0\.0\/31 is also the p2p of link leaf1 -- spine1 \(line 14\)$/],
    ['a /31 with host bits', (t) => t.replace('p2p: 10.1.0.14/31', 'p2p: 10.1.0.15/31'), /:21:3: LOCK_INVALID: link leaf4 -- spine2: p2p 10\.1\.0\.15\/31 is not a \/31 without host bits$/],
    ['one spine port for two leaves', (t) => t.replace('spine-port: Ethernet12, p2p: 10.1.0.12', 'spine-port: Ethernet8, p2p: 10.1.0.12'), /:20:3: LOCK_INVALID: link leaf4 -- spine1: spine1 port Ethernet8 is also used by link leaf3 -- spine1 \(line 18\)$/],
    ['a link to a switch the lock does not have', (t) => t.replace('leaf4 -- spine2:', 'leaf9 -- spine2:'), /:21:3: LOCK_INVALID: link leaf9 -- spine2: leaf9 is not a leaf of the lock$/],
    ['a leaf without its ASN', (t) => t.replace('asn: 65103, ', ''), /:9:3: LOCK_INVALID: switch leaf3: a leaf without its asn$/],
    ['overlapping server prefixes', (t) => t.replace('servers: 192.168.0.64/26', 'servers: 192.168.0.0/25'), /:8:3: LOCK_INVALID: switch leaf2: servers 192\.168\.0\.0\/25 overlaps servers 192\.168\.0\.0\/26 of leaf1 \(line 7\)$/],
    ['an address that is not one', (t) => t.replace('loopback: 10.0.0.6', 'loopback: 10.0.0.600'), /:10:3: LOCK_INVALID: switch leaf4: loopback 10\.0\.0\.600 is not an IPv4 address$/],
  ];
  for (const [what, edit, expected] of cases) {
    it(what, () => {
      const r = compileWith(edit(LOCK));
      expect(r.ok).toBe(false);
      expect(shown(r.diagnostics)).toEqual([expect.stringMatching(expected)]);
    });
  }

  it('the YAML reader (a hand-edited layout) finds the same lines', () => {
    // A comment between entries takes the lock off the fast reader's exact form.
    const edited = LOCK.replace('loopback: 10.0.0.4', 'loopback: 10.0.0.3').replace('  leaf3:', '  # hand edit\n  leaf3:');
    expect(shown(compileWith(edited).diagnostics)).toEqual([expect.stringMatching(/^dc1\.lock\.yaml:8:3: LOCK_INVALID: switch leaf2: loopback 10\.0\.0\.3 is also the loopback of leaf1 \(line 7\)$/)]);
  });
});

describe('locks written before the end line (version 1)', () => {
  const v1 = LOCK.replace('version: 2', 'version: 1').replace(/^end: .*\n/m, '');
  it('are read as before, to the same allocation', () => {
    const a = parseLock(v1, 'dc1');
    const b = parseLock(LOCK, 'dc1');
    expect(a.diagnostics).toEqual([]);
    expect([...a.lock!.switches]).toEqual([...b.lock!.switches]);
    expect([...a.lock!.links]).toEqual([...b.lock!.links]);
  });
  it('are checked as a whole too, and refused without a section', () => {
    expect(parseLock(v1.replace('loopback: 10.0.0.4', 'loopback: 10.0.0.3'), 'dc1').diagnostics.map((d) => d.code)).toEqual(['LOCK_INVALID']);
    const noLinks = v1.slice(0, v1.indexOf('links:'));
    expect(shown(parseLock(noLinks, 'dc1').diagnostics.map((d) => ({ ...d, file: 'dc1.lock.yaml' })))).toEqual([
      'dc1.lock.yaml:12:1: LOCK_INVALID: the lock file does not have the expected shape at links: Invalid input: expected record, received undefined (was it cut short?)',
    ]);
  });
});
