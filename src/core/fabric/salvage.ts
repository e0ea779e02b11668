// Error recovery after schema errors: the parts of the file that are wrong are cut out (an
// optional key removed, a list entry or a required value replaced by a stand-in) so that the
// checks of the later stages still run on everything else, and the user sees every independent
// problem in one run. What was cut is recorded; resolve never reports on, nor derives from, a
// cut part, so a stand-in can never cause an error of its own.
import type { z } from 'zod';
import { diag, type Diagnostic, type DocPath } from '../diagnostics.ts';
import { fabricSchema, type RawFabric } from './schema.ts';
import { dotted, schemaDiagnostics } from './schema-errors.ts';
import { closestKey, containerAt, isOptional } from './schema-walk.ts';

type Issue = z.core.$ZodIssue;

/** The parts of the file that were cut before the later checks ran. */
export interface Broken {
  /** Whether the value at this path, or one that holds it, was cut or replaced. */
  has(path: DocPath): boolean;
  /** Names of switches that were cut: a link naming one is not "unknown". */
  readonly names: ReadonlySet<string>;
  /** Switches were cut whose names are not known: no link end can be called unknown. */
  readonly namesIncomplete: boolean;
  /** Whether anything besides unknown keys was cut (then only resolve's checks run). */
  readonly cut: boolean;
}

export const NOTHING_BROKEN: Broken = { has: () => false, names: new Set(), namesIncomplete: false, cut: false };

/** Lists whose entries stand on their own: one bad entry is cut, the others are checked. */
const INDEPENDENT = new Set(['spines', 'racks', 'racks[].leaves', 'links']);
/** Stand-ins for required values, valid for the schema; resolve skips them (Broken.has). */
const STAND_IN: Record<string, unknown> = {
  fabric: 'x',
  underlay: { asn: { spine: 1, leaves: '1-1' }, loopbacks: '0.0.0.0/32', p2p: '0.0.0.0/32' },
  'underlay.asn': { spine: 1, leaves: '1-1' },
  'underlay.asn.spine': 1,
  'underlay.asn.leaves': '1-1',
  'underlay.loopbacks': '0.0.0.0/32',
  'underlay.p2p': '0.0.0.0/32',
  spines: ['x'],
  'spines[]': 'x',
  racks: [{ name: 'x', leaves: ['x'] }],
  'racks[]': { name: 'x', leaves: ['x'] },
  'racks[].leaves[]': 'x',
  'links[]': 'x:Ethernet0 -- x:Ethernet0',
  cabling: { 'leaf-uplinks': ['Ethernet0'], 'spine-ports': 'Ethernet0' },
  'cabling.leaf-uplinks': ['Ethernet0'],
  'cabling.spine-ports': 'Ethernet0',
};

const pattern = (path: DocPath) => path.map((s) => (typeof s === 'number' ? '[]' : `.${s}`)).join('').replace(/^\./, '');
const keyOf = (path: DocPath) => JSON.stringify(path);
type Obj = Record<string | number, unknown>;

function valueAt(data: unknown, path: DocPath): unknown {
  let v = data;
  for (const step of path) v = v !== null && typeof v === 'object' ? (v as Obj)[step] : undefined;
  return v;
}

class BrokenSet implements Broken {
  private readonly paths = new Set<string>();
  readonly names = new Set<string>();
  namesIncomplete = false;
  cut = false;
  has(path: DocPath): boolean {
    for (let n = 0; n <= path.length; n++) if (this.paths.has(keyOf(path.slice(0, n)))) return true;
    return false;
  }
  add(path: DocPath, was: unknown): void {
    this.paths.add(keyOf(path));
    this.cut = true;
    const p = pattern(path);
    if (p === 'spines' || p === 'racks') this.namesIncomplete = true;
    else if (p === 'spines[]' || p === 'racks[].leaves[]') this.addName(was);
    else if (p === 'racks[]') {
      const leaves = (was as { leaves?: unknown } | null)?.leaves;
      if (Array.isArray(leaves)) leaves.forEach((l) => this.addName(l));
      else this.namesIncomplete = true;
    }
  }
  private addName(was: unknown): void {
    const name = typeof was === 'string' ? was : (was as { name?: unknown } | null)?.name;
    if (typeof name === 'string') this.names.add(name);
    else this.namesIncomplete = true;
  }
}

