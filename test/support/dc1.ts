// topologies/dc1 compiled with its committed lock: the example fabric unit tests build on.
import { readFileSync } from 'node:fs';
import { compileFabric, formatDiagnostics, type Compiled } from '../../src/core/compile.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

export function compileDc1(): Compiled {
  const compiled = compileFabric({
    text: readFileSync(`${ROOT}/topologies/dc1.fabric.yaml`, 'utf8'),
    file: 'dc1.fabric.yaml',
    lockText: readFileSync(`${ROOT}/topologies/dc1.lock.yaml`, 'utf8'),
    lockFile: 'dc1.lock.yaml',
  });
  if (!compiled.ok) throw new Error(`dc1 does not compile:\n${formatDiagnostics(compiled.diagnostics)}`);
  return compiled;
}
