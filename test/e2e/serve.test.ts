// `clos serve` on the emulated fabric (real redis, FRR, lldpd and the agent in namespaces):
// fabric t-serve (dc1: 2 spines, 4 leaves), redis on 127.0.1.208/28. Through the API over a
// real socket: the first apply while the CLI tries to apply too (one of them gets RUN_LOCKED),
// and the other way round (a CLI bring-up holds the fabric, the API gets 409); a plan made, a
// switch changed by hand, the apply refused as stale; a new rack brought up while SSE clients
// record every event; the dashboard in Chromium turning a cable red when its link goes down.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHolder, RUN_LOCK_FILE } from '../../src/io/run-lock.ts';
import { stateDirFor } from '../../src/io/state-dir.ts';
import { labExec, labExecRunner } from '../../src/lab/exec.ts';
import { STATE_COLOURS } from '../../src/report/drift-html.ts';
import { labInventoryPath } from '../../src/lab/state.ts';
import { buildApp } from '../../src/serve/app.ts';
import { addToken, TokenStore } from '../../src/serve/tokens.ts';
import { withChromium } from '../support/chromium.ts';
import { runCli } from '../support/cli.ts';
import { bearer, readEvents, type SseEvent } from '../serve/fixture.ts';
import { e2eLab, ROOT, setLink, upLab, waitUntil, withRack3 } from './helpers.ts';

const FABRIC = 't-serve';
const ADDRESSES = '127.0.1.208/28';
const ARTIFACTS = join(ROOT, 'test-artifacts');
const lab = e2eLab(FABRIC, ADDRESSES);

let app: Awaited<ReturnType<typeof buildApp>>;
let base = '';
let read = '';
let operate = '';

beforeAll(async () => {
  const tokens = join(lab.dir, 'tokens.json');
  read = await addToken(tokens, 'viewer', 'read');
  operate = await addToken(tokens, 'pipeline', 'operate');
  // The lab is handed in as the CLI hands it in (`clos serve` passes the same session options).
  app = await buildApp({ fabrics: [{ name: FABRIC, file: lab.file }], tokens: TokenStore.load(tokens), watchMs: 2000, session: { defaultInventory: (f) => labInventoryPath(f), labExec: labExecRunner } });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
}, 30_000);
afterAll(async () => {
  await app?.close();
}, 120_000);

