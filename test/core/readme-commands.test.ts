// The README's commands are run as written on a bare Debian machine as root, which has no sudo
// (issue 13, item 11): no shell line of the README or docs/ starts with `sudo`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;

/** The lines of every ```sh block of a Markdown file. */
function shellLines(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/^```(?:sh|bash|shell)\n([\s\S]*?)^```/gm)].flatMap((m) => m[1]!.split('\n'));
}

describe('README and docs commands run on bare Debian as root', () => {
  it('the two main commands are in the README, without sudo', () => {
    const lines = shellLines('README.md');
    expect(lines).toContain('bash scripts/demo.sh');
    expect(lines).toContain('bash scripts/setup.sh && npm test');
  });
  // containerlab's own commands (docs/lab.md) run on another machine, as its documentation shows.
  for (const file of ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]) {
    it(`${file}: no clos, npx, npm or bash command starts with sudo`, () => {
      expect(shellLines(file).filter((l) => /^\s*sudo\s+(npx|npm|bash|clos|node)\b/.test(l))).toEqual([]);
    });
  }
});
