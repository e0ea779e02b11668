#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm ci` and `npm pack` run it): src/**/*.ts → dist/**/*.js,
// one file per source file so dist mirrors src (paths taken from import.meta.url — the protos,
// the lab's database_config.json, the agent's entry — resolve the same from both). esbuild
// only strips types (`npm run typecheck` checks them): a build takes well under a second, and a
// type error does not stop `npm ci`. Plain JavaScript so it runs before anything is compiled.
// The packages every command loads at start (the fabric file's parser and schema, the command
// line) are 70–100 small files each in node_modules; loading them one by one was most of a
// `clos validate`, so each is bundled into one minified file in dist/vendor/ (same version,
// from the lockfile); every other package stays an import of node_modules.
// The new tree is written beside dist/ and swapped in, so a running clos never sees half a build.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');

function files(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

const VENDORED = ['commander', 'netmask', 'yaml', 'zod'];

// Every relative import stays a separate module, renamed to the .js file it becomes; a vendored
// package becomes an import of its dist/vendor/ file; other packages stay imports of node_modules.
const keepModules = {
  name: 'keep-modules',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => (args.kind === 'entry-point' ? undefined : { path: args.path.replace(/\.ts$/, '.js'), external: true }));
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      if (!VENDORED.includes(args.path)) return { path: args.path, external: true };
      const rel = relative(dirname(args.importer), join(SRC, 'vendor', `${args.path}.js`)).split(sep).join('/');
      return { path: rel.startsWith('.') ? rel : `./${rel}`, external: true };
    });
  },
};

// The bundle exports by name what Node gives an `import` of the package (for a CommonJS one:
// its named exports and `default`, module.exports), so code importing it is none the wiser.
// CommonJS packages call require() (of node: modules): the ES module bundle gets one.
// zod's `z` carries every translation of its messages (`z.locales`, 50 languages, two thirds of
// the bundle); clos words its own errors and uses only the English one zod configures itself
// with, so the vendored bundle has only that one: less to compile at every start.
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) => ({ path: join(args.resolveDir, 'locales-en-only.js'), namespace: 'zod-locales', pluginData: args.resolveDir }));
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: join(args.pluginData, '..', 'locales'),
    }));
  },
};
// Each vendored package is a CommonJS bundle (<name>.cjs) that dist/vendor/load.js compiles with
// V8's code cache (<name>.cache, made at the end of the build by a `clos validate` of the
// example fabric, so it holds the functions a command runs, not only the top level): compiling
// zod and yaml was most of what is left of a `clos validate` after Node's own start. <name>.js
// is the ES module the rest of dist/ imports, its names taken from the bundle once loaded.
const vendor = async (name, outdir) => {
  const names = Object.keys(await import(name));
  await build({
    plugins: name === 'zod' ? [zodEnglishOnly] : [],
    stdin: { contents: `export { ${names.join(', ')} } from '${name}';`, resolveDir: ROOT, sourcefile: `vendor-${name}.js` },
    outfile: join(outdir, 'vendor', `${name}.cjs`),
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
  });
  // Export names may be reserved words (zod's `catch`, `enum`, `null`): bound to e0, e1, … first.
  writeFileSync(
    join(outdir, 'vendor', `${name}.js`),
    [
      `// ${name}, bundled by scripts/build.mjs; compiled with its code cache by load.js.`,
      "import { vendored } from './load.js';",
      `const m = vendored('${name}');`,
      `const ${names.map((n, i) => `e${i} = m[${JSON.stringify(n)}]`).join(', ')};`,
      `export { ${names.map((n, i) => `e${i} as ${n}`).join(', ')} };`,
      '',
    ].join('\n'),
  );
};

// The loader: the bundle wrapped as CommonJS is, compiled as a vm.Script with its cache (V8
// rejects a cache of another V8 version or other flags: it then just compiles), run once.
// CLOS_VENDOR_CACHE_WRITE=1: each bundle's cache is written when the process exits.
const LOADER = `// Written by scripts/build.mjs: loads a vendored bundle with V8's code cache.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const require = createRequire(import.meta.url);
const loaded = [];

export function vendored(name) {
  const file = fileURLToPath(new URL(\`./\${name}.cjs\`, import.meta.url));
  const cacheFile = file.replace(/\\.cjs$/, '.cache');
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {}
  const source = readFileSync(file, 'utf8');
  const script = new Script(\`(function (exports, require, module, __filename, __dirname) {\${source}\\n})\`, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require, module, file, dirname(file));
  loaded.push({ name, script, cacheFile, cached: cachedData !== undefined && !script.cachedDataRejected });
  return module.exports;
}

/** Each bundle loaded so far and whether its code cache was used. */
export function vendorCacheUse() {
  return loaded.map(({ name, cached }) => ({ name, cached }));
}

if (process.env.CLOS_VENDOR_CACHE_WRITE === '1') {
  process.on('exit', () => {
    for (const { script, cacheFile } of loaded) writeFileSync(cacheFile, script.createCachedData());
  });
}
`;

/** The code caches: a validate of the example fabric run on the new tree, its bundles' caches
 *  written when it exits. Without them (no example, a failure) clos only starts slower. */
function vendorCaches(tree) {
  const example = join(ROOT, 'topologies', 'dc1.fabric.yaml');
  if (!existsSync(example)) return;
  const run = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', 'const { main } = await import(process.argv[1]); process.exitCode = await main(["node", "clos", "validate", process.argv[2]]);', join(tree, 'cli', 'main.js'), example],
    { env: { ...process.env, CLOS_VENDOR_CACHE_WRITE: '1', NODE_OPTIONS: '' }, encoding: 'utf8' },
  );
  if (run.status !== 0) process.stderr.write(`build: no code cache for dist/vendor (validate of the example exited ${run.status}): ${run.stderr}\n`);
}

const all = files(SRC);
const sources = all.filter((f) => f.endsWith('.ts'));
const assets = all.filter((f) => !f.endsWith('.ts'));
const next = `${DIST}.new-${process.pid}`;
const t0 = Date.now();
try {
  await build({
    entryPoints: sources,
    outdir: next,
    outbase: SRC,
    bundle: true,
    plugins: [keepModules],
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'warning',
  });
  await Promise.all(VENDORED.map((name) => vendor(name, next)));
  writeFileSync(join(next, 'vendor', 'load.js'), LOADER);
  for (const a of assets) cpSync(a, join(next, relative(SRC, a)));
  vendorCaches(next);
  // Stamped with the time the sources were read: an edit made during the build makes it stale.
  writeFileSync(join(next, 'BUILD'), `built from src/ by scripts/build.mjs at ${new Date(t0).toISOString()}\n`);
  utimesSync(join(next, 'BUILD'), new Date(t0), new Date(t0));
} catch (e) {
  rmSync(next, { recursive: true, force: true });
  process.stderr.write(`build: ${e.message}\n`);
  process.exit(1);
}
// Another build may swap its tree in between our two renames: set that one aside too.
const old = `${DIST}.old-${process.pid}`;
for (let i = 0; ; i++) {
  try {
    if (existsSync(DIST)) renameSync(DIST, `${old}-${i}`);
    renameSync(next, DIST);
    break;
  } catch (e) {
    if (i >= 5 || (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST' && e.code !== 'ENOENT')) throw e;
  }
}
for (const d of readdirSync(ROOT)) if (d.startsWith(`dist.old-${process.pid}-`)) rmSync(join(ROOT, d), { recursive: true, force: true });
process.stdout.write(`build: ${sources.length} modules → dist/ in ${Date.now() - t0} ms\n`);
