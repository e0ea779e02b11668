import { describe, expect, it } from 'vitest';
import { plainLine } from '../../src/log.ts';

describe('plain log lines for terminals', () => {
  it('shows time, level, component, switch, message and the other fields', () => {
    const json = JSON.stringify({ level: 30, time: Date.UTC(2026, 10, 23, 16, 42, 1), pid: 1, hostname: 'h', name: 'clos-lab', switch: 'spine1', redis: '127.0.1.1:6379', msg: 'starting redis' });
    expect(plainLine(json)).toBe('16:42:01 INFO  clos-lab spine1: starting redis redis=127.0.1.1:6379\n');
  });
});
