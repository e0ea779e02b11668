// The handlers of the API's routes (their definitions: api.ts). Thin: a served fabric's session
// → the service the CLI calls → the same report.
import { checkBuilder } from '../core/checks/checks.ts';
import { CableIndex } from '../core/drift/cables.ts';
import { InventoryError } from '../inventory/load.ts';
import { parseDuration } from '../core/values.ts';
import { formatDrift, type DriftFormat } from '../report/drift-format.ts';
import { formatDriftSvg } from '../report/drift-html.ts';
import type { DriftReport } from '../results/drift-schema.ts';
import { driftFabric } from '../services/drift.ts';
import { planFabric } from '../services/plan.ts';
import type { FabricSession } from '../services/session.ts';
import { verifyFabric } from '../services/verify.ts';
import { connectSwitch } from '../transport/connect.ts';
import type { AppContext, Handler } from './app.ts';
import { API, type RouteDef } from './api.ts';
import { fileTexts } from './fabrics.ts';
import { openApiDocument } from './openapi.ts';
import { hashText, planView } from './plans.ts';
import { ApiError } from './problem.ts';

const TEXT_TYPES: Record<Exclude<DriftFormat, 'json' | 'table'>, string> = { md: 'text/markdown; charset=utf-8', junit: 'application/xml; charset=utf-8', html: 'text/html; charset=utf-8' };

