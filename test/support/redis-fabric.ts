// A fabric of plain redis-server processes, one per switch on its own 127.0.1.x address: CONFIG_DB
// as clos applied it (and the record of that apply in the state directory), STATE_DB and APPL_DB
// as SONiC's daemons leave them once converged, an inventory. No namespaces, no FRR: for CLI
// tests and benchmarks of commands that only read (drift). Every redis-server is recorded in
// the fabric's process records (src/lab/processes.ts) and only those are stopped.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { flatten, type Fields } from '../../src/core/diff/flat.ts';
import { loadFabric, type LoadedFabric } from '../../src/io/fabric.ts';
import { StateDir, stateDirFor } from '../../src/io/state-dir.ts';
import { readDatabaseConfigTemplate, startRedis, type RedisEndpoint } from '../../src/lab/redis.ts';
import { stopRecorded } from '../../src/lab/processes.ts';
import { mapConcurrent } from '../../src/services/concurrency.ts';
import { convergedState } from './converged-state.ts';

const DB = { APPL_DB: 0, CONFIG_DB: 4, STATE_DB: 6 } as const;
const TEMPLATE = new URL('../../src/lab/sonic/database_config.json', import.meta.url).pathname;

export interface RedisFabric {
  readonly dir: string;
  readonly file: string;
  readonly inventory: string;
  readonly stateDir: string;
  readonly loaded: LoadedFabric;
  readonly endpoints: ReadonlyMap<string, RedisEndpoint>;
  readonly records: string;
  /** A client of one switch's database (closed by stop()). */
  db(sw: string, db: keyof typeof DB): Redis;
  stop(): Promise<void>;
}

export interface RedisFabricOptions {
  readonly fabricText: string;
  /** Address of the i-th switch (file order): 127.0.1.x. */
  readonly host: (i: number) => string;
  /** One port for all (not 6379: the lab's switches listen there). */
  readonly port: number;
  /** Record an apply of the desired config in the state directory (default true). */
  readonly applied?: boolean;
  /** CONFIG_DB as clos applied it (default), or as the switch boots (factory: nothing of the
   *  fabric yet; bench:scale plans and applies from there). */
  readonly config?: 'applied' | 'factory';
  /** redis-servers started (and databases written) at once; default 16. */
  readonly parallel?: number;
  /** The servers' background frequency (src/lab/redis.ts redisConfig); redis's default, 10,
   *  SONiC's, when absent. */
  readonly hz?: number;
}

