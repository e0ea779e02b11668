// The routes of the API as data: method, path, who may call it, and zod schemas of what goes in
// and out. The app validates requests with these schemas and /api/openapi.json is generated
// from them: one source, so the document cannot drift from what the server does.
import { z } from 'zod';
import { driftReportSchema } from '../results/drift-schema.ts';
import { verifyReportSchema } from '../results/verify-schema.ts';
import { problemSchema } from './problem.ts';
import type { Role } from './tokens.ts';

export interface Reply {
  readonly description: string;
  readonly schema?: z.ZodType;
  /** Other than application/json (SSE, Prometheus text, HTML). */
  readonly content?: string;
}

export interface RouteDef {
  readonly id: string;
  readonly method: 'GET' | 'POST';
  readonly url: string; // fastify form: /api/v1/fabrics/:fabric
  readonly summary: string;
  /** null: no token needed. */
  readonly role: Role | null;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  readonly replies: Readonly<Record<number, Reply>>;
  /** Mutating: rate limited. */
  readonly limited?: boolean;
}

const fabricParam = z.object({ fabric: z.string().min(1).describe('the `fabric:` name of a served fabric file') });
const idParam = z.object({ id: z.string().min(1) });

export const holderSchema = z.object({
  pid: z.number().int(),
  host: z.string(),
  command: z.string(),
  runId: z.string(),
  since: z.string(),
  procStart: z.number().nullable(),
});

export const fabricSummarySchema = z.object({
  name: z.string(),
  file: z.string(),
  switches: z.number().int(),
  links: z.number().int(),
  racks: z.number().int(),
  lock: z.object({ held: z.boolean(), holder: holderSchema.nullable().describe('who runs on this fabric now (the run lock, CLI or API)') }),
});

export const fabricIntentSchema = z.object({
  name: z.string(),
  file: z.string(),
  switches: z.array(
    z.object({ name: z.string(), role: z.enum(['spine', 'leaf']), rack: z.string().nullable(), asn: z.number().int(), loopback: z.string(), routerId: z.string(), hwsku: z.string(), flavour: z.enum(['sonic', 'legacy-vs']) }),
  ),
  links: z.array(z.object({ id: z.string(), leaf: z.string(), leafPort: z.string(), leafIp: z.string(), spine: z.string(), spinePort: z.string(), spineIp: z.string() })),
  racks: z.array(z.object({ name: z.string(), leaves: z.array(z.string()) })),
});

export const planSchema = z.object({
  id: z.string(),
  fabric: z.string(),
  createdAt: z.string(),
  fingerprints: z.record(z.string(), z.string()).describe('per switch: SHA-256 of what plan read (CONFIG_DB managed tables, flavour, FRR); apply refuses the plan when one differs'),
  pending: z.boolean().describe('true when applying would change something'),
  plan: z.unknown().describe('what `clos plan --json` prints: allocationChanges and, per switch, the ordered changes with their impact'),
});

export const runStates = ['running', 'done', 'failed', 'rolled-back', 'interrupted'] as const;
export const runSchema = z.object({
  id: z.string(),
  kind: z.enum(['apply', 'bringup', 'rollback']),
  fabric: z.string(),
  state: z.enum(runStates),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  plan: z.string().nullable().describe('apply: the plan applied'),
  events: z.number().int().describe('progress events so far (GET …/events streams them)'),
  switches: z.record(z.string(), z.object({ status: z.string(), detail: z.string().nullable() })).describe('per switch: its latest step or result'),
  stages: z.array(z.object({ id: z.string(), status: z.string() })).describe('bring-up: its stages'),
  result: z.unknown().describe('when ended: apply/rollback outcomes, the bring-up record or dry run'),
});

const accepted = z.object({ run: z.string().describe('GET /api/v1/runs/{id}, …/events') });
const problems = (...codes: number[]): Record<number, Reply> => Object.fromEntries(codes.map((c) => [c, { description: PROBLEM_TEXT[c] ?? 'error', schema: problemSchema, content: 'application/problem+json' }]));
const PROBLEM_TEXT: Record<number, string> = {
  400: 'the request does not match the schema (BAD_REQUEST)',
  401: 'no token or an unknown one (UNAUTHORIZED)',
  403: 'the token lacks the role (FORBIDDEN)',
  404: 'no such fabric, plan or run',
  409: 'a run holds the fabric (RUN_LOCKED) or the plan is stale (PLAN_STALE)',
  422: 'the fabric file or inventory is invalid',
  429: 'too many mutating requests (RATE_LIMITED)',
};
const READ = problems(401, 403, 404, 422);
const OPERATE = problems(400, 401, 403, 404, 409, 422, 429);

