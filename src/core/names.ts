// Natural order of names (leaf2 before leaf10): allocation hands out new values in this order so
// that the result never depends on the order of the file.
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });

export function compareNames(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}
