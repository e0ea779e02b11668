// Markdown pieces of the fabric's documents. Cells go through the drift report's escaping (no
// line break, no raw pipe or HTML), so a description from the fabric file never breaks a table.
import { text } from '../report/drift-markdown.ts';

// Names, ports and addresses (most cells, tens of thousands in a large fabric) need no escaping.
const PLAIN = /^[\w .:/,()–-]*$/;
export const cell = (s: string): string => (PLAIN.test(s) ? s : text(s));

export function mdTable(headers: readonly string[], rows: readonly (readonly (string | number)[])[], align?: readonly ('l' | 'r')[]): string[] {
  const rule = headers.map((_, i) => (align?.[i] === 'r' ? '---:' : '---'));
  return [`| ${headers.join(' | ')} |`, `|${rule.join('|')}|`, ...rows.map((r) => `| ${r.map((c) => (typeof c === 'number' ? String(c) : c)).join(' | ')} |`)];
}

/** `n thing` or `n things`. */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

export function percent(used: number, of: number): string {
  if (of === 0) return '–';
  const p = (100 * used) / of;
  return p > 0 && p < 1 ? '<1 %' : `${Math.round(p)} %`;
}
