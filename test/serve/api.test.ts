// Every route of `clos serve` through inject(), on in-memory switches: status codes, schemas,
// problem details, auth, runs and their event streams, the run lock, stale plans.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driftReportSchema } from '../../src/results/drift-schema.ts';
import { verifyReportSchema } from '../../src/results/verify-schema.ts';
import { acquireRunLock } from '../../src/io/run-lock.ts';
import { API, fabricIntentSchema, fabricSummarySchema, planSchema, runSchema } from '../../src/serve/api.ts';
import { openApiDocument } from '../../src/serve/openapi.ts';
import { problemSchema } from '../../src/serve/problem.ts';
import { bearer, memoryApi, sseEvents, type MemoryApi } from './fixture.ts';

let t: MemoryApi;
beforeAll(async () => {
  t = await memoryApi();
});
afterAll(async () => t.close());

const get = (url: string, token = t.read) => t.app.inject({ method: 'GET', url, headers: bearer(token) });
const post = (url: string, body: unknown, token = t.operate) => t.app.inject({ method: 'POST', url, headers: bearer(token), payload: body as object });

function expectProblem(r: { statusCode: number; headers: Record<string, unknown>; json: () => unknown }, status: number, code: string) {
  expect(r.statusCode).toBe(status);
  expect(String(r.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const p = problemSchema.parse(r.json());
  expect(p).toMatchObject({ status, code, type: `urn:clos:problem:${code.toLowerCase().replace(/_/g, '-')}` });
  return p;
}

async function waitRun(id: string) {
  // The events stream ends with `done`: inject resolves once it has.
  const r = await get(`/api/v1/runs/${id}/events`);
  expect(r.headers['content-type']).toMatch(/^text\/event-stream/);
  return sseEvents(r.body);
}

describe('open routes and documents', () => {
  it('GET /healthz needs no token', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ ok: true, fabrics: 1, runs: 0 });
  });

  it('GET /api/openapi.json is docs/openapi.json and names every route', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    const doc = r.json() as { paths: Record<string, Record<string, unknown>> };
    expect(doc).toEqual(JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8')));
    expect(doc).toEqual(openApiDocument());
    for (const def of Object.values(API)) expect(doc.paths[def.url.replace(/:([A-Za-z]+)/g, '{$1}')]?.[def.method.toLowerCase()], def.id).toBeDefined();
    // Every reference resolves to a component.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([A-Za-z]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(10);
    const components = (doc as unknown as { components: { schemas: Record<string, unknown> } }).components.schemas;
    for (const r of new Set(refs)) expect(components[r], r).toBeDefined();
  });

  it('security headers on every answer', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(r.headers['content-security-policy']).toContain("script-src 'self'");
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBe('SAMEORIGIN');
  });

  it('the dashboard is served at / with its modules', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/' });
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    expect(r.body).toContain('<script type="module" src="/ui/app.js">');
    for (const f of ['app.js', 'views.js', 'api.js']) expect((await t.app.inject({ method: 'GET', url: `/ui/${f}` })).headers['content-type']).toMatch(/^text\/javascript/);
  });

  it('an unknown route is a 404 problem', async () => {
    expectProblem(await get('/api/v1/nothing'), 404, 'NOT_FOUND');
  });
});

