// The pipeline, as one list of named stages. Pure: text in, data out; no I/O, clock or logging.
//   parse → resolve → allocate(lock) → build → lint → render
import { formatDiagnostic, sortDiagnostics, type Diagnostic } from './diagnostics.ts';
import { allocate, type AllocateOptions } from './allocate/allocate.ts';
import { parseLock } from './allocate/lock.ts';
import { parseFabric } from './fabric/parse.ts';
import { resolveFabric } from './fabric/resolve.ts';
import { NOTHING_BROKEN } from './fabric/salvage.ts';
import { buildIntents } from './intent/build.ts';
import { lintIntents, lintRendered } from './intent/lint.ts';
import type { Allocation, AllocationChange, ConfigDb, Fabric, SwitchIntent } from './model.ts';
import { renderConfigDb } from './render/render.ts';

export interface CompileInput {
  readonly text: string;
  readonly file: string; // as the user named it, for diagnostics
  readonly lockText?: string;
  readonly lockFile?: string;
}

export interface Compiled {
  readonly fabric: Fabric;
  readonly allocation: Allocation;
  readonly changes: readonly AllocationChange[];
  readonly intents: readonly SwitchIntent[];
  readonly configs: ReadonlyMap<string, ConfigDb>;
}

export type CompileResult =
  | ({ readonly ok: true; readonly diagnostics: readonly [] } & Compiled)
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

export function compileFabric(input: CompileInput, opts: AllocateOptions & { render?: boolean } = {}): CompileResult {
  const parsed = parseFabric(input.text);
  // Problems found so far are kept and shown together with those of the stage that stops.
  const located = (ds: readonly Diagnostic[]): CompileResult => ({
    ok: false,
    diagnostics: sortDiagnostics(
      [...parsed.diagnostics, ...ds].map((d) => ({ ...d, file: input.file, ...(d.line === undefined ? parsed.source.locate(d.path, d.at) : {}) })),
    ),
  });
  if (!parsed.raw) return located([]);

  const broken = parsed.broken ?? NOTHING_BROKEN;
  const resolved = resolveFabric(parsed.raw, broken);
  // With parts cut out, allocating would only report what the stand-ins cause.
  if (!resolved.fabric || broken.cut) return located(resolved.diagnostics);
  const fabric = resolved.fabric;

  let lock: Allocation | undefined;
  if (input.lockText !== undefined) {
    const l = parseLock(input.lockText, fabric.name);
    if (!l.lock) {
      const file = input.lockFile ?? 'lock';
      const own = l.diagnostics.map((d) => ({ ...d, file, line: d.line ?? 1, col: d.col ?? 1 }));
      return { ok: false, diagnostics: [...(parsed.diagnostics.length > 0 ? located([]).diagnostics : []), ...own] };
    }
    lock = l.lock;
  }

  const allocated = allocate(fabric, lock, opts);
  if (!allocated.allocation) return located(allocated.diagnostics);

  const intents = buildIntents(fabric, allocated.allocation);
  const lint = lintIntents(fabric, intents);
  if (lint.length > 0) return located(lint);

  const configs = new Map<string, ConfigDb>();
  if (opts.render !== false) {
    const rendered: Diagnostic[] = [];
    for (const s of intents) {
      const db = renderConfigDb(s);
      rendered.push(...lintRendered(fabric, s.name, db));
      configs.set(s.name, db);
    }
    if (rendered.length > 0) return located(rendered);
  }
  if (parsed.diagnostics.length > 0) return located([]);
  return { ok: true, diagnostics: [], fabric, allocation: allocated.allocation, changes: allocated.changes, intents, configs };
}

export function formatDiagnostics(ds: readonly Diagnostic[]): string {
  return ds.map(formatDiagnostic).join('\n');
}
