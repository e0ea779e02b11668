// The OpenAPI 3.1 document of the API, generated from the route definitions (api.ts).
// docs/openapi.json is this document (a test keeps them equal; `npm run openapi` rewrites it).
import { z } from 'zod';
import { driftReportSchema } from '../results/drift-schema.ts';
import { verifyReportSchema } from '../results/verify-schema.ts';
import { API, planSchema, runSchema, type RouteDef } from './api.ts';
import { problemSchema } from './problem.ts';

type Json = Record<string, unknown>;

/** Schemas used by several routes, written once under components.schemas. */
const NAMED = new Map<z.ZodType, string>([
  [problemSchema, 'Problem'],
  [driftReportSchema, 'DriftReport'],
  [verifyReportSchema, 'VerifyReport'],
  [planSchema, 'Plan'],
  [runSchema, 'Run'],
]);

const jsonSchema = (s: z.ZodType): Json => {
  const { $schema: _, ...rest } = z.toJSONSchema(s, { target: 'draft-2020-12', unrepresentable: 'any', io: 'input' }) as Json;
  return rest;
};

const schemaOf = (s: z.ZodType): Json => (NAMED.has(s) ? { $ref: `#/components/schemas/${NAMED.get(s)}` } : jsonSchema(s));

function parameters(def: RouteDef): Json[] {
  const out: Json[] = [];
  for (const [where, obj] of [['path', def.params], ['query', def.query]] as const) {
    if (!obj) continue;
    for (const [name, s] of Object.entries(obj.shape as Record<string, z.ZodType>)) {
      const js = schemaOf(s);
      out.push({ name, in: where, required: where === 'path' || !s.safeParse(undefined).success, ...(js.description ? { description: js.description } : {}), schema: js });
    }
  }
  return out;
}

function operation(def: RouteDef): Json {
  const responses: Json = {};
  for (const [code, r] of Object.entries(def.replies)) {
    const type = r.content ?? 'application/json';
    responses[code] = { description: r.description, ...(r.schema || r.content ? { content: { [type]: r.schema ? { schema: schemaOf(r.schema) } : {} } } : {}) };
  }
  const params = parameters(def);
  return {
    operationId: def.id,
    summary: def.summary,
    ...(def.role ? { security: [{ bearer: [] }], 'x-clos-role': def.role } : { security: [] }),
    ...(params.length ? { parameters: params } : {}),
    ...(def.body
      ? { requestBody: { required: !def.body.safeParse(undefined).success, content: { 'application/json': { schema: schemaOf(def.body) } } } }
      : {}),
    responses,
  };
}

export function openApiDocument(): Json {
  const paths: Record<string, Json> = {};
  for (const def of Object.values(API) as RouteDef[]) {
    const path = def.url.replace(/:([A-Za-z]+)/g, '{$1}');
    paths[path] = { ...paths[path], [def.method.toLowerCase()]: operation(def) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'clos serve',
      version: '1',
      description: 'The HTTP API of clos: the same services as the command line (plan, apply, bring-up, rollback, verify, drift), runs as jobs with Server-Sent Events, Prometheus metrics. Errors are RFC 9457 problem details with a stable `code` (docs/api.md).',
    },
    components: {
      schemas: Object.fromEntries([...NAMED].map(([s, name]) => [name, jsonSchema(s)])),
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'a token of `clos serve token add NAME --role read|operate`' } },
    },
    paths,
  };
}