describe('auth', () => {
  it('401 without a token or with a wrong one, never echoing it; 403 for the wrong role', async () => {
    const none = await t.app.inject({ method: 'GET', url: '/api/v1/fabrics' });
    expectProblem(none, 401, 'UNAUTHORIZED');
    expect(none.headers['www-authenticate']).toBe('Bearer realm="clos"');
    const wrong = await get('/api/v1/fabrics', 'clos_not-a-real-token');
    expectProblem(wrong, 401, 'UNAUTHORIZED');
    expect(wrong.body).not.toContain('clos_not-a-real-token');
    const forbidden = await post('/api/v1/fabrics/dc1/plan', {}, t.read);
    expect(expectProblem(forbidden, 403, 'FORBIDDEN').detail).toBe('token ci-reader has role read; this route needs operate');
    expect(forbidden.body).not.toContain(t.read);
    // operate may read too.
    expect((await get('/api/v1/fabrics', t.operate)).statusCode).toBe(200);
    expect((await get('/api/v1/token', t.operate)).json()).toEqual({ name: 'pipeline', role: 'operate' });
  });

  it('tokens never reach the log, whatever the request', async () => {
    const { pino } = await import('pino');
    const lines: string[] = [];
    const log = pino({ level: 'trace' }, { write: (l: string) => void lines.push(l) });
    const x = await memoryApi({ log });
    try {
      await x.app.inject({ method: 'GET', url: '/api/v1/fabrics', headers: bearer(x.read) });
      await x.app.inject({ method: 'POST', url: '/api/v1/fabrics/dc1/plan', headers: bearer(x.read), payload: {} });
      await x.app.inject({ method: 'GET', url: '/api/v1/fabrics', headers: bearer('clos_wrong-token-value') });
      await x.app.inject({ method: 'GET', url: '/api/v1/fabrics/dc1/drift', headers: bearer(x.operate) });
      const text = lines.join('');
      expect(lines.length).toBeGreaterThan(4); // requests were logged
      expect(text).toContain('/api/v1/fabrics/dc1/plan');
      for (const secret of [x.read, x.operate, 'clos_wrong-token-value']) expect(text).not.toContain(secret);
    } finally {
      await x.close();
    }
  });

  it('the tokens file holds hashes only, readable by its owner only', () => {
    const text = readFileSync(t.tokensFile, 'utf8');
    expect(text).not.toContain(t.read);
    expect(text).not.toContain(t.operate);
    expect(JSON.parse(text).tokens.map((e: { name: string; role: string }) => `${e.name}:${e.role}`)).toEqual(['ci-reader:read', 'pipeline:operate']);
    expect(statSync(t.tokensFile).mode & 0o777).toBe(0o600);
  });

  it('/metrics needs read unless --metrics-public', async () => {
    expectProblem(await t.app.inject({ method: 'GET', url: '/metrics' }), 401, 'UNAUTHORIZED');
    expect((await get('/metrics')).statusCode).toBe(200);
    const pub = await memoryApi({ metricsPublic: true });
    try {
      expect((await pub.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
      expect((await pub.app.inject({ method: 'GET', url: '/api/v1/fabrics' })).statusCode).toBe(401);
    } finally {
      await pub.close();
    }
  });
});

describe('fabrics', () => {
  it('GET /api/v1/fabrics: name, switches, links, lock state', async () => {
    const r = await get('/api/v1/fabrics');
    const { fabrics } = r.json() as { fabrics: unknown[] };
    expect(fabrics.map((f) => fabricSummarySchema.parse(f))).toEqual([{ name: 'dc1', file: t.lab.file, switches: 6, links: 8, racks: 2, lock: { held: false, holder: null } }]);
  });

  it('GET /api/v1/fabrics/:fabric: the intent', async () => {
    const f = fabricIntentSchema.parse((await get('/api/v1/fabrics/dc1')).json());
    expect(f.switches.map((s) => `${s.name}:${s.role}:${s.rack ?? '-'}`)).toEqual(['spine1:spine:-', 'spine2:spine:-', 'leaf1:leaf:r1', 'leaf2:leaf:r1', 'leaf3:leaf:r2', 'leaf4:leaf:r2']);
    expect(f.switches.find((s) => s.name === 'spine1')!.asn).toBe(65100);
    expect(f.links).toHaveLength(8);
    expect(f.links[0]).toMatchObject({ id: 'leaf1 -- spine1', leaf: 'leaf1', spine: 'spine1' });
    expect(f.racks).toEqual([{ name: 'r1', leaves: ['leaf1', 'leaf2'] }, { name: 'r2', leaves: ['leaf3', 'leaf4'] }]);
  });

  it('an unknown fabric is 404 FABRIC_NOT_FOUND', async () => {
    expect(expectProblem(await get('/api/v1/fabrics/nope'), 404, 'FABRIC_NOT_FOUND').detail).toBe('no fabric nope is served (served: dc1)');
  });
});

describe('reports', () => {
  it('drift as JSON (the CLI schema), md, junit and html', async () => {
    const r = await get('/api/v1/fabrics/dc1/drift');
    const report = driftReportSchema.parse(r.json());
    expect(report.fabric).toBe('dc1');
    expect(report.drift).toBe(true); // factory state: everything missing
    expect((await get('/api/v1/fabrics/dc1/drift?format=md')).headers['content-type']).toMatch(/^text\/markdown/);
    expect((await get('/api/v1/fabrics/dc1/drift?format=junit')).body).toMatch(/^<\?xml/);
    const html = await get('/api/v1/fabrics/dc1/drift?format=html');
    expect(html.body).toContain('<svg id="fabric"');
    expect(html.body).toContain('id="link-leaf1--spine1"');
  });

  it('the picture alone as SVG, with its style, coloured by the latest drift', async () => {
    const r = await get('/api/v1/fabrics/dc1/picture');
    expect(r.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(r.body).toMatch(/^<svg id="fabric" xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*>\n<style>#fabric\{/);
    expect(r.body).toContain('<line id="link-leaf1--spine1" class="link state-');
    expect(r.body).not.toContain('<a href');
  });

  it('drift with a bad format is a 400 problem naming the parameter', async () => {
    expect(expectProblem(await get('/api/v1/fabrics/dc1/drift?format=pdf'), 400, 'BAD_REQUEST').detail).toMatch(/^format: /);
  });

  it('verify returns the verify report', async () => {
    const r = await get('/api/v1/fabrics/dc1/verify?timeout=200ms');
    const report = verifyReportSchema.parse(r.json());
    expect(report.converged).toBe(false);
    expect(report.switches.map((s) => s.name)).toEqual(['spine1', 'spine2', 'leaf1', 'leaf2', 'leaf3', 'leaf4']);
    expectProblem(await get('/api/v1/fabrics/dc1/verify?timeout=soon'), 400, 'BAD_REQUEST');
  });

  it('/metrics: per-switch state, findings by class and severity, durations', async () => {
    await get('/api/v1/fabrics/dc1/drift');
    const m = (await get('/metrics')).body;
    expect(m).toContain('clos_switch_reachable{fabric="dc1",switch="leaf1"} 1');
    expect(m).toMatch(/clos_drift_findings\{fabric="dc1",class="missing",severity="error"\} [1-9]/);
    expect(m).toContain('clos_drift_duration_seconds_count{fabric="dc1"}');
    expect(m).toMatch(/clos_bgp_sessions\{fabric="dc1",state="not-established"\} [1-9]/);
  });
});

describe('plan and apply', () => {
  it('POST plan → 201 with a fingerprint per switch; GET /api/v1/plans/:id', async () => {
    const r = await post('/api/v1/fabrics/dc1/plan', {});
    expect(r.statusCode).toBe(201);
    const p = planSchema.parse(r.json());
    expect(r.headers.location).toBe(`/api/v1/plans/${p.id}`);
    expect(Object.keys(p.fingerprints)).toEqual(['spine1', 'spine2', 'leaf1', 'leaf2', 'leaf3', 'leaf4']);
    expect(p.pending).toBe(true);
    expect(planSchema.parse((await get(`/api/v1/plans/${p.id}`)).json())).toEqual(p);
    expectProblem(await get('/api/v1/plans/plan-nope'), 404, 'PLAN_NOT_FOUND');
  });

  it('apply of a plan a switch changed since is refused 409 PLAN_STALE, nothing written', async () => {
    const p = planSchema.parse((await post('/api/v1/fabrics/dc1/plan', {})).json());
    const leaf2 = t.lab.switches.get('leaf2')!;
    leaf2.dbs.CONFIG_DB.set('PORT|Ethernet0', { ...leaf2.dbs.CONFIG_DB.get('PORT|Ethernet0'), description: 'changed by hand' });
    const before = t.lab.config('spine1');
    const r = await post('/api/v1/fabrics/dc1/apply', { plan: p.id });
    const prob = expectProblem(r, 409, 'PLAN_STALE');
    expect(prob.switches).toEqual(['leaf2']);
    expect(prob.detail).toContain('leaf2 changed since plan');
    expect(t.lab.config('spine1')).toEqual(before);
    leaf2.dbs.CONFIG_DB.set('PORT|Ethernet0', { ...leaf2.dbs.CONFIG_DB.get('PORT|Ethernet0') });
  });

  it('apply while another run holds the fabric: 409 RUN_LOCKED naming the holder', async () => {
    const p = planSchema.parse((await post('/api/v1/fabrics/dc1/plan', {})).json());
    const state = (await t.app.clos.fabrics.reader('dc1')).state.dir;
    const lock = acquireRunLock(state, 'dc1', { command: 'clos apply', runId: 'cli-run' });
    try {
      const listed = (await get('/api/v1/fabrics')).json() as { fabrics: { lock: { held: boolean; holder: { runId: string } } }[] };
      expect(listed.fabrics[0]!.lock).toMatchObject({ held: true, holder: { runId: 'cli-run' } });
      const prob = expectProblem(await post('/api/v1/fabrics/dc1/apply', { plan: p.id }), 409, 'RUN_LOCKED');
      expect(prob.holder).toMatchObject({ pid: process.pid, command: 'clos apply', runId: 'cli-run' });
      expect(prob.detail).toMatch(/^fabric dc1 is busy: clos apply run cli-run \(pid \d+ on .+, since .+\)/);
    } finally {
      lock.release();
    }
  });

  it('apply → 202 {run}; its events end with done; a late client gets the whole history', async () => {
    const p = planSchema.parse((await post('/api/v1/fabrics/dc1/plan', {})).json());
    const r = await post('/api/v1/fabrics/dc1/apply', { plan: p.id });
    expect(r.statusCode).toBe(202);
    const { run } = r.json() as { run: string };
    expect(r.headers.location).toBe(`/api/v1/runs/${run}`);
    const events = await waitRun(run);
    expect(events.at(-1)!.event).toBe('done');
    expect(events.at(-1)!.data.state).toBe('done');
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    const applied = events.filter((e) => e.event === 'switch' && e.data.status === 'applied').map((e) => e.data.switch).sort();
    expect(applied).toEqual(['leaf1', 'leaf2', 'leaf3', 'leaf4', 'spine1', 'spine2']);
    expect(await waitRun(run)).toEqual(events); // after the end: the same history
    const resumed = sseEvents((await t.app.inject({ method: 'GET', url: `/api/v1/runs/${run}/events`, headers: { ...bearer(t.read), 'last-event-id': '3' } })).body);
    expect(resumed).toEqual(events.slice(3)); // Last-Event-ID: only what came after
    const body = runSchema.parse((await get(`/api/v1/runs/${run}`)).json());
    expect(body).toMatchObject({ kind: 'apply', state: 'done', plan: p.id, fabric: 'dc1' });
    expect(body.switches.leaf1).toMatchObject({ status: 'applied' });
    // The same plan again: the switches changed (by the apply itself), so it is stale now.
    expectProblem(await post('/api/v1/fabrics/dc1/apply', { plan: p.id }), 409, 'PLAN_STALE');
    // The lock was released.
    expect(((await get('/api/v1/fabrics')).json() as { fabrics: { lock: { held: boolean } }[] }).fabrics[0]!.lock.held).toBe(false);
  });

  it('apply: a body without plan, or a plan of nothing, are problems', async () => {
    expect(expectProblem(await post('/api/v1/fabrics/dc1/apply', {}), 400, 'BAD_REQUEST').detail).toMatch(/^plan: /);
    expectProblem(await post('/api/v1/fabrics/dc1/apply', { plan: 'plan-nope' }), 404, 'PLAN_NOT_FOUND');
    expectProblem(await post('/api/v1/fabrics/dc1/apply', { plan: 'x', extra: 1 }), 400, 'BAD_REQUEST');
  });

  it('after a change to the fabric file, an older plan is stale', async () => {
    const p = planSchema.parse((await post('/api/v1/fabrics/dc1/plan', {})).json());
    const { writeFileSync } = await import('node:fs');
    const text = readFileSync(t.lab.file, 'utf8');
    writeFileSync(t.lab.file, `${text}\n# edited\n`);
    try {
      expect(expectProblem(await post('/api/v1/fabrics/dc1/apply', { plan: p.id }), 409, 'PLAN_STALE').detail).toContain('the fabric file or its lock changed');
    } finally {
      writeFileSync(t.lab.file, text);
    }
  });
});

describe('bringup, rollback, runs', () => {
  it('bringup dryRun → 202; done carries the stages', async () => {
    const r = await post('/api/v1/fabrics/dc1/bringup', { dryRun: true });
    expect(r.statusCode).toBe(202);
    const events = await waitRun((r.json() as { run: string }).run);
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    expect((done.data.result as { stages: { id: string }[] }).stages.map((s) => s.id).slice(0, 2)).toEqual(['links', 'cabling']);
  });

  it('bringup of an unknown rack: 422 UNKNOWN_RACK before any run; bad bodies 400', async () => {
    expect(expectProblem(await post('/api/v1/fabrics/dc1/bringup', { racks: ['r9'] }), 422, 'UNKNOWN_RACK').detail).toContain('no rack r9');
    expectProblem(await post('/api/v1/fabrics/dc1/bringup', { racks: 'r1' }), 400, 'BAD_REQUEST');
    expectProblem(await post('/api/v1/fabrics/dc1/bringup', { resume: true, racks: ['r1'] }), 400, 'BAD_REQUEST');
    expectProblem(await post('/api/v1/fabrics/dc1/bringup', { timeout: 'later' }), 400, 'BAD_REQUEST');
  });

  it('rollback → 202; per-switch results; an unknown switch is 422', async () => {
    const r = await post('/api/v1/fabrics/dc1/rollback', { switch: 'leaf1' });
    expect(r.statusCode).toBe(202);
    const events = await waitRun((r.json() as { run: string }).run);
    expect(events.find((e) => e.event === 'switch')!.data).toMatchObject({ switch: 'leaf1', status: 'restored' });
    expect(events.at(-1)!.data.state).toBe('done');
    expectProblem(await post('/api/v1/fabrics/dc1/rollback', { switch: 'leaf99' }), 422, 'UNKNOWN_SWITCH');
  });

  it('GET /api/v1/runs lists them newest first; an unknown run is 404', async () => {
    const { runs } = (await get('/api/v1/runs')).json() as { runs: unknown[] };
    const parsed = runs.map((r) => runSchema.parse(r));
    expect(parsed[0]!.kind).toBe('rollback');
    expect(parsed.map((r) => r.kind)).toContain('apply');
    expectProblem(await get('/api/v1/runs/nope'), 404, 'RUN_NOT_FOUND');
    expectProblem(await get('/api/v1/runs/nope/events'), 404, 'RUN_NOT_FOUND');
  });
});

describe('rate limit', () => {
  it('mutating routes: 429 RATE_LIMITED past the limit; reads are not limited', async () => {
    const x = await memoryApi({ rateLimit: 2 });
    try {
      const hit = () => x.app.inject({ method: 'POST', url: '/api/v1/fabrics/dc1/rollback', headers: bearer(x.operate), payload: { switch: 'nope' } });
      expect((await hit()).statusCode).toBe(422);
      expect((await hit()).statusCode).toBe(422);
      const third = await hit();
      expectProblem(third, 429, 'RATE_LIMITED');
      for (let i = 0; i < 4; i++) expect((await x.app.inject({ method: 'GET', url: '/api/v1/runs', headers: bearer(x.read) })).statusCode).toBe(200);
    } finally {
      await x.close();
    }
  });
});

describe('the state directory', () => {
  it('API runs keep their checkpoints where the CLI does', async () => {
    const dir = (await t.app.clos.fabrics.reader('dc1')).state.dir;
    expect(dir.startsWith(join(t.lab.dir, '.clos', 'dc1-'))).toBe(true);
  });
});
