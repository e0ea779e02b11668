// Stage 1: text → RawFabric. YAML is parsed keeping source positions so that every later
// diagnostic, whatever stage finds it, can name the file, line and column it is about.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { diag, type Diagnostic, type DocPath } from '../diagnostics.ts';
import { fabricSchema, LIMITS, type RawFabric } from './schema.ts';
import { recover, type Broken } from './salvage.ts';
import { aliasProblem, isResourceError } from './yaml-limits.ts';

export interface SourcePos {
  readonly line: number;
  readonly col: number;
}

/** Finds where a path of the document is written. Falls back to the nearest existing parent. */
export interface SourceMap {
  locate(path: DocPath, at?: 'key' | 'value'): SourcePos;
}

export interface Parsed {
  /** The file's data; after schema errors, what remains once the bad parts are cut (broken). */
  readonly raw?: RawFabric;
  readonly broken?: Broken;
  readonly source: SourceMap;
  readonly diagnostics: readonly Diagnostic[];
}

const NO_SOURCE: SourceMap = { locate: () => ({ line: 1, col: 1 }) };

export function parseFabric(text: string): Parsed {
  // Characters are never more than bytes: a text over the byte limit in characters is refused
  // here too, for callers that did not read it through loadFabric's bounded read.
  if (text.length > LIMITS.fileBytes) return { source: NO_SOURCE, diagnostics: [{ ...tooLarge(), line: 1, col: 1 }] };
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const source = sourceMap(doc, lineCounter);
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, col: pos.col };
  };
  const syntax = [...doc.errors, ...doc.warnings].map((e) => {
    const msg = e.message.split('\n')[0] ?? e.message;
    if (isResourceError(msg)) return { ...diag('YAML_RESOURCE', [], `the YAML is nested too deeply: ${msg}`, 'flatten the file; docs/fabric-file.md "Limits"'), ...at(e.pos[0]) };
    return { ...diag('YAML_SYNTAX', [], msg, 'fix the YAML syntax first'), ...at(e.pos[0]) };
  });
  if (syntax.length > 0) return { source, diagnostics: syntax };
  const aliases = aliasProblem(doc);
  if (aliases) {
    return { source, diagnostics: [{ ...diag('YAML_RESOURCE', [], aliases.message, 'write the values out, or use fewer aliases; docs/fabric-file.md "Limits"'), ...at(aliases.offset) }] };
  }
  let data: unknown;
  try {
    // aliasProblem bounded the expansion; the library's own count would refuse legitimate reuse.
    data = doc.toJS({ maxAliasCount: -1 });
  } catch (e) {
    return { source, diagnostics: [{ ...diag('YAML_RESOURCE', [], `the YAML cannot be turned into data: ${(e as Error).message}`, 'docs/fabric-file.md "Limits"'), line: 1, col: 1 }] };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { source, diagnostics: [diag('BAD_TYPE', [], 'the fabric file must be a YAML mapping', 'start with `fabric: <name>`')] };
  }
  const result = fabricSchema.safeParse(data);
  if (result.success) return { raw: result.data, source, diagnostics: [] };
  // Every schema problem is reported; what remains once the bad parts are cut still goes through
  // the later checks, so independent problems all come out in one run.
  const recovered = recover(data, result.error.issues);
  return { ...(recovered.raw ? { raw: recovered.raw } : {}), broken: recovered.broken, source, diagnostics: recovered.diagnostics };
}

function sourceMap(doc: Document, lines: LineCounter): SourceMap {
  const posOf = (offset: number): SourcePos => {
    const p = lines.linePos(offset);
    return { line: p.line, col: p.col };
  };
  return {
    locate(path, at = 'value') {
      let node: Node | null = doc.contents as Node | null;
      let keyNode: Node | null = null;
      for (const step of path) {
        if (isMap(node)) {
          const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(step));
          if (!pair) break;
          keyNode = pair.key as Node;
          node = (pair.value as Node | null) ?? keyNode;
        } else if (isSeq(node) && typeof step === 'number') {
          const item = node.items[step] as Node | undefined;
          if (!item) break;
          keyNode = null;
          node = item;
        } else {
          break;
        }
      }
      const target = at === 'key' && keyNode ? keyNode : node;
      return target?.range ? posOf(target.range[0]) : { line: 1, col: 1 };
    },
  };
}

/** The fabric file is over LIMITS.fileBytes. */
export function tooLarge(): Diagnostic {
  return diag('FILE_TOO_LARGE', [], `the fabric file is larger than the limit of ${LIMITS.fileBytes} bytes (4 MiB); it was not parsed`, 'a fabric file is a few kilobytes to a few hundred; is this the right file?');
}
