// design.md: everything left of the switches is pure. No file in src/core may import I/O,
// transports, orchestration or a logger.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CORE = new URL('../../src/core', import.meta.url).pathname;
// The fabric's documents are generated as purely as the pipeline (the CLI adapter writes them).
const DOCS = new URL('../../src/fabric-docs', import.meta.url).pathname;
const FORBIDDEN = ['ioredis', '@grpc/grpc-js', 'protobufjs', 'fastify', 'xstate', 'pino', 'node:fs', 'node:net', 'node:child_process', 'fs', 'net', 'child_process', 'node:fs/promises', 'fs/promises'];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('src/core and src/fabric-docs are pure', () => {
  const all = [...files(CORE), ...files(DOCS)];
  it('has files to check', () => expect(all.length).toBeGreaterThan(10));
  for (const f of all) {
    it(f.slice(CORE.length - 'core'.length), () => {
      const text = readFileSync(f, 'utf8');
      const imports = [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
      expect(imports.filter((i) => FORBIDDEN.includes(i!))).toEqual([]);
      expect(text).not.toMatch(/\bconsole\.|Date\.now\(|new Date\(|process\./);
    });
  }
});
