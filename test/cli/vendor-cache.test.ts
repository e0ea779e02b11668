// The vendored packages in dist/vendor/: each module exports what the package itself exports,
// working, and loads with the V8 code cache the build made (not rejected: same Node, same
// flags), which is what keeps a `clos validate` from compiling zod and yaml at every start.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const DIST = new URL('../../dist/vendor/', import.meta.url).pathname;

function inFreshNode(code: string): unknown {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  if (r.status !== 0) throw new Error(`node exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe('dist/vendor', () => {
  it.each(['zod', 'yaml', 'commander', 'netmask'])('%s: the package’s exports, loaded with its code cache', (name) => {
    const out = inFreshNode(`
      const bundled = await import(${JSON.stringify(`${DIST}${name}.js`)});
      const original = await import(${JSON.stringify(name)});
      const { vendorCacheUse } = await import(${JSON.stringify(`${DIST}load.js`)});
      console.log(JSON.stringify({ bundled: Object.keys(bundled).sort(), original: Object.keys(original).sort(), use: vendorCacheUse() }));
    `) as { bundled: string[]; original: string[]; use: { name: string; cached: boolean }[] };
    expect(out.bundled).toEqual(out.original);
    expect(out.use).toEqual([{ name, cached: true }]);
  });

  it('works: yaml parses, zod validates, with the names they export', () => {
    const out = inFreshNode(`
      const { parse } = await import(${JSON.stringify(`${DIST}yaml.js`)});
      const { z } = await import(${JSON.stringify(`${DIST}zod.js`)});
      const schema = z.object({ a: z.string(), b: z.array(z.number()) });
      const ok = schema.safeParse(parse('a: x\\nb: [1, 2]\\n'));
      const bad = schema.safeParse(parse('a: 1\\n'));
      console.log(JSON.stringify({ ok: ok.success && ok.data, bad: bad.success, issues: bad.error.issues.map((i) => i.path.join('.')) }));
    `);
    expect(out).toEqual({ ok: { a: 'x', b: [1, 2] }, bad: false, issues: ['a', 'b'] });
  });
});
