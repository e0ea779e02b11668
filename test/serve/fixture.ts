// The API on a fabric of in-memory switches (test/bringup/memory-lab.ts): dc1 in factory state
// behind buildApp, with a tokens file holding one read and one operate token.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { stringify } from 'yaml';
import { buildApp, type AppOptions } from '../../src/serve/app.ts';
import { addToken, TokenStore } from '../../src/serve/tokens.ts';
import { dc1Text } from '../bringup/fabric.ts';
import { MemoryLab } from '../bringup/memory-lab.ts';

export interface MemoryApi {
  readonly app: Awaited<ReturnType<typeof buildApp>>;
  readonly lab: MemoryLab;
  readonly read: string;
  readonly operate: string;
  readonly tokensFile: string;
  close(): Promise<void>;
}

/** `text`: a fabric file declaring fabric dc1 (default: dc1 itself). */
export async function memoryApi(extra: Partial<AppOptions> = {}, text = dc1Text(0)): Promise<MemoryApi> {
  const lab = new MemoryLab();
  const session = await lab.open(text);
  const inventory = join(lab.dir, 'dc1.inventory.yaml');
  writeFileSync(inventory, stringify({ version: 1, fabric: 'dc1', switches: Object.fromEntries(session.switches.map((n) => [n, { transport: 'redis', redis: { host: '127.0.0.1', port: 9 } }])) }));
  const tokDir = mkdtempSync(join(tmpdir(), 'clos-tokens-'));
  const tokensFile = join(tokDir, 'tokens.json');
  const read = await addToken(tokensFile, 'ci-reader', 'read');
  const operate = await addToken(tokensFile, 'pipeline', 'operate');
  const app = await buildApp({
    fabrics: [{ name: 'dc1', file: lab.file }],
    session: { inventory, concurrency: 8, connect: session.opts.connect! },
    tokens: TokenStore.load(tokensFile),
    ...extra,
  });
  await app.ready();
  return {
    app,
    lab,
    read,
    operate,
    tokensFile,
    close: async () => {
      await app.close();
      rmSync(lab.dir, { recursive: true, force: true });
      rmSync(tokDir, { recursive: true, force: true });
    },
  };
}

export const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

export interface SseEvent {
  readonly id?: number;
  readonly event: string;
  readonly data: Record<string, unknown>;
}

/** One event of a text/event-stream (the block between two blank lines), or undefined for a
 *  block without data (a comment, a keep-alive). */
function sseEvent(block: string): SseEvent | undefined {
  const lines = block.split('\n');
  const get = (k: string) => lines.find((l) => l.startsWith(`${k}: `))?.slice(k.length + 2);
  const data = get('data');
  if (data === undefined) return undefined;
  const id = get('id');
  return { ...(id ? { id: Number(id) } : {}), event: get('event') ?? 'message', data: JSON.parse(data) as Record<string, unknown> };
}

/** Parses a text/event-stream body into its events. */
export function sseEvents(body: string): SseEvent[] {
  return body.split('\n\n').flatMap((b) => sseEvent(b) ?? []);
}

/** Reads an SSE response until `until` says stop (it sees every event as it comes); returns
 *  the events seen. */
export async function readEvents(url: string, token: string, until: (e: SseEvent) => boolean, signal?: AbortSignal): Promise<SseEvent[]> {
  const r = await fetch(url, { headers: bearer(token), ...(signal ? { signal } : {}) });
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
  const seen: SseEvent[] = [];
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return seen;
    buf += value;
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const e = sseEvent(buf.slice(0, i));
      buf = buf.slice(i + 2);
      if (!e) continue;
      seen.push(e);
      if (until(e)) {
        await reader.cancel();
        return seen;
      }
    }
  }
}
