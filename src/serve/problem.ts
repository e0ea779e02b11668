// Errors of the API as RFC 9457 problem details (application/problem+json): a stable `code`
// (the same words as the CLI's error codes where there is one), a title, and what happened.
// Every error thrown in a route ends here; nothing else writes an error body.
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { formatDiagnostic } from '../core/diagnostics.ts';
import { FabricInvalidError } from '../io/fabric.ts';
import { RunLockedError } from '../io/run-lock.ts';
import { InventoryError } from '../inventory/load.ts';

export const PROBLEM_TYPE = 'application/problem+json';

export const problemSchema = z
  .object({
    type: z.string().describe('urn:clos:problem:<code>'),
    title: z.string(),
    status: z.number().int(),
    code: z.string().describe('stable, for programs: docs/api.md lists them'),
    detail: z.string(),
    instance: z.string().optional().describe('the request path'),
  })
  .catchall(z.unknown())
  .describe('RFC 9457 problem details');

export type Problem = z.infer<typeof problemSchema>;

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  429: 'Too many requests',
  500: 'Internal error',
  502: 'Switch error',
  503: 'Unavailable',
};

/** An error the API answers with on purpose. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function problem(status: number, code: string, detail: string, extra: Record<string, unknown> = {}): Problem {
  return { type: `urn:clos:problem:${code.toLowerCase().replace(/_/g, '-')}`, title: TITLES[status] ?? 'Error', status, code, detail, ...extra };
}

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  if (p.status === 401) reply.header('www-authenticate', 'Bearer realm="clos"');
  return reply.code(p.status).type(PROBLEM_TYPE).send({ ...p, instance: reply.request.url.split('?')[0] });
}

/** What an exception becomes. */
export function toProblem(e: unknown): Problem {
  if (e instanceof ApiError) return problem(e.status, e.code, e.message, e.extra);
  if (e instanceof RunLockedError) return problem(409, 'RUN_LOCKED', e.message, { holder: e.holder });
  if (e instanceof FabricInvalidError) return problem(422, 'FABRIC_INVALID', `the fabric file is invalid: ${e.diagnostics.length} error(s)`, { diagnostics: e.diagnostics.map(formatDiagnostic) });
  if (e instanceof InventoryError) return problem(422, 'INVENTORY_INVALID', e.message);
  if (e instanceof z.ZodError) return problem(400, 'BAD_REQUEST', e.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
  const fe = e as FastifyError & { code?: string };
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code = fe.statusCode === 429 ? 'RATE_LIMITED' : fe.statusCode === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : fe.statusCode === 404 ? 'NOT_FOUND' : 'BAD_REQUEST';
    return problem(fe.statusCode, code, fe.message);
  }
  // A switch or bring-up error keeps its own code (UNKNOWN_RACK, NOTHING_TO_RESUME, …).
  if (fe.code && /^[A-Z][A-Z_]+$/.test(fe.code)) return problem(fe.code.startsWith('UNKNOWN_') || fe.code.startsWith('NOTHING_') ? 422 : 502, fe.code, fe.message);
  return problem(500, 'INTERNAL', (e as Error)?.message ?? String(e));
}

export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((e, req, reply) => {
    const p = toProblem(e);
    if (p.status >= 500) req.log.error({ code: p.code, detail: p.detail }, 'request failed');
    return sendProblem(reply, p);
  });
  app.setNotFoundHandler((req, reply) => sendProblem(reply, problem(404, 'NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`)));
}
