import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { fabricJsonSchema } from '../../src/core/fabric/schema.ts';
import { EXAMPLES } from '../support/goldens.ts';

const root = new URL('../..', import.meta.url).pathname;

describe('topologies/fabric.schema.json', () => {
  it('is the export of the one schema (run `npm run schema` after changing it)', () => {
    const committed = JSON.parse(readFileSync(`${root}topologies/fabric.schema.json`, 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(fabricJsonSchema())));
  });

  it('accepts every example and rejects an unknown key, as the runtime validation does', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validate = ajv.compile(fabricJsonSchema());
    for (const f of EXAMPLES) {
      const doc = parse(readFileSync(`${root}topologies/${f}`, 'utf8'));
      expect(validate(doc), `${f}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(validate({ ...doc, colour: 'blue' })).toBe(false);
    }
  });
});
