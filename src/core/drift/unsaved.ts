// Unsaved drift: the switch's startup config (/etc/sonic/config_db.json, what `config reload`
// and a reboot load) differs from its running CONFIG_DB in clos's scope, so a reload would not
// bring back what clos applied. Compared only where the running config is what clos wants: a
// key the diff would change already has its own config finding (and apply saves after fixing
// it). Inside clos's scope means the keys it owns (whole entries: ownership.ts) and the fields
// it renders of the entries it shares (DEVICE_METADATA, PORT).
import type { Change } from '../diff/diff.ts';
import { owns, type Ownership } from '../diff/ownership.ts';
import type { Fields, FlatDb } from '../diff/flat.ts';
import { findingId, type Finding } from './finding.ts';

export interface UnsavedInput {
  readonly switch: string;
  /** CONFIG_DB as read (the managed tables). */
  readonly running: FlatDb;
  /** The startup config in flat form (startupToFlat). */
  readonly startup: FlatDb;
  readonly desired: FlatDb;
  readonly ownership: Ownership;
  /** What apply would change: those keys are config findings already. */
  readonly changes: readonly Change[];
}

/** The object of the finding: one per switch, listing the keys that differ. */
export const UNSAVED_OBJECT = 'startup config';

/** The keys of clos's scope whose startup entry differs from the running one, in key order. */
export function unsavedKeys(i: UnsavedInput): string[] {
  const changed = new Set(i.changes.map((c) => c.key));
  const keys = new Set<string>();
  for (const db of [i.running, i.startup]) for (const k of db.keys()) if (owns(i.ownership, k)) keys.add(k);
  for (const k of i.desired.keys()) keys.add(k);
  const out: string[] = [];
  for (const k of [...keys].sort()) {
    if (changed.has(k)) continue;
    const want = i.desired.get(k);
    // Shared entries: only the fields clos renders.
    const fields = !owns(i.ownership, k) && want ? Object.keys(want) : undefined;
    if (!same(i.running.get(k), i.startup.get(k), fields)) out.push(k);
  }
  return out;
}

export function unsavedFinding(i: UnsavedInput): Finding | null {
  const keys = unsavedKeys(i);
  if (keys.length === 0) return null;
  const shown = keys.slice(0, 5).map((k) => `${k} (${describe(i.running.get(k), i.startup.get(k))})`);
  return {
    id: findingId(i.switch, 'unsaved', UNSAVED_OBJECT),
    switch: i.switch,
    object: UNSAVED_OBJECT,
    class: 'unsaved',
    severity: 'warning',
    expected: 'the startup config holds the running CONFIG_DB in clos\'s scope (a reload reproduces it)',
    actual: `${keys.length} key(s) differ: ${shown.join('; ')}${keys.length > 5 ? '; …' : ''}`,
    detail: 'a config reload or reboot would load the startup config and lose what is running (an apply with --no-save, a failed save, or an edit of the file)',
    link: null,
    causedBy: null,
    remediation: { kind: 'investigate', action: `save the running config on ${i.switch} (config save -y; clos apply saves after every write it makes)` },
  };
}

function same(a: Fields | undefined, b: Fields | undefined, fields?: readonly string[]): boolean {
  if (!a || !b) return a === b;
  const names = fields ?? [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return names.every((f) => a[f] === b[f]);
}

function describe(running: Fields | undefined, startup: Fields | undefined): string {
  if (!startup) return 'not in the startup config';
  if (!running) return 'only in the startup config';
  return 'fields differ';
}

/** A config_db.json document (`{TABLE: {key: {field: value}}}`) in the flat form: scalars as
 *  their string (sonic-cfggen writes every value as its string), lists as `name@` = "a,b".
 *  Throws a message naming what is wrong. */
export function startupToFlat(text: string): Map<string, Fields> {
  const doc = JSON.parse(text) as unknown;
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(doc)) throw new Error('the startup config is not a JSON object of tables');
  const out = new Map<string, Fields>();
  for (const [table, entries] of Object.entries(doc)) {
    if (!isObj(entries)) throw new Error(`table ${table} of the startup config is not an object of entries`);
    for (const [key, fields] of Object.entries(entries)) {
      if (!isObj(fields)) throw new Error(`${table}|${key} of the startup config is not an object of fields`);
      const flat: Record<string, string> = {};
      for (const [f, v] of Object.entries(fields)) {
        if (Array.isArray(v)) flat[`${f}@`] = v.map(String).join(',');
        else if (f !== 'NULL') flat[f] = String(v);
      }
      out.set(`${table}|${key}`, flat);
    }
  }
  return out;
}
