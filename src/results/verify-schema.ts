// The verify report: what `clos verify --format json` prints and what the verify service
// returns. Defined once here; the TypeScript types come from it; docs/verify.md describes it.
import { z } from 'zod';

const ms = z.number().int().min(0);

export const checkResultSchema = z.strictObject({
  id: z.string().min(1).describe('unique per switch, e.g. "port Ethernet0 up (STATE_DB)"'),
  kind: z.enum(['port', 'interface', 'address', 'bgp-consumed', 'bgp-session', 'bgp-unexpected', 'route', 'lldp']),
  db: z.enum(['STATE_DB', 'APPL_DB', 'FRR']).describe('FRR: `show bgp summary json` read through the exec channel'),
  pass: z.boolean(),
  expected: z.string().describe('what the check wants, for people'),
  seen: z.string().describe('what was last found, for people (the error when the switch failed)'),
  timeToConvergeMs: ms.nullable().describe('from the start of verify until the check passed and kept passing; null when failing'),
});

const kindSchema = checkResultSchema.shape.kind;
const dbSchema = checkResultSchema.shape.db;

export const passingSchema = z.strictObject({
  kind: kindSchema,
  db: dbSchema,
  count: z.number().int().min(1),
  timeToConvergeMs: ms.describe('the slowest of them'),
});

export const switchReportSchema = z.strictObject({
  name: z.string().min(1),
  endpoint: z.string().nullable().describe('how the switch was reached; null when it could not be opened'),
  error: z.string().nullable().describe('the switch could not be read (switch, endpoint, cause); every check then fails'),
  passed: z.number().int().min(0),
  total: z.number().int().min(0),
  /** The slowest check, when all passed. */
  timeToConvergeMs: ms.nullable(),
  /** From the start of verify until this switch was done (converged, budget spent, or failed). */
  durationMs: ms,
  checks: z.array(checkResultSchema).describe('every check when the report lists all (checksListed "all"); else the failing ones only'),
  passing: z.array(passingSchema).describe('the passing checks, counted per kind and database'),
});

export const verifyReportSchema = z.strictObject({
  version: z.literal(1),
  converged: z.boolean(),
  startedAt: z.string().describe('ISO 8601'),
  timeoutMs: ms,
  durationMs: ms,
  checksListed: z
    .enum(['all', 'failing'])
    .describe('all: switches[].checks has every check; failing: only the failing ones (large fabrics: over a million checks at 1,000 switches), the passing ones are counted in switches[].passing'),
  summary: z.strictObject({
    switches: z.number().int().min(0),
    checks: z.number().int().min(0),
    passed: z.number().int().min(0),
    failed: z.number().int().min(0),
    timeToConvergeMs: ms.nullable().describe('the slowest check of the fabric, when all passed'),
  }),
  switches: z.array(switchReportSchema),
});

export type CheckResult = z.infer<typeof checkResultSchema>;
export type SwitchReport = z.infer<typeof switchReportSchema>;
export type PassingChecks = z.infer<typeof passingSchema>;
export type VerifyReport = z.infer<typeof verifyReportSchema>;

/** Counts one passing check into its kind's group (a few kinds: found by a scan, nothing built
 *  per check — a large fabric has a million passing route checks). */
export function countPassing(groups: PassingChecks[], kind: CheckResult['kind'], db: CheckResult['db'], timeToConvergeMs: number): void {
  const g = groups.find((p) => p.kind === kind && p.db === db);
  if (!g) groups.push({ kind, db, count: 1, timeToConvergeMs });
  else {
    g.count++;
    g.timeToConvergeMs = Math.max(g.timeToConvergeMs, timeToConvergeMs);
  }
}
