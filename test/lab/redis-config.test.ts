// The lab's redis-server configuration, on a real redis-server started and stopped by record.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stopRecorded } from '../../src/lab/processes.ts';
import { connect, readDatabaseConfigTemplate, startRedis, type RedisEndpoint } from '../../src/lab/redis.ts';

const dir = mkdtempSync(join(tmpdir(), 'clos-redis-config-'));
const records = join(dir, 'processes.jsonl');
const template = readDatabaseConfigTemplate(new URL('../../src/lab/sonic/database_config.json', import.meta.url).pathname);

afterAll(async () => {
  await stopRecorded(records, () => true, 2_000);
  rmSync(dir, { recursive: true, force: true });
});

async function started(name: string, host: string, hz?: number): Promise<RedisEndpoint> {
  const swDir = join(dir, name);
  mkdirSync(swDir);
  const endpoint = { host, port: 26393, socket: join(swDir, 'redis.sock') };
  await startRedis({ switch: name, dir: swDir, endpoint, records, databaseConfigTemplate: template, ...(hz !== undefined ? { hz } : {}) });
  return endpoint;
}

async function configGet(ep: RedisEndpoint, name: string): Promise<string | undefined> {
  const r = connect(ep);
  try {
    await r.connect();
    return ((await r.config('GET', name)) as string[])[1];
  } finally {
    r.disconnect();
  }
}

describe("the lab's redis-server", () => {
  it("keeps redis's default background frequency (SONiC's), and takes another when asked (bench:scale --hz)", async () => {
    const lab = await started('sw1', '127.0.6.21');
    const bench = await started('sw2', '127.0.6.22', 1);
    expect(await configGet(lab, 'hz')).toBe('10');
    expect(await configGet(bench, 'hz')).toBe('1');
    // What SONiC's clients need stays as it is either way.
    expect(await configGet(bench, 'notify-keyspace-events')).toMatch(/^(?=.*A)(?=.*K)(?=.*E)/);
    expect(await configGet(bench, 'databases')).toBe('32');
  });
});
