#!/usr/bin/env node
// Entry point for `clos`: runs the compiled JavaScript in dist/, which `npm ci` (and `npm pack`)
// build through the `prepare` script. A missing dist/, or in a clone one older than a source,
// would fail obscurely or run yesterday's code: refuse, naming the fix.
import { distProblem } from './freshness.js';

const problem = distProblem();
if (problem) {
  process.stderr.write(`clos: ${problem}: run \`npm run build\` (npm ci runs it through prepare)\n`);
  process.exit(1);
}
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv);
