// `systemctl restart bgp` right after a write, as a controller does it: the restarted bgpd's
// static part (router bgp, networks) must come from CONFIG_DB as redis holds it at the restart,
// like the bgp container's start, even when the agent's own view has not caught up yet. Here
// redis is kept busy (a Lua loop) right after the write, so the agent's read of the keyspace
// events waits while the restart runs. Fabric t-agent-restart (1 spine, 1 leaf), addresses
// 127.0.1.208/28.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restartBgp } from '../../src/lab/agent-client.ts';
import { labDown } from '../../src/lab/down.ts';
import type { LabState } from '../../src/lab/state.ts';
import { upTopology } from '../../src/lab/up.ts';
import { CONFIG_DB, vtysh } from './agent-helpers.ts';
import { clos } from './host-fixtures.ts';

const FABRIC = 't-agent-restart';
let state: LabState;
let tmp: string;

/** Keeps the redis server busy for ARGV[1] microseconds (scripts run alone). */
const BUSY = `local function now() local t = redis.call('TIME') return tonumber(t[1]) * 1000000 + tonumber(t[2]) end
local t0 = now() while now() - t0 < tonumber(ARGV[1]) do end return 1`;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'clos-agent-restart-'));
  await labDown(FABRIC);
  state = (await upTopology(clos(FABRIC, 1, 1), { fabricFile: join(tmp, `${FABRIC}.fabric.yaml`), addresses: '127.0.1.208/28', bgpmonIntervalMs: 500 })).state;
}, 120_000);

afterAll(async () => {
  await labDown(FABRIC);
  rmSync(tmp, { recursive: true, force: true });
}, 60_000);

describe('restart bgp right after a CONFIG_DB write', () => {
  it('renders router bgp and the Loopback0 network from what redis holds, not from a lagging view', async () => {
    const leaf = state.switches.leaf1!;
    const write = new Redis({ path: join(leaf.dir, 'redis.sock'), db: CONFIG_DB });
    const busy = new Redis({ path: join(leaf.dir, 'redis.sock'), db: CONFIG_DB });
    try {
      await busy.ping();
      await write
        .multi()
        .hset('DEVICE_METADATA|localhost', { hostname: 'leaf1', type: 'ToRRouter', bgp_asn: '65101', docker_routing_config_mode: 'separated' })
        .hset('LOOPBACK_INTERFACE|Loopback0', { NULL: 'NULL' })
        .hset('LOOPBACK_INTERFACE|Loopback0|10.1.0.11/32', { NULL: 'NULL' })
        .exec();
      const held = busy.eval(BUSY, 0, '700000');
      await restartBgp('leaf1', leaf.dir);
      await held;
      const conf = vtysh(leaf, 'show running-config');
      expect(conf).toMatch(/^router bgp 65101$/m);
      expect(conf).toMatch(/^ {2}network 10\.1\.0\.11\/32$/m);
    } finally {
      write.disconnect();
      busy.disconnect();
    }
  });
});
