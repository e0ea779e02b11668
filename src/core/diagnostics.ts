// User errors are collected, never thrown one by one: every stage returns the problems it found
// so that a user sees all of them at once, each pointing at the line that causes it.

/** Every diagnostic code clos can emit for a fabric file, with a one-line meaning.
 *  docs/errors.md lists exactly these (a test keeps the two in sync). Codes are stable. */
export const DIAGNOSTIC_CODES = {
  FILE_NOT_FOUND: 'the fabric file does not exist',
  FILE_UNREADABLE: 'the fabric file or its lock cannot be read (permissions, a directory, an I/O error)',
  FILE_TOO_LARGE: 'the fabric file is larger than the limit (docs/fabric-file.md "Limits"); refused before it is parsed',
  YAML_SYNTAX: 'the file is not well-formed YAML',
  YAML_RESOURCE: 'the YAML would take too many resources: aliases expanding too far (a "billion laughs"), nesting too deep',
  UNKNOWN_KEY: 'a key that the fabric file format does not define',
  MISSING_KEY: 'a required key is absent',
  BAD_TYPE: 'a value has the wrong type (string, number, list, mapping)',
  BAD_VALUE: 'a value has the right type but a wrong form (name, prefix, range, VLAN id)',
  UNKNOWN_PLATFORM: 'a hwsku that is neither built in nor declared under platforms',
  BAD_PORT_RANGE: 'a port range that cannot be expanded (EthernetA-EthernetB/step)',
  UNKNOWN_PORT: 'a port that does not exist on the switch’s platform',
  DUPLICATE_NAME: 'two switches, racks or platforms with the same name',
  UNKNOWN_SWITCH: 'a link names a switch that the fabric does not declare',
  BAD_LINK: 'a link that is not one spine-to-leaf cable, or a second cable for the same pair',
  PORT_REUSED: 'one port used by two cables or roles',
  UPLINK_COUNT: 'leaf-uplinks does not have one port per spine',
  POOL_OVERLAP: 'two address pools overlap',
  POOL_EXHAUSTED: 'a pool or range is too small for what the fabric needs',
  ASN_RANGE: 'an AS number outside 1-4294967294 or outside its declared range, or the spine ASN inside the leaf range',
  PIN_CONFLICT: 'a pinned value is outside its pool, or pinned twice',
  SPINE_PORTS_EXHAUSTED: 'more leaves than a spine has ports to take them',
  RENUMBER: 'the change would move an existing allocation (refused without --allow-renumber)',
  LOCK_INVALID: 'the lock file cannot be read, belongs to another fabric, was cut short, or is inconsistent (two switches with one loopback, a link to a switch it does not have); reported at the lock\'s line',
  LINT_SESSION_MISMATCH: 'the two ends of a BGP session disagree (ASN, /31 pair, port)',
  LINT_ROUTER_ID: 'two switches share a router id',
  LINT_ECMP: 'ECMP cannot use every spine (maximum-paths below the spine count)',
  LINT_LEAF_ASN: 'a leaf ASN equal to the spine ASN',
  LINT_BGPCFGD: 'a rendered BGP_NEIGHBOR would wait forever in bgpcfgd (a precondition fails)',
} as const;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

/** A path into the fabric document, as YAML keys and list indexes. */
export type DocPath = readonly (string | number)[];

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly message: string;
  readonly hint?: string;
  readonly path: DocPath;
  /** Points at the key instead of the value (unknown keys, duplicate names). */
  readonly at?: 'key' | 'value';
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;
}

export function diag(
  code: DiagnosticCode,
  path: DocPath,
  message: string,
  hint?: string,
  at: 'key' | 'value' = 'value',
): Diagnostic {
  return hint === undefined ? { code, path, message, at } : { code, path, message, hint, at };
}

/** `file:line:col: error CODE: message (hint: …)`, the one format every diagnostic is shown in. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.file ?? '<fabric>'}:${d.line ?? 1}:${d.col ?? 1}`;
  const hint = d.hint ? ` (hint: ${d.hint})` : '';
  return `${where}: error ${d.code}: ${d.message}${hint}`;
}

/** Stable order: by line, then column, then code, so output never depends on check order. */
export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return [...ds].sort(
    (a, b) =>
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.col ?? 0) - (b.col ?? 0) ||
      a.code.localeCompare(b.code) ||
      a.message.localeCompare(b.message),
  );
}