export function registerRoutes(route: (def: RouteDef, h: Handler) => void, c: AppContext): void {
  route(API.healthz, async () => ({ ok: true, fabrics: c.fabrics.list.length, runs: c.runs.running().length }));
  route(API.openapi, async () => openApiDocument());
  route(API.metrics, async ({ reply }) => reply.type(c.metrics.registry.contentType).send(await c.metrics.registry.metrics()));

  route(API.whoami, async ({ req }) => (req.token ? { name: req.token.name, role: req.token.role } : { name: null, role: 'operate' }));

  route(API.fabrics, async () => ({
    fabrics: await Promise.all(
      c.fabrics.list.map(async (f) => {
        const s = await c.fabrics.reader(f.name);
        const holder = c.fabrics.holder(s);
        return { name: f.name, file: f.file, switches: s.switches.length, links: new CableIndex(s.loaded.intents).cables.length, racks: s.loaded.fabric.racks.length, lock: { held: holder !== null, holder } };
      }),
    ),
  }));

  route(API.fabric, async ({ params }) => {
    const s = await c.fabrics.reader(params.fabric!);
    return {
      name: s.loaded.fabric.name,
      file: s.loaded.fabricPath,
      switches: s.loaded.intents.map((i) => ({ name: i.name, role: i.role, rack: i.rack ?? null, asn: i.asn, loopback: i.loopback, routerId: i.routerId, hwsku: i.hwsku, flavour: i.flavour })),
      links: new CableIndex(s.loaded.intents).cables.map((l) => ({ id: l.id, leaf: l.leaf, leafPort: l.leafPort, leafIp: l.leafIp, spine: l.spine, spinePort: l.spinePort, spineIp: l.spineIp })),
      racks: s.loaded.fabric.racks.map((r) => ({ name: r.name, leaves: [...r.leaves] })),
    };
  });

  route(API.plan, async ({ params, body, reply }) => {
    const alloc = (body ?? {}) as { allowRenumber?: boolean; prune?: boolean };
    const f = c.fabrics.get(params.fabric!);
    const files = hashText(fileTexts(f.file));
    // Its own session: allocation options change what is compiled.
    const s = await c.fabrics.open(f.name, false, alloc);
    try {
      requireInventory(s);
      const plans = await planFabric(s);
      const stored = c.plans.add(f.name, plans, s.loaded.changes, files, alloc);
      return reply.code(201).header('location', `/api/v1/plans/${stored.id}`).send(planView(stored));
    } finally {
      await s.close();
    }
  });

  route(API.getPlan, async ({ params }) => {
    const p = c.plans.get(params.id!);
    if (!p) throw new ApiError(404, 'PLAN_NOT_FOUND', `no plan ${params.id}`);
    return planView(p);
  });

  const accepted = (reply: Parameters<Handler>[0]['reply'], id: string) => reply.code(202).header('location', `/api/v1/runs/${id}`).send({ run: id });
  route(API.apply, async ({ params, body, reply }) => accepted(reply, (await c.jobs.apply(params.fabric!, (body as { plan: string }).plan)).id));
  route(API.bringup, async ({ params, body, reply }) => accepted(reply, (await c.jobs.bringup(params.fabric!, (body ?? {}) as Parameters<typeof c.jobs.bringup>[1])).id));
  route(API.rollback, async ({ params, body, reply }) => accepted(reply, (await c.jobs.rollback(params.fabric!, (body ?? {}) as { switch?: string; to?: string })).id));

  route(API.verify, async ({ params, query }) => {
    let timeoutMs: number;
    try {
      timeoutMs = parseDuration(String(query.timeout ?? '10s'), 'timeout');
    } catch (e) {
      throw new ApiError(400, 'BAD_REQUEST', (e as Error).message);
    }
    const s = await c.fabrics.reader(params.fabric!);
    requireInventory(s);
    const checks = checkBuilder(s.loaded.intents, { flavourOf: (i) => s.inventory.switches[i.name]?.flavour ?? i.flavour });
    const report = await verifyFabric({
      links: s.opts.connect ?? ((name) => connectSwitch(name, s.inventory.switches[name]!, s.opts.transport, process.env, s.opts.labExec)),
      checks,
      timeoutMs,
      concurrency: s.concurrency,
      switches: s.switches,
    });
    c.metrics.verify(s.loaded.fabric.name, report);
    return report;
  });

  route(API.drift, async ({ params, query, reply }) => {
    const s = await c.fabrics.reader(params.fabric!);
    requireInventory(s);
    const report = await driftFabric(s);
    c.watcher.publish(report);
    const format = (query.format ?? 'json') as DriftFormat;
    if (format === 'json') return report;
    return reply.type(TEXT_TYPES[format as keyof typeof TEXT_TYPES]).send(formatDrift(report, format, { racks: s.loaded.fabric.racks }));
  });

  route(API.picture, async ({ params, reply }) => {
    const s = await c.fabrics.reader(params.fabric!);
    const latest = c.bus.latest.get(s.loaded.fabric.name)?.data as { report: DriftReport } | undefined;
    let report = latest?.report;
    if (!report) {
      requireInventory(s);
      report = await driftFabric(s);
      c.watcher.publish(report);
    }
    return reply.type('image/svg+xml; charset=utf-8').send(formatDriftSvg(report, { racks: s.loaded.fabric.racks }));
  });

  route(API.runs, async () => ({ runs: c.runs.list().map((r) => r.json()) }));
  route(API.run, async ({ params }) => runOf(c, params.id!).json());

  route(API.runEvents, async ({ params, req, reply }) => {
    const run = runOf(c, params.id!);
    const after = Number(req.headers['last-event-id'] ?? 0) || 0;
    const stream = c.sse.start(reply);
    const stop = run.follow(after, (e) => {
      stream.send({ id: e.id, event: e.event, data: { ...((e.data ?? {}) as object), at: e.at, run: run.id } });
      if (e.event === 'done') stream.end();
    });
    if (run.endedAt) stream.end();
    stream.onClose(stop);
  });

  route(API.events, async ({ reply }) => {
    const stream = c.sse.start(reply);
    stream.onClose(c.bus.subscribe((e) => stream.send({ id: e.id, event: e.event, data: e.data })));
  });
}

function runOf(c: AppContext, id: string) {
  const run = c.runs.get(id);
  if (!run) throw new ApiError(404, 'RUN_NOT_FOUND', `no run ${id}`);
  return run;
}

/** As the CLI's drift and verify: every switch must be in the inventory. */
function requireInventory(s: FabricSession): void {
  if (s.opts.connect) return;
  const missing = s.switches.filter((n) => !s.inventory.switches[n]);
  if (missing.length) throw new InventoryError(`${s.inventoryFile}: no entry for ${missing.join(', ')} of fabric ${s.loaded.fabric.name}`);
}
