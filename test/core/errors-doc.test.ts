// docs/errors.md lists exactly the codes the code can emit (as fastify checks its Errors.md):
// the fabric file diagnostics in one table, the operational errors in another.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES } from '../../src/core/diagnostics.ts';
import { OPERATIONAL_ERROR_CODES } from '../../src/errors.ts';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const [diagnostics, operational] = doc.split('## Operational errors');
const codesIn = (text: string | undefined) => [...(text ?? '').matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]).sort();

describe('docs/errors.md', () => {
  it('lists every fabric file diagnostic code, and no other', () => {
    expect(codesIn(diagnostics)).toEqual(Object.keys(DIAGNOSTIC_CODES).sort());
  });
  it('lists every operational error code, and no other', () => {
    expect(codesIn(operational)).toEqual(Object.keys(OPERATIONAL_ERROR_CODES).sort());
  });
});