export const API = {
  healthz: { id: 'healthz', method: 'GET', url: '/healthz', summary: 'liveness (no token)', role: null, replies: { 200: { description: 'serving', schema: z.object({ ok: z.literal(true), fabrics: z.number().int(), runs: z.number().int() }) } } },
  openapi: { id: 'openapi', method: 'GET', url: '/api/openapi.json', summary: 'this document', role: null, replies: { 200: { description: 'OpenAPI 3.1' } } },
  metrics: { id: 'metrics', method: 'GET', url: '/metrics', summary: 'Prometheus metrics (read, unless --metrics-public)', role: 'read', replies: { 200: { description: 'Prometheus text exposition', content: 'text/plain' }, ...problems(401, 403) } },
  whoami: { id: 'whoami', method: 'GET', url: '/api/v1/token', summary: 'the token presented: its name and role (the dashboard shows Apply to operate tokens only)', role: 'read', replies: { 200: { description: 'the token', schema: z.object({ name: z.string().nullable().describe('null when the server runs without tokens'), role: z.enum(['read', 'operate']) }) }, ...problems(401) } },
  fabrics: { id: 'fabrics', method: 'GET', url: '/api/v1/fabrics', summary: 'the served fabrics, with their lock state', role: 'read', replies: { 200: { description: 'fabrics', schema: z.object({ fabrics: z.array(fabricSummarySchema) }) }, ...problems(401, 403) } },
  fabric: { id: 'fabric', method: 'GET', url: '/api/v1/fabrics/:fabric', summary: 'the intent: switches, ASNs, loopbacks, links, racks', role: 'read', params: fabricParam, replies: { 200: { description: 'the compiled fabric', schema: fabricIntentSchema }, ...READ } },
  plan: {
    id: 'plan',
    method: 'POST',
    url: '/api/v1/fabrics/:fabric/plan',
    summary: 'read every switch and plan (kept by id for review and apply)',
    role: 'operate',
    params: fabricParam,
    body: z.object({ allowRenumber: z.boolean().optional(), prune: z.boolean().optional() }).strict().optional(),
    limited: true,
    replies: { 201: { description: 'the plan', schema: planSchema }, ...OPERATE },
  },
  getPlan: { id: 'getPlan', method: 'GET', url: '/api/v1/plans/:id', summary: 'a plan made before', role: 'read', params: idParam, replies: { 200: { description: 'the plan', schema: planSchema }, ...READ } },
  apply: {
    id: 'apply',
    method: 'POST',
    url: '/api/v1/fabrics/:fabric/apply',
    summary: 'apply exactly a reviewed plan; refused (409 PLAN_STALE) when a switch changed since',
    role: 'operate',
    params: fabricParam,
    body: z.object({ plan: z.string().min(1) }).strict(),
    limited: true,
    replies: { 202: { description: 'the run started', schema: accepted }, ...OPERATE },
  },
  bringup: {
    id: 'bringup',
    method: 'POST',
    url: '/api/v1/fabrics/:fabric/bringup',
    summary: 'staged, gated bring-up of the fabric or of racks (as `clos bringup`)',
    role: 'operate',
    params: fabricParam,
    body: z
      .object({
        racks: z.array(z.string().min(1)).optional(),
        dryRun: z.boolean().optional(),
        resume: z.boolean().optional().describe('continue the last run that did not finish'),
        timeout: z.string().optional().describe('gate budget, as --timeout (60s)'),
      })
      .strict()
      .optional(),
    limited: true,
    replies: { 202: { description: 'the run started', schema: accepted }, ...OPERATE },
  },
  rollback: {
    id: 'rollback',
    method: 'POST',
    url: '/api/v1/fabrics/:fabric/rollback',
    summary: 'restore checkpoints (as `clos rollback`)',
    role: 'operate',
    params: fabricParam,
    body: z.object({ switch: z.string().min(1).optional(), to: z.string().min(1).optional() }).strict().optional(),
    limited: true,
    replies: { 202: { description: 'the run started', schema: accepted }, ...OPERATE },
  },
  verify: {
    id: 'verify',
    method: 'GET',
    url: '/api/v1/fabrics/:fabric/verify',
    summary: 'convergence from STATE_DB/APPL_DB (the `clos verify --format json` report)',
    role: 'read',
    params: fabricParam,
    query: z.object({ timeout: z.string().optional().describe('budget, as --timeout (default 10s)') }),
    replies: { 200: { description: 'the verify report', schema: verifyReportSchema }, ...READ },
  },
  drift: {
    id: 'drift',
    method: 'GET',
    url: '/api/v1/fabrics/:fabric/drift',
    summary: 'intent vs CONFIG_DB vs state (the `clos drift` report in any of its formats)',
    role: 'read',
    params: fabricParam,
    query: z.object({ format: z.enum(['json', 'md', 'junit', 'html']).optional().describe('default json') }),
    replies: { 200: { description: 'the drift report (json; md, junit and html as text)', schema: driftReportSchema }, ...READ },
  },
  picture: {
    id: 'picture',
    method: 'GET',
    url: '/api/v1/fabrics/:fabric/picture',
    summary: 'the fabric picture of the HTML drift report alone (SVG, racks folded past 16 leaves), coloured by the latest drift round (a fresh one when there is none)',
    role: 'read',
    params: fabricParam,
    replies: { 200: { description: 'SVG', content: 'image/svg+xml' }, ...READ },
  },
  runs: { id: 'runs', method: 'GET', url: '/api/v1/runs', summary: 'runs of this server, newest first', role: 'read', replies: { 200: { description: 'runs', schema: z.object({ runs: z.array(runSchema) }) }, ...problems(401, 403) } },
  run: { id: 'run', method: 'GET', url: '/api/v1/runs/:id', summary: 'one run: state, stages, per-switch results', role: 'read', params: idParam, replies: { 200: { description: 'the run', schema: runSchema }, ...READ } },
  runEvents: {
    id: 'runEvents',
    method: 'GET',
    url: '/api/v1/runs/:id/events',
    summary: 'Server-Sent Events: every progress event of the run (history first), ending with `done`',
    role: 'read',
    params: idParam,
    replies: { 200: { description: 'event stream', content: 'text/event-stream' }, ...READ },
  },
  events: {
    id: 'events',
    method: 'GET',
    url: '/api/v1/events',
    summary: 'Server-Sent Events of fabric state: drift rounds (--watch), runs started and ended',
    role: 'read',
    replies: { 200: { description: 'event stream', content: 'text/event-stream' }, ...problems(401, 403) },
  },
} as const satisfies Record<string, RouteDef>;
