// `clos serve`: builds the app and listens. Binds 127.0.0.1 unless told otherwise; refuses to
// serve without tokens on any other address. SIGTERM/SIGINT: stop accepting connections, end
// the event streams, stop bring-ups where they are (their records stay resumable with
// `clos bringup F --resume`) and let applies and rollbacks finish their switch writes.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Logger } from '../log.ts';
import type { SessionOptions } from '../services/session.ts';
import { buildApp } from './app.ts';
import { discoverFabrics } from './fabrics.ts';
import { TokenStore } from './tokens.ts';

export interface ServeOptions {
  readonly files: readonly string[];
  readonly dir?: string;
  readonly host: string;
  readonly port: number;
  readonly tokens?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly watchMs?: number;
  readonly metricsPublic?: boolean;
  readonly session: SessionOptions;
  readonly log: Logger;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

export async function serve(o: ServeOptions): Promise<{ url: string; close: () => Promise<void> }> {
  if (Boolean(o.tlsCert) !== Boolean(o.tlsKey)) throw new Error('--tls-cert and --tls-key go together');
  if (!o.tokens && !isLoopback(o.host)) throw new Error(`--host ${o.host} is not a loopback address: serving there needs --tokens FILE (clos serve token add NAME --role operate --tokens FILE)`);
  const fabrics = await discoverFabrics(o.files, o.dir);
  const app = await buildApp({
    fabrics,
    session: o.session,
    tokens: o.tokens ? TokenStore.load(o.tokens) : null,
    ...(o.metricsPublic ? { metricsPublic: true } : {}),
    ...(o.watchMs ? { watchMs: o.watchMs } : {}),
    ...(o.tlsCert && o.tlsKey ? { https: { cert: readFileSync(o.tlsCert), key: readFileSync(o.tlsKey) } } : {}),
    log: o.log,
  });
  const address = await app.listen({ host: o.host, port: o.port });
  if (!o.tokens) o.log.warn('no --tokens: every request may read and operate (loopback only)');
  return { url: address, close: () => app.close() };
}
