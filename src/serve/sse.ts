// Server-Sent Events on a fastify reply: the reply is taken over (hijacked) and written as a
// text/event-stream; the headers fastify's hooks set (security headers) are kept. A comment
// line every 15 s keeps proxies from closing an idle stream.
import type { FastifyReply } from 'fastify';

export interface SseEvent {
  readonly id?: number;
  readonly event: string;
  readonly data: unknown;
}

export interface SseStream {
  send(e: SseEvent): void;
  end(): void;
  readonly closed: boolean;
  onClose(f: () => void): void;
}

/** Every open stream, so that shutting down can end them (fastify's close waits for them). */
export class SseHub {
  private readonly open = new Set<SseStream>();

  start(reply: FastifyReply): SseStream {
    const res = reply.raw;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = String(v);
    reply.hijack();
    res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(': clos\n\n');
    let closed = false;
    const closers: (() => void)[] = [];
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), 15_000);
    const stream: SseStream = {
      send: (e) => {
        if (closed) return;
        res.write(`${e.id !== undefined ? `id: ${e.id}\n` : ''}event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
      },
      end: () => {
        if (closed) return;
        finish();
        res.end();
      },
      get closed() {
        return closed;
      },
      onClose: (f) => closers.push(f),
    };
    const finish = () => {
      if (closed) return;
      closed = true;
      clearInterval(keepalive);
      this.open.delete(stream);
      for (const f of closers) f();
    };
    res.on('close', finish);
    this.open.add(stream);
    return stream;
  }

  endAll(): void {
    for (const s of [...this.open]) s.end();
  }

  get size(): number {
    return this.open.size;
  }
}