/** Cuts the smallest part holding a bad value: an optional key, a platform, an entry of an
 *  independent list, else the value itself is replaced by its stand-in. False if none fits. */
function cut(work: unknown, path: DocPath, broken: BrokenSet): boolean {
  for (let n = path.length; n >= 1; n--) {
    const p = path.slice(0, n);
    const parent = p.slice(0, -1);
    const holder = valueAt(work, parent);
    if (holder === null || typeof holder !== 'object') continue;
    const last = p[n - 1]!;
    const kind = containerAt(parent);
    if ((kind === 'object' && isOptional(p)) || kind === 'record') {
      broken.add(p, (holder as Obj)[last]);
      delete (holder as Obj)[last];
      return true;
    }
    if (kind === 'array' && INDEPENDENT.has(pattern(parent)) && STAND_IN[pattern(p)] !== undefined) {
      broken.add(p, (holder as Obj)[last]);
      (holder as Obj)[last] = structuredClone(STAND_IN[pattern(p)]);
      return true;
    }
  }
  for (let n = path.length; n >= 1; n--) {
    const p = path.slice(0, n);
    const holder = valueAt(work, p.slice(0, -1));
    const standIn = STAND_IN[pattern(p)];
    if (standIn === undefined || holder === null || typeof holder !== 'object') continue;
    broken.add(p, (holder as Obj)[p[n - 1]!]);
    (holder as Obj)[p[n - 1]!] = structuredClone(standIn);
    return true;
  }
  return false;
}

export interface Recovered {
  /** The file with its bad parts cut, when that left a well-formed file. */
  readonly raw?: RawFabric;
  readonly broken: Broken;
  readonly diagnostics: readonly Diagnostic[];
}

/** Every schema problem of the file, and what remains of it once the bad parts are cut. */
export function recover(data: object, firstIssues: readonly Issue[]): Recovered {
  const work = structuredClone(data);
  const broken = new BrokenSet();
  const renamed = new Map<string, string>(); // path of the key taken as meant → key as written
  const diagnostics: Diagnostic[] = [];
  // A problem found inside a key taken as meant is shown at the key as written.
  const asWritten = (path: DocPath): DocPath => {
    const out = [...path];
    for (let n = 1; n <= out.length; n++) {
      const was = renamed.get(keyOf(out.slice(0, n)));
      if (was !== undefined) out[n - 1] = was;
    }
    return out;
  };
  let issues = firstIssues;
  for (let round = 0; round < 8; round++) {
    for (const i of issues) {
      if (i.code !== 'unrecognized_keys') continue;
      const holder = valueAt(work, i.path as DocPath) as Obj;
      for (const k of i.keys) {
        const meant = closestKey(k, i.path as DocPath, new Set(Object.keys(holder)));
        const where = dotted(i.path as DocPath);
        const hint = meant ? `did you mean ${meant}?` : 'check the spelling; docs/fabric-file.md lists every key';
        diagnostics.push(diag('UNKNOWN_KEY', asWritten([...(i.path as DocPath), k]), `unknown key "${k}" in ${where}`, hint, 'key'));
        // A typo of a key not written is read as that key, so its content is still checked.
        if (meant) {
          holder[meant] = holder[k];
          renamed.set(keyOf([...(i.path as DocPath), meant]), k);
        }
        delete holder[k];
      }
    }
    const others = issues.filter((i) => i.code !== 'unrecognized_keys' && !(renamed.has(keyOf(i.path as DocPath)) && valueAt(work, i.path as DocPath) !== undefined && i.code === 'invalid_type'));
    diagnostics.push(...schemaDiagnostics(others, work).map((d) => ({ ...d, path: asWritten(d.path) })));
    for (const i of others) if (!cut(work, i.path as DocPath, broken)) return { broken, diagnostics };
    const again = fabricSchema.safeParse(work);
    if (again.success) return { raw: again.data, broken, diagnostics };
    issues = again.error.issues;
  }
  return { broken, diagnostics };
}
