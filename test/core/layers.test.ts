// The layer rules of docs/architecture.md, over every relative import in src/ (and the packages
// core may not use). A rule names a layer (a folder of src/) and the layers it may not import;
// lab's agent is checked over everything it reaches, so it stays an independent check of the
// controller (it emulates SONiC from SONiC's sources, never from the controller's code).
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../../src', import.meta.url).pathname;
const PURE_FORBIDDEN = ['ioredis', '@grpc/grpc-js', 'protobufjs', 'fastify', 'xstate', 'pino', 'node:fs', 'node:net', 'node:child_process', 'fs', 'net', 'child_process', 'node:fs/promises', 'fs/promises'];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Every import specifier of a file: static, re-exports, `import type` and dynamic `import()`. */
function specifiers(text: string): string[] {
  return [...text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
}

/** The specifiers of imports that carry code at run time (not `import type` / `export type`). */
function valueSpecifiers(text: string): string[] {
  return [...text.matchAll(/^(?:import|export)(?!\s+type\b)[^'";]*?(?:from\s*)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]/gm)].map((m) => (m[1] ?? m[2])!);
}

const all = files(SRC).map((f) => relative(SRC, f));
const imports = new Map<string, { packages: string[]; local: string[]; runtime: string[] }>();
for (const f of all) {
  const text = readFileSync(join(SRC, f), 'utf8');
  const specs = specifiers(text);
  const local = (list: string[]) => list.filter((s) => s.startsWith('.')).map((s) => relative(SRC, resolve(dirname(join(SRC, f)), s)));
  imports.set(f, { packages: specs.filter((s) => !s.startsWith('.')), local: local(specs), runtime: local(valueSpecifiers(text)) });
}

const inLayer = (file: string, layer: string) => file === `${layer}.ts` || file.startsWith(`${layer}/`);
/** report/ holds formatters only; their schemas and builders are in results/. */
const FORMATTERS = (f: string) => inLayer(f, 'report');

interface Rule {
  readonly layer: string;
  readonly not: readonly (string | ((f: string) => boolean))[];
  readonly why: string;
  /** Only imports that carry code count (the types of what a layer formats are its input). */
  readonly runtimeOnly?: boolean;
}

const CONTROLLER = ['core', 'io', 'transport', 'inventory', 'services', 'bringup', 'cli', 'report', 'results', 'log', 'errors'];
const RULES: Rule[] = [
  { layer: 'core', not: ['io', 'transport', 'inventory', 'services', 'bringup', 'cli', 'report', 'lab', 'gnmi', 'log', 'errors'], why: 'core is pure: it imports nothing outside core' },
  { layer: 'fabric-docs', not: ['io', 'transport', 'inventory', 'services', 'bringup', 'cli', 'lab', 'gnmi', 'log', 'errors'], why: 'the fabric documents are generated purely from the compiled intent; the CLI writes them' },
  { layer: 'transport', not: ['lab', 'cli', FORMATTERS, 'services', 'bringup'], why: 'the lab is handed in from outside' },
  { layer: 'inventory', not: ['lab', 'cli', FORMATTERS, 'services', 'bringup', 'transport'], why: 'the lab is handed in from outside' },
  { layer: 'io', not: ['lab', 'cli', FORMATTERS, 'services', 'bringup', 'transport'], why: 'files and the state directory only' },
  { layer: 'services', not: ['lab', 'cli', FORMATTERS, 'bringup'], why: 'services serve every front end (CLI, API); the lab is handed in' },
  { layer: 'bringup', not: ['lab', 'cli', FORMATTERS], why: 'bring-up is a service' },
  { layer: 'report', not: ['cli', 'services', 'bringup', 'lab', 'transport', 'io'], why: 'formatters take data and return text: no command, service or bring-up code', runtimeOnly: true },
  { layer: 'results', not: ['cli', 'services', 'bringup', 'lab', 'transport', 'io', 'report'], why: 'the schemas and builders of reports are the ground floor under services and formatters' },
  { layer: 'serve', not: ['lab'], why: 'the API is an adapter like the CLI: the lab is handed in through the session options' },
  { layer: 'bringup/machines', not: ['transport', 'services', 'io'], why: 'the machines name their effects; effects.ts supplies them' },
];

function ruleBreaks(file: string, rule: Rule): string[] {
  const i = imports.get(file)!;
  return (rule.runtimeOnly ? i.runtime : i.local).filter((target) => rule.not.some((n) => (typeof n === 'string' ? inLayer(target, n) : n(target))));
}

/** Every file whose code a file runs, through relative imports (types carry no behaviour). */
function reach(file: string): Set<string> {
  const seen = new Set<string>();
  const todo = [file];
  while (todo.length > 0) {
    for (const t of imports.get(todo.pop()!)?.runtime ?? []) {
      if (!seen.has(t)) {
        seen.add(t);
        todo.push(t);
      }
    }
  }
  return seen;
}

describe('layers (docs/architecture.md)', () => {
  it('has files to check, and every relative import resolves to a file of src', () => {
    expect(all.length).toBeGreaterThan(100);
    const dangling = [...imports].flatMap(([f, i]) => i.local.filter((t) => !imports.has(t)).map((t) => `${f} → ${t}`));
    expect(dangling).toEqual([]);
  });

  for (const rule of RULES) {
    it(`${rule.layer}: ${rule.why}`, () => {
      const breaks = all.filter((f) => inLayer(f, rule.layer)).flatMap((f) => ruleBreaks(f, rule).map((t) => `${f} → ${t}`));
      expect(breaks).toEqual([]);
    });
  }

  it('core and fabric-docs use no I/O package, clock, process or console', () => {
    const core = all.filter((f) => inLayer(f, 'core') || inLayer(f, 'fabric-docs'));
    expect(core.length).toBeGreaterThan(10);
    for (const f of core) {
      expect({ f, bad: imports.get(f)!.packages.filter((p) => PURE_FORBIDDEN.includes(p)) }).toEqual({ f, bad: [] });
      expect({ f, text: /\bconsole\.|Date\.now\(|new Date\(|process\./.test(readFileSync(join(SRC, f), 'utf8')) }).toEqual({ f, text: false });
    }
  });

  // IPv4 arithmetic (core/net) is a library, not the controller's behaviour; types are shared.
  it("lab's agent runs no code of the controller but IPv4 arithmetic", () => {
    const agent = all.filter((f) => inLayer(f, 'lab/agent'));
    expect(agent.length).toBeGreaterThan(10);
    const breaks = agent.flatMap((f) => [...reach(f)].filter((t) => !inLayer(t, 'core/net') && CONTROLLER.some((c) => inLayer(t, c))).map((t) => `${f} ⇒ ${t}`));
    expect([...new Set(breaks)]).toEqual([]);
  });
});
