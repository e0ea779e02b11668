// docs/errors.md lists exactly the codes the code can emit (as fastify checks its Errors.md).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES } from '../../src/core/diagnostics.ts';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

describe('docs/errors.md', () => {
  it('lists every diagnostic code, and no other', () => {
    const listed = [...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]).sort();
    expect(listed).toEqual(Object.keys(DIAGNOSTIC_CODES).sort());
  });
});
