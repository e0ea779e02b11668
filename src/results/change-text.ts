// How a change reads in words: the same in plans, drift remediations and read-back errors.
import type { Change } from '../core/diff/diff.ts';

/** The fields a change sets and unsets: `description=spine1:Ethernet0 -mtu`. */
export function fieldsText(c: Change): string {
  if (c.op === 'delete') return '(whole entry)';
  const set = c.op === 'replace' ? changedFields(c) : Object.entries(c.set ?? {});
  const parts = set.map(([f, v]) => `${f}=${v}`);
  for (const f of c.unset ?? []) parts.push(`-${f}`);
  return parts.length ? parts.join(' ') : '(no fields)';
}

/** One change in a line, by field name only (read-back errors, dry runs): `update PORT|Ethernet0 mtu,-fec`. */
export function describeChange(c: Change): string {
  if (c.op === 'delete') return `delete ${c.key}`;
  if (c.op === 'add') return `add ${c.key}`;
  const fields = [...(c.op === 'replace' ? changedFields(c).map(([f]) => f) : Object.keys(c.set ?? {})), ...(c.unset ?? []).map((f) => `-${f}`)];
  return `${c.op} ${c.key} ${fields.join(',')}`;
}

function changedFields(c: Change): [string, string][] {
  return Object.entries(c.after ?? {}).filter(([f, v]) => c.before?.[f] !== v);
}