export async function startRedisFabric(o: RedisFabricOptions): Promise<RedisFabric> {
  const dir = mkdtempSync(join(tmpdir(), 'clos-redisfab-'));
  const name = /^fabric:\s*(\S+)/m.exec(o.fabricText)?.[1] ?? 'fabric';
  const file = join(dir, `${name}.fabric.yaml`);
  writeFileSync(file, o.fabricText);
  const records = join(dir, 'processes.jsonl');
  const clients = new Map<string, Redis>();
  const endpoints = new Map<string, RedisEndpoint>();
  const stop = async () => {
    for (const c of clients.values()) c.disconnect();
    clients.clear();
    await stopRecorded(records, () => true, 2_000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const loaded = await loadFabric(file, { writeLock: true });
    const template = readDatabaseConfigTemplate(TEMPLATE);
    loaded.intents.forEach((s, i) => {
      const swDir = join(dir, 'sw', s.name);
      mkdirSync(swDir, { recursive: true });
      endpoints.set(s.name, { host: o.host(i), port: o.port, socket: join(swDir, 'redis.sock') });
    });
    const parallel = o.parallel ?? 16;
    await mapConcurrent(loaded.intents, parallel, (s) => startRedis({ switch: s.name, dir: join(dir, 'sw', s.name), endpoint: endpoints.get(s.name)!, records, databaseConfigTemplate: template, ...(o.hz !== undefined ? { hz: o.hz } : {}) }));
    const seeded = seededDatabases(loaded, o.config ?? 'applied');
    const stateDir = new StateDir(stateDirFor(file, loaded.fabric.name));
    await mapConcurrent(loaded.intents, parallel, async (s) => {
      const dbs = seeded.get(s.name)!;
      await write(endpoints.get(s.name)!, DB.CONFIG_DB, dbs.CONFIG_DB, true);
      await write(endpoints.get(s.name)!, DB.STATE_DB, dbs.STATE_DB);
      await write(endpoints.get(s.name)!, DB.APPL_DB, dbs.APPL_DB);
      if ((o.applied ?? true) && o.config !== 'factory') await stateDir.saveApplied(s.name, dbs.desired);
    });
    const inventory = join(dir, `${name}.inventory.yaml`);
    writeFileSync(
      inventory,
      stringify({
        version: 1,
        fabric: loaded.fabric.name,
        switches: Object.fromEntries(loaded.intents.map((s) => [s.name, { transport: 'redis', flavour: 'sonic', redis: { host: endpoints.get(s.name)!.host, port: o.port } }])),
      }),
    );
    return {
      dir,
      file,
      inventory,
      stateDir: stateDir.dir,
      loaded,
      endpoints,
      records,
      db(sw, db) {
        const key = `${sw}/${db}`;
        let c = clients.get(key);
        if (!c) {
          c = new Redis({ path: endpoints.get(sw)!.socket, db: DB[db], maxRetriesPerRequest: 1 });
          clients.set(key, c);
        }
        return c;
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

export interface SeededSwitch {
  readonly CONFIG_DB: Map<string, Fields>;
  readonly STATE_DB: Map<string, Fields>;
  readonly APPL_DB: Map<string, Fields>;
  /** The switch's desired CONFIG_DB (what an apply records). */
  readonly desired: Map<string, Fields>;
}

/** Per switch, what the fabric's databases hold: CONFIG_DB at factory state (every port admin
 *  down, DEVICE_METADATA) with, unless factory, the desired config applied over it; STATE_DB and
 *  APPL_DB as SONiC's daemons leave them once converged (converged-state.ts). */
export function seededDatabases(loaded: LoadedFabric, config: 'applied' | 'factory'): Map<string, SeededSwitch> {
  const ops = convergedState(loaded.intents);
  const out = new Map<string, SeededSwitch>();
  for (const s of loaded.intents) {
    const desired = flatten(loaded.configs.get(s.name)!);
    const db = new Map<string, Fields>();
    for (const p of s.platform.ports) db.set(`PORT|${p.name}`, { admin_status: 'down', alias: p.alias, index: String(p.index), lanes: p.lanes, mtu: '9100', speed: String(p.speed) });
    db.set('DEVICE_METADATA|localhost', { mac: '52:54:00:00:00:01' });
    if (config !== 'factory') for (const [k, v] of desired) db.set(k, { ...db.get(k), ...v });
    out.set(s.name, { CONFIG_DB: db, STATE_DB: ops.get(s.name)!.STATE_DB, APPL_DB: ops.get(s.name)!.APPL_DB, desired });
  }
  return out;
}

async function write(ep: RedisEndpoint, db: number, entries: ReadonlyMap<string, Fields>, initialized = false): Promise<void> {
  const r = new Redis({ path: ep.socket, db, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    const p = r.multi();
    for (const [k, v] of entries) p.hset(k, Object.keys(v).length ? v : { NULL: 'NULL' });
    if (initialized) p.set('CONFIG_DB_INITIALIZED', '1');
    await p.exec();
  } finally {
    r.disconnect();
  }
}

/** A fabric file of `spines` spines and `leaves` leaves (racks of two, the first four racks with
 *  servers) on a 64-port platform: the shape of a large pod. */
export function podFabricYaml(name: string, spines: number, leaves: number): string {
  const uplinks = Array.from({ length: spines }, (_, i) => `Ethernet${252 - 4 * (spines - 1 - i)}`);
  const racks = Array.from({ length: Math.ceil(leaves / 2) }, (_, r) => {
    const members = [2 * r + 1, 2 * r + 2].filter((n) => n <= leaves).map((n) => `leaf${n}`);
    const servers = r < 4 ? `, servers: {vlan: 100, ports: Ethernet0-Ethernet44/4, prefix-length: 26}` : '';
    return `  - {name: r${r + 1}, leaves: [${members.join(', ')}]${servers}}`;
  });
  return [
    `fabric: ${name}`,
    'underlay:',
    '  asn: {spine: 65000, leaves: 4200000001-4200000999}',
    '  loopbacks: 10.10.0.0/24',
    '  p2p: 10.11.0.0/20',
    '  servers: 172.20.0.0/16',
    '  timers: {keepalive: 3, holdtime: 9}',
    '  mtu: 9100',
    'defaults: {hwsku: Lab-64x100G}',
    'platforms:',
    '  Lab-64x100G: {ports: Ethernet0-Ethernet252/4, speed: 100000}',
    'spines:',
    ...Array.from({ length: spines }, (_, i) => `  - name: spine${i + 1}`),
    'racks:',
    ...racks,
    'cabling:',
    `  leaf-uplinks: [${uplinks.join(', ')}]`,
    "  spine-ports: Ethernet0-Ethernet252/4",
    '',
  ].join('\n');
}
