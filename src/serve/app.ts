// The API and the dashboard as one fastify app, built apart from listening: tests drive it with
// inject() and with real sockets; `clos serve` listens (server.ts). Every route comes from its
// definition in api.ts: the same schemas validate requests and make the OpenAPI document.
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Logger } from '../log.ts';
import type { SessionOptions } from '../services/session.ts';
import { API, type RouteDef } from './api.ts';
import { registerDashboard } from './dashboard.ts';
import { Fabrics, type ServedFabric } from './fabrics.ts';
import { Jobs } from './jobs.ts';
import { Metrics } from './metrics.ts';
import { PlanStore } from './plans.ts';
import { ApiError, installProblemHandlers } from './problem.ts';
import { registerRoutes } from './routes.ts';
import { FabricBus, RunStore } from './runs.ts';
import { SseHub } from './sse.ts';
import type { Role, TokenEntry, TokenStore } from './tokens.ts';
import { DriftWatcher } from './watch.ts';

export interface AppOptions {
  readonly fabrics: readonly ServedFabric[];
  readonly session?: SessionOptions;
  /** null: no tokens (allowed on a loopback address only; server.ts enforces it). */
  readonly tokens: TokenStore | null;
  readonly metricsPublic?: boolean;
  /** Drift every interval, its results on /api/v1/events and /metrics. */
  readonly watchMs?: number;
  /** Mutating requests per token (or address) per minute (default 60). */
  readonly rateLimit?: number;
  readonly https?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  readonly log?: Logger;
}

export interface AppContext {
  readonly options: AppOptions;
  readonly fabrics: Fabrics;
  readonly runs: RunStore;
  readonly plans: PlanStore;
  readonly bus: FabricBus;
  readonly metrics: Metrics;
  readonly jobs: Jobs;
  readonly sse: SseHub;
  readonly watcher: DriftWatcher;
}

declare module 'fastify' {
  interface FastifyRequest {
    token?: TokenEntry;
  }
}

export type Handler = (ctx: { params: Record<string, string>; query: Record<string, unknown>; body: unknown; req: FastifyRequest; reply: FastifyReply }) => Promise<unknown>;

export async function buildApp(options: AppOptions): Promise<FastifyInstance & { clos: AppContext }> {
  const app = Fastify({
    // clos's own logger (stderr). Requests are logged with method, path and address, never
    // their headers: a token stays out of the logs.
    ...(options.log ? { loggerInstance: options.log } : { logger: false }),
    ...(options.https ? { https: { cert: options.https.cert, key: options.https.key } } : {}),
    bodyLimit: 64 * 1024,
    forceCloseConnections: true,
  }) as unknown as FastifyInstance;
  installProblemHandlers(app);
  await app.register(helmet, {
    contentSecurityPolicy: { directives: { 'upgrade-insecure-requests': options.https ? [] : null, 'img-src': ["'self'", 'data:'] } },
    hsts: Boolean(options.https),
  });
  await app.register(rateLimit, {
    global: false,
    keyGenerator: (req) => req.token?.sha256 ?? req.ip,
    errorResponseBuilder: (_req, ctx) => new ApiError(429, 'RATE_LIMITED', `at most ${ctx.max} mutating requests per ${ctx.after.replace(/^1 /, '')}; try again in ${Math.ceil(ctx.ttl / 1000)} s`),
  });

  const bus = new FabricBus();
  const runs = new RunStore(bus);
  const plans = new PlanStore();
  const metrics = new Metrics();
  const fabrics = new Fabrics(options.fabrics, options.session ?? {});
  const jobs = new Jobs(fabrics, runs, plans, metrics, options.log);
  const sse = new SseHub();
  const watcher = new DriftWatcher(fabrics, bus, metrics, options.log);
  const ctx: AppContext = { options, fabrics, runs, plans, bus, metrics, jobs, sse, watcher };

  const route = (def: RouteDef, handler: Handler) => {
    app.route({
      method: def.method,
      url: def.url,
      ...(def.limited ? { config: { rateLimit: { max: options.rateLimit ?? 60, timeWindow: '1 minute' } } } : {}),
      onRequest: async (req) => authorize(req, def.id === 'metrics' && options.metricsPublic ? null : def.role, options.tokens),
      handler: async (req, reply) => {
        const params = parse(def.params, req.params) as Record<string, string>;
        const query = parse(def.query, req.query) as Record<string, unknown>;
        const body = def.body ? parse(def.body, req.body ?? undefined) : undefined;
        const out = await handler({ params, query, body, req, reply });
        return reply.sent ? reply : out;
      },
    });
  };
  registerRoutes(route, ctx);
  registerDashboard(app);

  app.addHook('onClose', async () => {
    watcher.stop();
    sse.endAll();
    await jobs.drain();
    await watcher.stopped();
    await fabrics.close();
  });
  app.addHook('onReady', async () => {
    if (options.watchMs) watcher.start(options.watchMs);
  });
  return Object.assign(app, { clos: ctx });
}

function parse(schema: z.ZodType | undefined, value: unknown): unknown {
  return schema ? schema.parse(value) : value;
}

/** 401 without a token or with one the tokens file does not know; 403 for the wrong role
 *  (operate may do what read may). The token itself is never logged or echoed. */
function authorize(req: FastifyRequest, role: Role | null, tokens: TokenStore | null): void {
  if (role === null || tokens === null) return;
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  if (!m) throw new ApiError(401, 'UNAUTHORIZED', 'this route needs a bearer token (Authorization: Bearer <token>)');
  const entry = tokens.check(m[1]!);
  if (!entry) throw new ApiError(401, 'UNAUTHORIZED', 'the bearer token is not one of this server\'s tokens');
  req.token = entry;
  if (role === 'operate' && entry.role !== 'operate') throw new ApiError(403, 'FORBIDDEN', `token ${entry.name} has role ${entry.role}; this route needs operate`);
}

export { API };
