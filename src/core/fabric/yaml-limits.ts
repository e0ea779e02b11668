// YAML's resource limits, checked before the document becomes data: aliases may make a small
// file expand to billions of nodes (the "billion laughs") or to a cycle, and the yaml library's
// own guard throws without a position. Here the offending alias is named by line and column.
import { isAlias, isMap, isPair, isSeq, visit, type Document } from 'yaml';
import { LIMITS } from './schema.ts';

export interface AliasProblem {
  /** Offset of the alias in the text. */
  readonly offset: number;
  readonly message: string;
}

/** The first alias (in document order) at which the expansion of aliases passes the limit, or
 *  that refers to a node containing itself. */
export function aliasProblem(doc: Document): AliasProblem | undefined {
  const sizes = new Map<unknown, number>();
  const busy = new Set<unknown>();
  // Nodes a value stands for once aliases are expanded; Infinity for a cycle.
  const sizeOf = (n: unknown): number => {
    if (isAlias(n)) return sizeOf(n.resolve(doc));
    if (!isMap(n) && !isSeq(n)) return isPair(n) ? sizeOf(n.key) + sizeOf(n.value) : 1;
    const known = sizes.get(n);
    if (known !== undefined) return known;
    if (busy.has(n)) return Infinity;
    busy.add(n);
    let total = 1;
    for (const item of n.items as unknown[]) {
      total += isPair(item) ? sizeOf(item.key) + sizeOf(item.value) : sizeOf(item);
      if (total > LIMITS.aliasNodes) break; // enough to know
    }
    busy.delete(n);
    sizes.set(n, total);
    return total;
  };
  let expanded = 0;
  let found: AliasProblem | undefined;
  try {
    visit(doc, {
      Alias(_, alias) {
        const size = sizeOf(alias);
        const offset = alias.range?.[0] ?? 0;
        if (size === Infinity) {
          found = { offset, message: `alias *${alias.source} refers to a node that contains it (a cycle)` };
          return visit.BREAK;
        }
        expanded += size;
        if (expanded > LIMITS.aliasNodes) {
          found = { offset, message: `aliases expand to more than ${LIMITS.aliasNodes} nodes (passed at *${alias.source}): a "billion laughs"` };
          return visit.BREAK;
        }
        return undefined;
      },
    });
  } catch (e) {
    // Alias chains deeper than the stack: resource exhaustion by another road.
    if (!(e instanceof RangeError)) throw e;
    return { offset: 0, message: `aliases are nested too deeply: ${e.message}` };
  }
  return found;
}

/** Whether a yaml parse error is about resources (the parser's stack), not syntax. */
export function isResourceError(message: string): boolean {
  return /call stack|resource exhaustion/i.test(message);
}
