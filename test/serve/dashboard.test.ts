// The dashboard in headless Chromium against `clos serve` on in-memory switches (the lab version
// is test/e2e/serve.test.ts): it draws every switch and cable, a pulled cable turns red without
// a reload, the plan page applies for an operate token and not for a read token, a run's
// progress shows live, and a 4×64 fabric fits one screen with its racks folded.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE_COLOURS } from '../../src/report/drift-html.ts';
import { withChromium } from '../support/chromium.ts';
import { podFabricYaml } from '../support/redis-fabric.ts';
import { bearer, memoryApi, type MemoryApi } from './fixture.ts';

const ARTIFACTS = join(new URL('../..', import.meta.url).pathname, 'test-artifacts');
const rgb = (hex: string) => {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
};

async function login(page: Page, base: string, token: string, hash = '#/fabric/dc1') {
  await page.goto(`${base}/${hash}`);
  await page.fill('#token', token);
  await page.click('#token-form button');
  await page.waitForSelector('#whoami:not(:empty)');
}

describe('dashboard (in-memory fabric)', () => {
  let t: MemoryApi;
  let base: string;
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await memoryApi({ watchMs: 1000 });
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => t.close());

  it('plan → review → Apply (operate): the run page shows every switch applied; a read token gets no Apply button', async () => {
    await withChromium(async (ctx) => {
      const page = await ctx.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await login(page, base, t.read);
      await page.waitForSelector('svg#fabric');
      expect(await page.locator('#plan').count()).toBe(0);
      await login(page, base, t.operate);
      await page.click('#plan');
      await page.waitForURL(/#\/plan\/plan-/);
      await page.waitForSelector('#apply');
      expect(await page.locator('table tbody tr').count()).toBe(6);
      await page.click('#apply');
      await page.waitForURL(/#\/run\/apply-/);
      await page.waitForFunction(() => document.querySelector('#run-state')?.textContent === 'done', undefined, { timeout: 20_000 });
      const statuses = await page.locator('#switches tbody tr td:nth-child(3)').allTextContents();
      expect(statuses).toEqual(['applied', 'applied', 'applied', 'applied', 'applied', 'applied']);
      expect(await page.locator('#log').textContent()).toMatch(/done done\n$/);
      await page.goto(`${base}/#/runs`);
      await page.waitForSelector('table');
      expect(await page.locator('table tbody tr td:nth-child(2)').allTextContents()).toContain('apply');
      expect(errors).toEqual([]);
    });
  }, 60_000);

  it('draws every switch and cable; a pulled cable turns red without a reload', async () => {
    await withChromium(async (ctx) => {
      const page = await ctx.newPage();
      await login(page, base, t.read);
      await page.waitForSelector('svg#fabric');
      for (const sw of ['spine1', 'spine2', 'leaf1', 'leaf2', 'leaf3', 'leaf4']) expect(await page.locator(`svg#fabric g[data-switch="${sw}"]`).count()).toBe(1);
      expect(await page.locator('svg#fabric line.link').count()).toBe(8);
      const cable = page.locator('line[data-link="leaf1 -- spine1"]');
      await page.waitForFunction(() => document.querySelector('line[data-link="leaf1 -- spine1"]')?.getAttribute('data-state') === 'ok', undefined, { timeout: 10_000 });
      const loads: string[] = [];
      page.on('framenavigated', (f) => loads.push(f.url()));
      t.lab.setCable('leaf1', 'Ethernet120', false);
      try {
        await page.waitForFunction(() => document.querySelector('line[data-link="leaf1 -- spine1"]')?.getAttribute('data-state') === 'error', undefined, { timeout: 10_000 });
        expect(await cable.evaluate((el) => getComputedStyle(el).stroke)).toBe(rgb(STATE_COLOURS.error));
        expect(await page.locator('#drift table tbody tr').count()).toBeGreaterThan(0);
        await page.screenshot({ path: join(ARTIFACTS, 'serve-dashboard-memory.png'), fullPage: true });
        expect(loads).toEqual([]);
      } finally {
        t.lab.setCable('leaf1', 'Ethernet120', true);
      }
    });
  }, 60_000);
});

describe('dashboard at 4×64', () => {
  it('one screen: racks folded into boxes, every leaf a square with its name on hover', async () => {
    const big = await memoryApi({}, podFabricYaml('dc1', 4, 64));
    try {
      // Converged first (through the API), as a 4×64 fabric in service is.
      const plan = (await big.app.inject({ method: 'POST', url: '/api/v1/fabrics/dc1/plan', headers: bearer(big.operate), payload: {} })).json() as { id: string };
      const { run } = (await big.app.inject({ method: 'POST', url: '/api/v1/fabrics/dc1/apply', headers: bearer(big.operate), payload: { plan: plan.id } })).json() as { run: string };
      await big.app.inject({ method: 'GET', url: `/api/v1/runs/${run}/events`, headers: bearer(big.read) });
      const base = await big.app.listen({ host: '127.0.0.1', port: 0 });
      await withChromium(async (ctx) => {
        const page = await ctx.newPage();
        await login(page, base, big.read);
        await page.waitForSelector('svg#fabric', { timeout: 30_000 });
        expect(await page.locator('svg#fabric g.rack').count()).toBe(32);
        expect(await page.locator('svg#fabric g[data-switch]').count()).toBe(68);
        const box = (await page.locator('svg#fabric').boundingBox())!;
        expect(box.width).toBeLessThanOrEqual(1280);
        const leaf = page.locator('g[data-switch="leaf64"]');
        expect(await leaf.locator('title').textContent()).toMatch(/^leaf64 \(leaf, sonic\)/);
        const r = (await leaf.boundingBox())!;
        expect(r.width).toBeGreaterThan(6); // still something to point at
        await page.click('g.rack[data-rack="r32"] rect.rack-box', { timeout: 10_000 });
        await page.waitForFunction(() => document.querySelector('#rack-detail')?.textContent === 'rack r32: leaf63, leaf64 — every cable ok');
        await page.screenshot({ path: join(ARTIFACTS, 'serve-dashboard-64.png') });
      });
    } finally {
      await big.close();
    }
  }, 90_000);
});
