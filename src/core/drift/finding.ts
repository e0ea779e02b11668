// What drift reports: one finding per switch and object that differs from the fabric file, with
// its class, severity and remediation. The JSON form (src/results/drift-schema.ts) is checked
// against these types at compile time.
import type { Change } from '../diff/diff.ts';

/** In report order: what hides everything else first, then the physical world, then config
 *  (foreign config first: factory or another tool's entries inside clos's scope, the usual
 *  reason a switch clos adopts does not converge; unsaved: the startup config would not bring
 *  back what runs), then operational state. */
export const DRIFT_CLASSES = ['unreachable', 'cabling', 'foreign', 'missing', 'extra', 'changed-outside', 'mismatch', 'unsaved', 'not-converged'] as const;
export type DriftClass = (typeof DRIFT_CLASSES)[number];

export const SEVERITIES = ['error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type Remediation =
  /** The change `clos apply` makes for this object: the diff engine's own Change. */
  | { readonly kind: 'apply'; readonly change: Change }
  /** Hands on the hardware: a cable to move. */
  | { readonly kind: 'physical'; readonly action: string }
  /** Nothing clos can write fixes it: what to look at, and where. */
  | { readonly kind: 'investigate'; readonly action: string };

export interface Finding {
  /** Stable across runs while the difference lasts: `switch/class/object` (watch compares ids). */
  readonly id: string;
  readonly switch: string;
  /** A CONFIG_DB key (`BGP_NEIGHBOR|10.1.0.0`), or what the state is about (`link leaf1:Ethernet120
   *  -- spine1:Ethernet0`, `route to leaf2 10.0.0.3/32`, `switch`). */
  readonly object: string;
  readonly class: DriftClass;
  readonly severity: Severity;
  readonly expected: string;
  readonly actual: string;
  /** More context for people (what clos last applied, what the other end sees). */
  readonly detail: string | null;
  /** The leaf-spine cable the finding is about (`leaf1 -- spine1`), for pictures; null when none. */
  readonly link: string | null;
  /** The finding that explains this one (a session down because its link is down): the root
   *  cause, never itself caused by another. */
  readonly causedBy: string | null;
  readonly remediation: Remediation;
}

export function findingId(sw: string, cls: DriftClass, object: string): string {
  return `${sw}/${cls}/${object}`;
}
