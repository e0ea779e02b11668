// Turns schema issues into diagnostics that say what is wrong in the user's words: the dotted
// path, the value found and what was expected.
import type { z } from 'zod';
import { diag, type Diagnostic, type DocPath } from '../diagnostics.ts';

type Issue = z.core.$ZodIssue;

export function dotted(path: DocPath): string {
  let out = '';
  for (const step of path) out += typeof step === 'number' ? `[${step}]` : out ? `.${step}` : step;
  return out || '(top level)';
}

function valueAt(data: unknown, path: DocPath): unknown {
  let v = data;
  for (const step of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[step];
  }
  return v;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return `"${v}"`;
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

/** What a string of this path must look like, for BAD_VALUE hints. */
const FORMATS: readonly [RegExp, string][] = [
  [/adoption\.keep\.\[\d+\]$/, 'a CONFIG_DB key "TABLE|key", e.g. INTERFACE|Ethernet60|192.0.2.1/31'],
  [/^fabric$/, 'lower-case letters, digits and "-", e.g. dc1'],
  [/^racks\.\[\d+\]\.name$/, 'lower-case letters, digits and "-", e.g. r1'],
  [/\.(loopbacks|p2p|servers)$/, 'an IPv4 prefix, e.g. 10.0.0.0/24'],
  [/asn\.leaves$/, 'an ASN range FIRST-LAST, e.g. 65101-65534'],
  [/(mgmt|loopback)$/, 'an IPv4 address, e.g. 10.0.0.1'],
  [/^links\.\[\d+\]$/, 'a cable "leaf1:Ethernet120 -- spine1:Ethernet8"'],
  [/(ports|spine-ports)(\.\[\d+\])?$/, 'a port range "Ethernet0-Ethernet28/4" or a port name'],
  [/leaf-uplinks\.\[\d+\]$/, 'a port name, e.g. Ethernet120'],
  [/name$/, 'letters, digits, ".", "_" and "-", e.g. leaf1'],
  [/lanes$/, 'comma-separated lane numbers, e.g. 25,26,27,28'],
];

function formatHint(path: string): string {
  for (const [re, text] of FORMATS) if (re.test(path.replace(/\[(\d+)\]/g, '.[$1]').replace('..', '.'))) return text;
  return 'see docs/fabric-file.md';
}

function issueDiagnostics(issue: Issue, data: unknown): Diagnostic[] {
  const path = issue.path as DocPath;
  const where = dotted(path);
  const value = valueAt(data, path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) =>
        diag('UNKNOWN_KEY', [...path, k], `unknown key "${k}" in ${where}`, 'check the spelling; docs/fabric-file.md lists every key', 'key'),
      );
    case 'invalid_type':
      if (value === undefined) {
        return [diag('MISSING_KEY', path.slice(0, -1), `${where} is required`, `add ${String(path[path.length - 1])}: …`, 'key')];
      }
      return [diag('BAD_TYPE', path, `${where} must be ${article(issue.expected)}, got ${show(value)}`, 'see docs/fabric-file.md')];
    case 'invalid_format':
      return [diag('BAD_VALUE', path, `${where} ${show(value)} is not valid`, formatHint(where))];
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? `at least ${String(issue.minimum)}` : `at most ${String(issue.maximum)}`;
      if (issue.origin === 'array') return [diag('BAD_VALUE', path, `${where} must have ${bound} entries`, 'see docs/fabric-file.md')];
      return [diag('BAD_VALUE', path, `${where} ${show(value)} must be ${bound}`, 'see docs/fabric-file.md')];
    }
    case 'invalid_value':
      return [diag('BAD_VALUE', path, `${where} ${show(value)} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`)];
    case 'invalid_union': {
      // A name-or-mapping entry: report against the branch that matches the value's type.
      const branch = issue.errors.find((errs) => !errs.some((e) => e.code === 'invalid_type' && e.path.length === 0));
      if (branch) return branch.flatMap((e) => issueDiagnostics({ ...e, path: [...path, ...e.path] } as Issue, data));
      return [diag('BAD_TYPE', path, `${where} has an unexpected form, got ${show(value)}`, formatHint(where))];
    }
    default:
      return [diag('BAD_VALUE', path, `${where}: ${issue.message}`)];
  }
}

function article(t: string): string {
  const name = t === 'object' ? 'mapping' : t === 'array' ? 'list' : t === 'int' ? 'whole number' : t;
  return /^[aeiou]/.test(name) ? `an ${name}` : `a ${name}`;
}

export function schemaDiagnostics(issues: readonly Issue[], data: unknown): Diagnostic[] {
  return issues.flatMap((i) => issueDiagnostics(i, data));
}
