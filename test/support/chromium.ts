// Debian's Chromium, headless, with a fresh profile (removed on close): how every browser test
// of the repository opens a page.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function withChromium<T>(f: (ctx: BrowserContext) => Promise<T>, viewport = { width: 1280, height: 900 }): Promise<T> {
  const profile = mkdtempSync(join(tmpdir(), 'clos-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, viewport });
  try {
    return await f(ctx);
  } finally {
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
