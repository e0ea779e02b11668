// `npm run schema`: writes the JSON Schemas exported from the one schema of each format:
// topologies/fabric.schema.json (for editors) and docs/drift.schema.json (the drift report).
import { writeFileSync } from 'node:fs';
import { fabricJsonSchema } from '../src/core/fabric/schema.ts';
import { driftJsonSchema } from '../src/results/drift-schema.ts';

const root = new URL('..', import.meta.url).pathname;
for (const [path, schema] of [
  ['topologies/fabric.schema.json', fabricJsonSchema()],
  ['docs/drift.schema.json', driftJsonSchema()],
] as const) {
  writeFileSync(`${root}${path}`, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote ${path}`);
}
