// Natural order of names (leaf2 before leaf10): allocation hands out new values in this order so
// that the result never depends on the order of the file.
//
// The order is ICU's (`Intl.Collator('en', { numeric: true, sensitivity: 'variant' })`), then code
// points for what it holds equal (leaf01 and leaf1). Names are ASCII in practice: those are
// compared here by the same rules (a run of digits by its value; space, then punctuation in ICU's
// order, then digits, then letters, case aside; at equal letters, lower case first), which spares
// every command ICU's start-up (10–15 ms, each process). Any other name goes to the collator itself.

/** ICU's primary order of printable ASCII (letters once, as lower case); 0 = not here. */
const PRIMARY = new Uint8Array(128);
" _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0123456789abcdefghijklmnopqrstuvwxyz".split('').forEach((ch, i) => {
  PRIMARY[ch.charCodeAt(0)] = i + 1;
  if (ch >= 'a' && ch <= 'z') PRIMARY[ch.toUpperCase().charCodeAt(0)] = i + 1;
});
const isDigit = (c: number) => c >= 48 && c <= 57;
const isUpper = (c: number) => c >= 65 && c <= 90;

let collator: Intl.Collator | undefined;

function compareAscii(a: string, b: string): number | undefined {
  // The common prefix first (CONFIG_DB keys share their table's name and more): equal characters
  // decide nothing, except that a run of digits counts by its value as a whole, so the compare
  // starts again at the run the prefix ends in.
  const n = Math.min(a.length, b.length);
  let p = 0;
  for (; p < n; p++) {
    const c = a.charCodeAt(p);
    if (c !== b.charCodeAt(p) || c >= 128 || PRIMARY[c] === 0) break;
  }
  while (p > 0 && isDigit(a.charCodeAt(p - 1))) p--;
  let i = p;
  let j = p;
  let caseDiff = 0; // the first difference of case only (lower before upper), if nothing else differs
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (ca >= 128 || cb >= 128 || PRIMARY[ca] === 0 || PRIMARY[cb] === 0) return undefined;
    if (isDigit(ca) && isDigit(cb)) {
      // Two numbers: by value, leading zeros aside.
      while (i < a.length && a.charCodeAt(i) === 48) i++;
      while (j < b.length && b.charCodeAt(j) === 48) j++;
      let ei = i;
      let ej = j;
      while (ei < a.length && isDigit(a.charCodeAt(ei))) ei++;
      while (ej < b.length && isDigit(b.charCodeAt(ej))) ej++;
      if (ei - i !== ej - j) return ei - i - (ej - j);
      for (; i < ei; i++, j++) {
        const d = a.charCodeAt(i) - b.charCodeAt(j);
        if (d !== 0) return d;
      }
      continue;
    }
    const d = PRIMARY[ca]! - PRIMARY[cb]!;
    if (d !== 0) return d;
    if (caseDiff === 0 && ca !== cb) caseDiff = isUpper(ca) ? 1 : -1;
    i++;
    j++;
  }
  if (i < a.length || j < b.length) {
    for (let k = i; k < a.length; k++) if (a.charCodeAt(k) >= 128 || PRIMARY[a.charCodeAt(k)] === 0) return undefined;
    for (let k = j; k < b.length; k++) if (b.charCodeAt(k) >= 128 || PRIMARY[b.charCodeAt(k)] === 0) return undefined;
    return i < a.length ? 1 : -1;
  }
  return caseDiff;
}

export function compareNames(a: string, b: string): number {
  let c = compareAscii(a, b);
  if (c === undefined) {
    collator ??= new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });
    c = collator.compare(a, b);
  }
  return Math.sign(c) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Each name's rank in natural order, so that large sorts compare numbers: sorting 65,536 links
 *  by their two names with the collator takes a quarter of a second; by rank, milliseconds. */
export function nameRanks(names: Iterable<string>): Map<string, number> {
  const sorted = [...new Set(names)].sort(compareNames);
  return new Map(sorted.map((n, i) => [n, i]));
}
