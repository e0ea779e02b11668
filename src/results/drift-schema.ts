// The drift report: what `clos drift --format json` prints, what the watch history keeps and
// what every other format is made from. Defined once here; docs/drift.schema.json is exported
// from it (`npm run schema`) and docs/drift.md describes it.
import { z } from 'zod';
import { DRIFT_CLASSES, SEVERITIES } from '../core/drift/finding.ts';

const fields = z.record(z.string(), z.string());

export const changeSchema = z
  .strictObject({
    op: z.enum(['add', 'update', 'replace', 'delete']).describe('add: new entry; update: HSET/HDEL of fields; replace: DEL then HSET; delete: DEL'),
    key: z.string().describe('CONFIG_DB key, TABLE|key'),
    set: fields.nullable().describe('fields written (the whole entry for add and replace)'),
    unset: z.array(z.string()).describe('fields removed'),
    before: fields.nullable().describe('the entry on the switch before the change; null when absent'),
    after: fields.nullable().describe('the entry after the change; null for delete'),
    impact: z.enum(['none', 'session-reset', 'session-removed', 'restart']),
    why: z.string().nullable(),
  })
  .describe('a change of the diff engine: exactly what `clos apply` writes');

export const remediationSchema = z.strictObject({
  kind: z.enum(['apply', 'physical', 'investigate']).describe('apply: `clos apply` makes `change`; physical: a cable to move; investigate: nothing clos writes fixes it'),
  text: z.string().min(1).describe('the remediation in one line, for people'),
  change: changeSchema.nullable().describe('set when kind is apply'),
});

export const findingSchema = z.strictObject({
  id: z.string().min(1).describe('switch/class/object: stable while the difference lasts'),
  switch: z.string().min(1),
  object: z.string().min(1).describe('a CONFIG_DB key, or what the state is about (link, BGP session, address, route, cable, switch)'),
  class: z.enum(DRIFT_CLASSES),
  severity: z.enum(SEVERITIES),
  expected: z.string(),
  actual: z.string(),
  detail: z.string().nullable(),
  link: z.string().nullable().describe('the leaf-spine cable concerned, "leaf -- spine"'),
  causedBy: z.string().nullable().describe('id of the root-cause finding that explains this one'),
  remediation: remediationSchema,
});

const state = z.enum(['error', 'warning', 'info', 'ok']).describe('worst severity of its findings; ok when none');

export const driftReportSchema = z.strictObject({
  version: z.literal(1),
  fabric: z.string().min(1),
  at: z.string().describe('ISO 8601: when the switches were read'),
  durationMs: z.number().int().min(0),
  drift: z.boolean().describe('true when there is at least one finding (exit code 12)'),
  summary: z.strictObject({
    switches: z.number().int().min(0),
    unreachable: z.number().int().min(0),
    findings: z.number().int().min(0),
    rootCauses: z.number().int().min(0).describe('findings not explained by another one'),
    error: z.number().int().min(0),
    warning: z.number().int().min(0),
    info: z.number().int().min(0),
    byClass: z.record(z.enum(DRIFT_CLASSES), z.number().int().min(0)),
  }),
  switches: z.array(
    z.strictObject({
      name: z.string().min(1),
      role: z.enum(['spine', 'leaf']),
      endpoint: z.string().nullable(),
      flavour: z.enum(['sonic', 'legacy-vs']),
      state: state.describe('worst severity of the findings about the switch itself (not about one of its links, not explained by another finding)'),
      findings: z.number().int().min(0).describe('all findings of this switch'),
    }),
  ),
  links: z.array(
    z.strictObject({
      id: z.string().min(1).describe('"leaf -- spine"'),
      leaf: z.string(),
      leafPort: z.string(),
      spine: z.string(),
      spinePort: z.string(),
      state,
      findings: z.number().int().min(0),
    }),
  ),
  findings: z.array(findingSchema),
});

export type ChangeJson = z.infer<typeof changeSchema>;
export type FindingJson = z.infer<typeof findingSchema>;
export type DriftReport = z.infer<typeof driftReportSchema>;
export type LinkState = DriftReport['links'][number]['state'];

/** docs/drift.schema.json. */
export function driftJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(driftReportSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://clos.dev/schemas/drift.schema.json',
    title: 'clos drift report (v1)',
    description: 'Intent (the fabric file) vs CONFIG_DB vs operational state, per switch and object: `clos drift --format json`.',
  };
}
