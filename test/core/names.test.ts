// compareNames must order names exactly as ICU's numeric collation (then code points) does:
// allocation hands out values in this order, so a different order would renumber new fabrics.
import { describe, expect, it } from 'vitest';
import { compareNames, nameRanks } from '../../src/core/names.ts';

const icu = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });
const reference = (a: string, b: string) => Math.sign(icu.compare(a, b)) || (a < b ? -1 : a > b ? 1 : 0);

/** A seeded generator, so a failure repeats. */
function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
}

describe('compareNames', () => {
  it('orders numbers by value, as people read them', () => {
    expect(['leaf10', 'leaf2', 'leaf1', 'Leaf3', 'leaf02'].sort(compareNames)).toEqual(['leaf1', 'leaf02', 'leaf2', 'Leaf3', 'leaf10']);
    expect([...nameRanks(['spine2', 'spine10', 'spine1'])]).toEqual([['spine1', 0], ['spine2', 1], ['spine10', 2]]);
  });

  it('agrees with ICU on 200,000 pairs of ASCII names, near and far', () => {
    const r = rng(7);
    const alphabet = ' _-,;:!?.\'"()[]{}@*/\\&#%`^+<=>|~$0123456789aAbBeEzZ';
    const word = () => {
      let s = '';
      const n = Math.floor(r() * 8);
      for (let i = 0; i < n; i++) s += r() < 0.4 ? String(Math.floor(r() * 120)).padStart(r() < 0.2 ? 3 : 1, '0') : alphabet[Math.floor(r() * alphabet.length)];
      return s;
    };
    const mutate = (s: string) => {
      const i = Math.floor(r() * (s.length + 1));
      const pick = r();
      if (pick < 0.3) return s.slice(0, i) + word() + s.slice(i);
      if (pick < 0.6) return s.slice(0, i) + s.slice(i + 1);
      if (pick < 0.8) return s.slice(0, i) + (s[i] ?? '').toUpperCase() + s.slice(i + 1);
      return s.slice(0, i) + '0' + s.slice(i);
    };
    const bad: string[] = [];
    for (let k = 0; k < 200_000 && bad.length < 5; k++) {
      const a = word() + word();
      const b = r() < 0.7 ? mutate(a) : word() + word();
      if (compareNames(a, b) !== reference(a, b)) bad.push(`${JSON.stringify(a)} vs ${JSON.stringify(b)}: ${compareNames(a, b)}, ICU ${reference(a, b)}`);
    }
    expect(bad).toEqual([]);
  });

  it('gives names beyond ASCII to the collator', () => {
    for (const [a, b] of [['café1', 'cafe2'], ['spïne10', 'spïne9'], ['leaf\t1', 'leaf 1'], ['Ä', 'a']]) expect(compareNames(a!, b!)).toBe(reference(a!, b!));
  });
});
