// Config drift: the diff engine's changes for one switch, each classified. The changes are the
// ones `clos apply` would make, so the remediation of a finding IS its change.
//
// missing / extra are about whole entries, mismatch / changed-outside about fields of an entry
// the switch has. foreign: an entry inside clos's scope that clos never applied (a factory
// preset's, another tool's, a hand-made one): apply removes it (docs/adoption.md).
// changed-outside: the switch no longer holds what clos last applied (someone edited it).
// mismatch: the switch holds what clos last applied (or clos never applied it) and the fabric
// file wants something else.
import type { Change } from '../diff/diff.ts';
import { splitKey, type Fields, type FlatDb } from '../diff/flat.ts';
import { findingId, type DriftClass, type Finding, type Severity } from './finding.ts';

export interface ConfigContext {
  readonly switch: string;
  readonly lastApplied: FlatDb | undefined;
  /** The cable a CONFIG_DB key belongs to (a port's, an interface's, a neighbor's), if any. */
  readonly linkOfKey: (key: string) => string | null;
}

export function configFindings(changes: readonly Change[], ctx: ConfigContext): Finding[] {
  return changes.map((c) => configFinding(c, ctx));
}

function configFinding(c: Change, ctx: ConfigContext): Finding {
  const applied = ctx.lastApplied?.get(c.key);
  const everApplied = ctx.lastApplied !== undefined;
  const have = c.before;
  let cls: DriftClass;
  let severity: Severity;
  let expected: string;
  let actual: string;
  let detail: string | null = null;

  if (c.op === 'add') {
    cls = 'missing';
    expected = entryText(c.set ?? {});
    actual = '(absent)';
    if (applied) {
      severity = 'error';
      detail = 'clos applied this entry; it was removed outside clos';
    } else if (everApplied) {
      severity = 'info';
      detail = 'new in the fabric file since the last apply: `clos apply` pending';
    } else severity = 'error';
  } else if (c.op === 'delete' && c.foreign) {
    cls = 'foreign';
    severity = 'warning';
    expected = '(absent: clos owns this scope)';
    actual = entryText(have ?? {});
    detail = [c.why, everApplied ? 'clos never applied this entry' : 'clos has not applied this switch yet: factory or brownfield config'].filter(Boolean).join('; ');
  } else if (c.op === 'delete') {
    cls = 'extra';
    expected = '(absent)';
    actual = entryText(have ?? {});
    if (!applied) {
      severity = 'warning';
      detail = c.why ?? 'clos never applied this entry';
    } else if (sameEntry(applied, have)) {
      severity = 'info';
      detail = 'removed from the fabric file since the last apply: `clos apply` pending';
    } else {
      severity = 'warning';
      detail = `removed from the fabric file since the last apply, and changed outside clos (clos applied ${entryText(applied)})`;
    }
  } else {
    const fields = changedFields(c);
    expected = fieldsText(fields, c.after);
    actual = fieldsText(fields, have);
    const outside = applied !== undefined && fields.some((f) => applied[f] !== have?.[f]);
    if (outside) {
      cls = 'changed-outside';
      severity = 'warning';
      detail = `clos last applied ${fieldsText(fields, applied)}`;
    } else {
      cls = 'mismatch';
      severity = applied ? 'info' : 'warning';
      detail = applied ? 'the switch holds what clos last applied; the fabric file changed since: `clos apply` pending' : everApplied ? 'clos never applied this entry' : 'clos has not applied this switch yet';
    }
    if (c.why) detail = `${detail}; ${c.why}`;
  }
  return {
    id: findingId(ctx.switch, cls, c.key),
    switch: ctx.switch,
    object: c.key,
    class: cls,
    severity,
    expected,
    actual,
    detail,
    link: ctx.linkOfKey(c.key),
    causedBy: null,
    remediation: { kind: 'apply', change: c },
  };
}

/** Fields a change touches: set and unset for an update; for a replace (delete + re-add),
 *  every field whose value differs. */
export function changedFields(c: Change): string[] {
  if (c.op === 'update') return [...Object.keys(c.set ?? {}), ...(c.unset ?? [])];
  const before = c.before ?? {};
  const after = c.after ?? {};
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((f) => before[f] !== after[f]);
}

function fieldsText(fields: readonly string[], entry: Fields | undefined): string {
  return fields.map((f) => (entry?.[f] === undefined ? `${f} (unset)` : `${f}=${entry[f]}`)).join(' ');
}

function entryText(entry: Fields): string {
  const parts = Object.entries(entry).map(([f, v]) => `${f}=${v}`);
  return parts.length ? parts.join(' ') : '(entry without fields)';
}

function sameEntry(a: Fields, b: Fields | undefined): boolean {
  if (!b) return false;
  const ka = Object.keys(a);
  return ka.every((k) => a[k] === b[k]);
}

/** The table of a CONFIG_DB key, and its first key part (`INTERFACE|Ethernet0|10.1.0.1/31` →
 *  INTERFACE, Ethernet0). */
export function keyParts(key: string): { table: string; first: string; rest: string } {
  const { table, key: k } = splitKey(key);
  const i = k.indexOf('|');
  return i < 0 ? { table, first: k, rest: '' } : { table, first: k.slice(0, i), rest: k.slice(i + 1) };
}
