// `npm run golden`: rewrites every golden file from the current code. Review the diff before
// committing it: a golden that changes is a behaviour that changed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ERROR_CASES, EXAMPLES, ROOT, errorGolden, exampleGoldens } from '../test/support/goldens.ts';
import { docsGoldens } from '../test/support/docs-goldens.ts';

let count = 0;
const write = (rel: string, text: string) => {
  mkdirSync(dirname(join(ROOT, rel)), { recursive: true });
  writeFileSync(join(ROOT, rel), text);
  count++;
};
for (const f of EXAMPLES) for (const [rel, text] of exampleGoldens(f)) write(rel, text);
for (const f of ERROR_CASES) write(...errorGolden(f));
for (const f of EXAMPLES) for (const [rel, text] of docsGoldens(f)) write(rel, text);
console.log(`wrote ${count} golden files`);
