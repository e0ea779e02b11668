// `npm run schema`: writes topologies/fabric.schema.json (for editors) from the one schema.
import { writeFileSync } from 'node:fs';
import { fabricJsonSchema } from '../src/core/fabric/schema.ts';

const path = new URL('../topologies/fabric.schema.json', import.meta.url).pathname;
writeFileSync(path, `${JSON.stringify(fabricJsonSchema(), null, 2)}\n`);
console.log(`wrote ${path}`);
