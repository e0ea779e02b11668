// The dashboard: plain HTML, CSS and JavaScript modules from src/serve/dashboard/, served as
// they are (no build step). It talks to the API like any client, with the token the user
// pastes (kept in the browser's sessionStorage).
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const DIR = new URL('./dashboard/', import.meta.url);
const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'views.js': 'text/javascript; charset=utf-8',
  'api.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

export function registerDashboard(app: FastifyInstance): void {
  const body = new Map(Object.keys(FILES).map((f) => [f, readFileSync(new URL(f, DIR))]));
  const send = (name: string) => async (_req: unknown, reply: import('fastify').FastifyReply) => reply.type(FILES[name]!).header('cache-control', 'no-cache').send(body.get(name));
  app.get('/', send('index.html'));
  for (const f of Object.keys(FILES)) app.get(`/ui/${f}`, send(f));
}
