// `npm run openapi`: writes docs/openapi.json, the OpenAPI document `clos serve` serves at
// /api/openapi.json (generated from the route definitions, src/serve/api.ts).
import { writeFileSync } from 'node:fs';
import { openApiDocument } from '../src/serve/openapi.ts';

const path = new URL('../docs/openapi.json', import.meta.url).pathname;
writeFileSync(path, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
console.log('wrote docs/openapi.json');
