// One redis-server per switch, in the root namespace (the controller reaches it at
// 127.0.1.N:6379 like a switch's management address) plus a unix socket in the switch dir,
// and the switch's startup config loaded into a blank CONFIG_DB.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { type ConfigDoc, docToRedis } from './agent/db/config-file.ts';
import { INIT_INDICATOR } from './agent/db/startup.ts';
import { LabError } from './errors.ts';
import { spawnDaemon } from './processes.ts';

export const CONFIG_DB = 4;
export const REDIS_PORT = 6379;

export interface RedisEndpoint {
  readonly host: string;
  readonly port: number;
  readonly socket: string;
}

// SONiC's database_config.json names databases up to id 18 (DPU_*): `databases 16` would make
// a client that selects them fail, so the lab's servers have 32.
const DATABASES = 32;

/** `hz`: how often the server does its background work (redis's default, 10, is SONiC's: its
 *  redis.conf sets none). Only bench:scale lowers it: there a thousand servers share the
 *  controller's two cores, where each real switch has a CPU of its own. */
export function redisConfig(ep: RedisEndpoint, dir: string, hz?: number): string {
  return [
    `bind ${ep.host}`,
    `port ${ep.port}`,
    `unixsocket ${ep.socket}`,
    'unixsocketperm 777',
    'save ""',
    'appendonly no',
    'notify-keyspace-events AKE',
    `databases ${DATABASES}`,
    'daemonize no',
    `dir ${dir}`,
    'logfile ""', // stdout: the log file spawnDaemon opened
    ...(hz !== undefined ? [`hz ${hz}`] : []),
    '',
  ].join('\n');
}

/** SONiC's database_config.json with the "redis" instance pointing at this switch's server. */
export function databaseConfig(template: string, ep: RedisEndpoint): string {
  const doc = JSON.parse(template) as { INSTANCES: Record<string, Record<string, unknown>> };
  doc.INSTANCES.redis = { hostname: ep.host, port: ep.port, unix_socket_path: ep.socket };
  return `${JSON.stringify(doc, null, 4)}\n`;
}

export interface RedisStart {
  readonly switch: string;
  readonly dir: string;
  readonly endpoint: RedisEndpoint;
  readonly records: string;
  readonly databaseConfigTemplate: string;
  /** The server's background frequency (redisConfig); redis's default when absent. */
  readonly hz?: number;
}

export async function startRedis(s: RedisStart): Promise<void> {
  const conf = join(s.dir, 'redis.conf');
  writeFileSync(conf, redisConfig(s.endpoint, s.dir, s.hz));
  writeFileSync(join(s.dir, 'database_config.json'), databaseConfig(s.databaseConfigTemplate, s.endpoint));
  await spawnDaemon({
    records: s.records,
    name: 'redis',
    switch: s.switch,
    cmd: 'redis-server',
    args: [conf],
    logFile: join(s.dir, 'redis.log'),
  });
  await waitForRedis(s.switch, s.endpoint);
}

export function connect(ep: RedisEndpoint, db = 0): Redis {
  const r = new Redis({ path: ep.socket, db, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  r.on('error', () => {}); // failures surface as rejected commands, with the switch named
  return r;
}

async function waitForRedis(name: string, ep: RedisEndpoint, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const r = connect(ep);
    try {
      await r.connect();
      if ((await r.ping()) === 'PONG') return;
    } catch (e) {
      last = e;
    } finally {
      r.disconnect();
    }
    await sleep(20);
  }
  throw new LabError('LAB_SPAWN_FAILED', `switch ${name}: redis at ${ep.socket} did not answer PING: ${String(last)}`);
}

/** CONFIG_DB as the switch boots with `doc` (its startup config), CONFIG_DB_INITIALIZED last
 *  (readers wait for it). One MULTI: a reader never sees half a config. Skipped when already
 *  initialised (a running switch, or a re-run after a crash). */
export async function loadConfigIfBlank(name: string, ep: RedisEndpoint, doc: ConfigDoc): Promise<boolean> {
  const r = connect(ep, CONFIG_DB);
  try {
    await r.connect();
    if ((await r.get(INIT_INDICATOR)) === '1') return false;
    const tx = r.multi();
    for (const [key, fields] of docToRedis(doc)) tx.hset(key, fields);
    tx.set(INIT_INDICATOR, '1');
    await tx.exec();
    return true;
  } catch (e) {
    throw new LabError('LAB_COMMAND_FAILED', `switch ${name}: loading the startup config into redis ${ep.socket}: ${String(e)}`, { cause: e });
  } finally {
    r.disconnect();
  }
}

export function readDatabaseConfigTemplate(file: string): string {
  return readFileSync(file, 'utf8');
}
