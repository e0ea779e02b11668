// iproute2 inside one switch's namespace (`ip -n NS …`). Bulk changes go through `-batch` with
// `-force` so one spawn applies many lines and a failing line does not stop the others.
import { run } from '../exec.ts';
import { type AddressInfo, type LinkInfo, parseAddresses, parseLinks } from './links.ts';

export class IpError extends Error {
  override readonly name = 'IpError';
}

export class NamespaceIp {
  constructor(readonly ns: string) {}

  async links(): Promise<Map<string, LinkInfo>> {
    const r = await run('ip', ['-n', this.ns, '-j', 'link', 'show']);
    if (r.code !== 0) throw new IpError(`ip -n ${this.ns} link show: ${r.stderr.trim()}`);
    return parseLinks(JSON.parse(r.stdout || '[]'));
  }

  async addresses(): Promise<AddressInfo[]> {
    const r = await run('ip', ['-n', this.ns, '-j', 'addr', 'show']);
    if (r.code !== 0) throw new IpError(`ip -n ${this.ns} addr show: ${r.stderr.trim()}`);
    return parseAddresses(JSON.parse(r.stdout || '[]'));
  }

  /** Runs `ip` (tool "ip") or `bridge` lines in one batch; returns the failed lines with the
   *  error iproute2 printed for them. */
  async batch(lines: readonly string[], tool: 'ip' | 'bridge' = 'ip'): Promise<{ line: string; error: string }[]> {
    if (lines.length === 0) return [];
    const r = await run(tool, ['-n', this.ns, '-force', '-batch', '-'], { input: `${lines.join('\n')}\n` });
    if (r.code === 0) return [];
    return attributeErrors(lines, r.stderr);
  }
}

/** iproute2 -batch prints the error then `Command failed -:N` (1-based line) for each failure. */
export function attributeErrors(lines: readonly string[], stderr: string): { line: string; error: string }[] {
  const failed: { line: string; error: string }[] = [];
  let pending: string[] = [];
  for (const l of stderr.split('\n')) {
    const m = /^Command failed -:(\d+)$/.exec(l.trim());
    if (m) {
      failed.push({ line: lines[Number(m[1]) - 1] ?? `line ${m[1]}`, error: pending.join(' ').trim() });
      pending = [];
    } else if (l.trim()) {
      pending.push(l.trim());
    }
  }
  if (failed.length === 0) failed.push({ line: lines.join('; '), error: stderr.trim() });
  return failed;
}
