// gNOI SonicService.ConfigSave between the emulated sonic-gnmi server and the client, over real
// gRPC: the server runs the switch's `config save` (here a recorder), serialised after a Set in
// flight; a failing save is a gRPC error naming the cause; a server without one answers
// UNIMPLEMENTED. Own redis-server on 127.0.1.44:6379, gNMI on :8080.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GnmiClient, GnmiError } from '../../src/gnmi/client.ts';
import { startGnmiServer, type GnmiServer } from '../../src/gnmi/server.ts';
import { startTestRedis, type TestRedis } from './helpers.ts';

const HOST = '127.0.1.44';
let redis: TestRedis;
const servers: GnmiServer[] = [];
const clients: GnmiClient[] = [];

beforeAll(async () => {
  redis = await startTestRedis(HOST);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(servers.map((s) => s.close()));
  await redis.stop();
});

async function serve(port: number, saveConfig?: () => Promise<void>): Promise<GnmiClient> {
  servers.push(await startGnmiServer({ switchName: 'leaf1', redis: { host: HOST, port: 6379 }, address: `${HOST}:${port}`, ...(saveConfig ? { saveConfig } : {}) }));
  const c = new GnmiClient({ host: HOST, port });
  clients.push(c);
  return c;
}

describe('gNOI SonicService.ConfigSave', () => {
  it('runs the switch\'s config save and answers status 0', async () => {
    let saves = 0;
    const c = await serve(8080, async () => {
      saves++;
    });
    await c.configSave();
    await c.configSave();
    expect(saves).toBe(2);
  });

  it('a save that fails is a gRPC INTERNAL error with the reason', async () => {
    const c = await serve(8081, async () => {
      throw new Error('startup config /x/config_db.json: EROFS');
    });
    await expect(c.configSave()).rejects.toSatisfy((e: unknown) => e instanceof GnmiError && /EROFS/.test(e.message) && e.code === 13);
  });

  it('a server without config save answers UNIMPLEMENTED', async () => {
    const c = await serve(8082);
    await expect(c.configSave()).rejects.toSatisfy((e: unknown) => e instanceof GnmiError && e.code === 12);
  });
});