const call = async (method: 'GET' | 'POST', path: string, token: string, body?: unknown) => {
  const r = await fetch(`${base}${path}`, { method, headers: { ...bearer(token), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return { status: r.status, type: r.headers.get('content-type') ?? '', json: (await r.json()) as Record<string, unknown> };
};
const plan = async () => {
  const r = await call('POST', `/api/v1/fabrics/${FABRIC}/plan`, operate, {});
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json as { id: string; pending: boolean; fingerprints: Record<string, string> };
};
const runEnd = (run: string) => readEvents(`${base}/api/v1/runs/${run}/events`, read, (e) => e.event === 'done');
const converged = async () => {
  const v = await call('GET', `/api/v1/fabrics/${FABRIC}/verify?timeout=120s`, read);
  expect(v.status).toBe(200);
  expect(v.json.converged, JSON.stringify((v.json.switches as { name: string; error: unknown; passed: number; total: number }[]).map((s) => [s.name, s.error, s.passed, s.total]))).toBe(true);
};

describe('clos serve on the emulated fabric', () => {
  it('401 and 403 over the socket', async () => {
    expect((await fetch(`${base}/api/v1/fabrics`)).status).toBe(401);
    expect((await call('POST', `/api/v1/fabrics/${FABRIC}/plan`, read, {})).status).toBe(403);
  });

  it('the first apply through the API while the CLI applies too: the CLI gets RUN_LOCKED naming the API run; then converged', async () => {
    const p = await plan();
    expect(p.pending).toBe(true);
    const a = await call('POST', `/api/v1/fabrics/${FABRIC}/apply`, operate, { plan: p.id });
    expect(a.status).toBe(202);
    const run = a.json.run as string;
    const cli = await runCli('apply', lab.file, '--yes');
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(`RUN_LOCKED: fabric ${FABRIC} is busy: clos serve apply run ${run} (pid ${process.pid}`);
    const events = await runEnd(run);
    expect(events.at(-1)!.data.state, JSON.stringify(events.at(-1)!.data)).toBe('done');
    expect(events.filter((e) => e.event === 'switch' && e.data.status === 'applied').map((e) => e.data.switch).sort()).toEqual(['leaf1', 'leaf2', 'leaf3', 'leaf4', 'spine1', 'spine2']);
    await converged();
  }, 240_000);

  it('while a CLI bring-up holds the fabric, an API apply gets 409 naming it', async () => {
    const p = await plan();
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin/clos.js'), 'bringup', lab.file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const lockFile = join(stateDirFor(lab.file, FABRIC), RUN_LOCK_FILE);
      await waitUntil('the CLI bring-up to hold the run lock', () => readHolder(lockFile)?.pid, (pid) => pid === child.pid, 60_000);
      const r = await call('POST', `/api/v1/fabrics/${FABRIC}/apply`, operate, { plan: p.id });
      expect(r.status).toBe(409);
      expect(r.type).toMatch(/^application\/problem\+json/);
      expect(r.json).toMatchObject({ code: 'RUN_LOCKED', holder: { pid: child.pid, command: 'clos bringup' } });
      const fabrics = (await call('GET', '/api/v1/fabrics', read)).json.fabrics as { lock: { held: boolean; holder: { pid: number } } }[];
      expect(fabrics[0]!.lock).toMatchObject({ held: true, holder: { pid: child.pid } });
    } finally {
      const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', resolve)));
      expect(code).toBe(0);
    }
  }, 240_000);

  it('a plan made, a switch changed by hand, the apply refused as stale; a fresh plan applies', async () => {
    const p = await plan();
    const r = await labExec(FABRIC, 'leaf2', ['redis-cli', '-n', '4', 'HSET', 'PORT|Ethernet0', 'description', 'changed by hand'], { stdio: 'pipe' });
    expect(r.code, r.stderr).toBe(0);
    const stale = await call('POST', `/api/v1/fabrics/${FABRIC}/apply`, operate, { plan: p.id });
    expect(stale.status).toBe(409);
    expect(stale.json).toMatchObject({ code: 'PLAN_STALE', switches: ['leaf2'] });
    const fresh = await plan();
    const a = await call('POST', `/api/v1/fabrics/${FABRIC}/apply`, operate, { plan: fresh.id });
    expect(a.status).toBe(202);
    const events = await runEnd(a.json.run as string);
    expect(events.at(-1)!.data.state).toBe('done');
    const desc = await labExec(FABRIC, 'leaf2', ['redis-cli', '-n', '4', 'HGET', 'PORT|Ethernet0', 'description'], { stdio: 'pipe' });
    expect(desc.stdout.trim()).not.toBe('changed by hand');
  }, 120_000);

  it('a new rack brought up through the API while SSE clients record every event', async () => {
    writeFileSync(lab.file, withRack3(readFileSync(lab.file, 'utf8')));
    const up = await upLab(lab.file, ADDRESSES);
    expect([...up.added].sort()).toEqual(['leaf5', 'leaf6']);
    const stop = new AbortController();
    const busSeen: SseEvent[] = [];
    // A client of the fabric bus, recording every event as it comes, until aborted.
    const record = (e: SseEvent) => {
      busSeen.push(e);
      return false;
    };
    const busCollector = readEvents(`${base}/api/v1/events`, read, record, stop.signal).catch(() => undefined);
    const b = await call('POST', `/api/v1/fabrics/${FABRIC}/bringup`, operate, { racks: ['r3'] });
    expect(b.status, JSON.stringify(b.json)).toBe(202);
    const run = b.json.run as string;
    const live = await runEnd(run);
    const done = live.at(-1)!;
    expect(done.event).toBe('done');
    expect(done.data.state, JSON.stringify(done.data)).toBe('done');
    // Every stage seen passing, in order; every new leaf seen reaching, linking, gating, done.
    const passed = live.filter((e) => e.event === 'stage' && e.data.status === 'passed').map((e) => e.data.stage);
    expect(passed).toEqual(['links', 'cabling', 'leaves', 'spine spine1', 'spine spine2']);
    for (const leaf of ['leaf5', 'leaf6']) {
      const steps = live.filter((e) => e.event === 'switch' && e.data.switch === leaf).map((e) => e.data.step);
      expect(steps, leaf).toEqual(expect.arrayContaining(['reaching', 'linking', 'checkingCabling', 'applying', 'gating', 'done']));
    }
    // The stream is the run's history; a late client gets it whole.
    expect(await runEnd(run)).toEqual(live);
    const rec = (await call('GET', `/api/v1/runs/${run}`, read)).json;
    expect(rec).toMatchObject({ kind: 'bringup', state: 'done', switches: { leaf5: { status: 'done' }, leaf6: { status: 'done' } } });
    await sleep(500);
    stop.abort();
    await busCollector;
    const runEvents = busSeen.filter((e) => e.event === 'run' && e.data.id === run).map((e) => e.data.state);
    expect(runEvents).toEqual(['running', 'done']);
    await converged();
  }, 300_000);

  it('the dashboard draws every switch; a lab link set down turns its cable red within 10 s, without a reload', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await withChromium(async (ctx) => {
      const page = await ctx.newPage();
      await page.goto(`${base}/#/fabric/${FABRIC}`);
      await page.fill('#token', read);
      await page.click('#token-form button');
      await page.waitForSelector('svg#fabric g[data-switch="leaf6"]', { timeout: 30_000 });
      for (const sw of ['spine1', 'spine2', 'leaf1', 'leaf2', 'leaf3', 'leaf4', 'leaf5', 'leaf6']) expect(await page.locator(`svg#fabric g[data-switch="${sw}"]`).count(), sw).toBe(1);
      expect(await page.locator('svg#fabric line.link').count()).toBe(12);
      const state = () => page.locator('line[data-link="leaf3 -- spine2"]').getAttribute('data-state');
      await waitUntil('the cable drawn ok', state, (s) => s === 'ok', 30_000);
      const navigations: string[] = [];
      page.on('framenavigated', (f) => navigations.push(f.url()));
      setLink(lab.ns('leaf3'), 'Ethernet124', 'down');
      try {
        const t0 = Date.now();
        await page.waitForFunction(() => document.querySelector('line[data-link="leaf3 -- spine2"]')?.getAttribute('data-state') === 'error', undefined, { timeout: 10_000 });
        lab.timings.push(`dashboard: link down → red cable in ${Date.now() - t0} ms`);
        expect(await page.locator('line[data-link="leaf3 -- spine2"]').evaluate((el) => getComputedStyle(el).stroke)).toBe(`rgb(${[1, 3, 5].map((i) => Number.parseInt(STATE_COLOURS.error.slice(i, i + 2), 16)).join(', ')})`);
        expect(await page.locator('line[data-link="leaf3 -- spine1"]').getAttribute('data-state')).toBe('ok');
        await page.screenshot({ path: join(ARTIFACTS, 'serve-dashboard-lab.png'), fullPage: true });
        expect(navigations).toEqual([]);
      } finally {
        setLink(lab.ns('leaf3'), 'Ethernet124', 'up');
      }
    });
    await converged();
  }, 180_000);
});

afterAll(() => rmSync(join(lab.dir, 'tokens.json'), { force: true }));
