// The emulated switch's startup config through `clos lab exec` as an operator uses it: `config
// save -y` writes CONFIG_DB in config save's form, `config reload -y` brings the switch back to
// the file (kernel addresses and FRR follow, stale ones removed), `reboot` also clears
// STATE_DB/APPL_DB and takes ports and sessions down and up; gNOI SonicService.ConfigSave with a
// real gRPC client; and no spelling of reboot reaches the host (a recorder earlier in PATH than
// /sbin proves it is never called). Fabric t-startup (1 spine, 1 leaf), addresses
// 127.0.1.176/28.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GnmiClient } from '../../src/gnmi/client.ts';
import { formatConfigDoc } from '../../src/lab/agent/db/config-file.ts';
import { readConfigDb, startupConfigPath } from '../../src/lab/agent/db/startup.ts';
import { labExec, resolveExec } from '../../src/lab/exec.ts';
import { factoryConfig } from '../../src/lab/factory.ts';
import { restartBgp } from '../../src/lab/agent-client.ts';
import { agentLab, APPL_DB, CONFIG_DB, frrPeers, kernelAddresses, redisCli, STATE_DB, vtysh, waitFor } from './agent-helpers.ts';
import { clos } from './host-fixtures.ts';

const FABRIC = 't-startup';
const FIXTURES = new URL('../fixtures/lab-2x2/', import.meta.url).pathname;
const TOPOLOGY = clos(FABRIC, 1, 1);
const { sw, dbs } = agentLab(FABRIC, TOPOLOGY, '127.0.1.176/28');

const exec = (name: string, ...argv: string[]) => labExec(FABRIC, name, argv, { stdio: 'pipe' });
const startup = (name: string) => readFileSync(startupConfigPath(sw(name).dir), 'utf8');
const established = async (name: string, peer: string) => (await dbs.hash(name, STATE_DB, `NEIGH_STATE_TABLE|${peer}`)).state === 'Established';
/** How often the spine's end of the cable lost or gained carrier (the kernel's own counter). */
const carrierChanges = () => Number(spawnSync('ip', ['netns', 'exec', sw('spine1').namespace, 'cat', '/sys/class/net/Ethernet0/carrier_changes'], { encoding: 'utf8' }).stdout.trim());

beforeAll(async () => {
  for (const name of ['spine1', 'leaf1']) redisCli(sw(name), join(FIXTURES, `${name}.redis`));
  for (const name of ['spine1', 'leaf1']) await restartBgp(name, sw(name).dir);
  await waitFor('leaf1 – spine1 Established', () => established('leaf1', '10.0.0.0'), 40_000);
}, 120_000);

describe('startup config', () => {
  it('lab up seeded it with the factory state, byte-identical to what config save writes of it', async () => {
    const s = sw('leaf1');
    const def = TOPOLOGY.switches.find((x) => x.name === 'leaf1')!;
    const factory = formatConfigDoc(factoryConfig({ kind: 'vs' }, { name: 'leaf1', hwsku: s.hwsku, ports: def.ports, mac: s.mac, mtu: 9100 }));
    expect(startup('leaf1')).toBe(factory);
  });

  it('config save -y writes CONFIG_DB to the file: sorted keys, 4-space indent, lists and empty entries as SONiC prints them', async () => {
    const r = await exec('leaf1', 'config', 'save', '-y');
    expect(r.code).toBe(0);
    const text = startup('leaf1');
    const doc = JSON.parse(text) as Record<string, Record<string, Record<string, unknown>>>;
    // Every CONFIG_DB hash is in the file, with the NULL filler dropped.
    const keys = (await dbs.keys('leaf1', CONFIG_DB, '*|*')).sort();
    expect(Object.entries(doc).flatMap(([t, es]) => Object.keys(es).map((k) => `${t}|${k}`)).sort()).toEqual(keys);
    expect(doc.LOOPBACK_INTERFACE!['Loopback0|10.1.0.11/32']).toEqual({});
    expect(doc.BGP_NEIGHBOR!['10.0.0.0']).toMatchObject({ asn: '65100', local_addr: '10.0.0.1' });
    // The form: Python's json.dumps(sort_keys=True, indent=4) plus a newline.
    expect(text).toBe(`${JSON.stringify(sortDeep(doc), null, 4)}\n`);
    expect(text.startsWith('{\n    "BGP_NEIGHBOR": {\n        "10.0.0.0": {\n            "admin_status": "up",\n')).toBe(true);
  });

  it('config reload -y: CONFIG_DB flushed, indicator 0, the file loaded, indicator 1; kernel and FRR follow, stale entries removed', async () => {
    const leaf = sw('leaf1');
    const cfg = dbs.db('leaf1', CONFIG_DB);
    // Changes after the save: a new address and BGP neighbor, the loopback moved.
    await cfg.hset('INTERFACE|Ethernet8', 'NULL', 'NULL');
    await cfg.hset('INTERFACE|Ethernet8|10.50.0.0/31', 'NULL', 'NULL');
    await cfg.hset('BGP_NEIGHBOR|10.50.0.1', { asn: '65555', local_addr: '10.50.0.0', admin_status: 'up' });
    await cfg.del('LOOPBACK_INTERFACE|Loopback0|10.1.0.11/32');
    await cfg.hset('LOOPBACK_INTERFACE|Loopback0|10.1.0.99/32', 'NULL', 'NULL');
    await exec('leaf1', 'systemctl', 'restart', 'bgp');
    await waitFor('stale address in the kernel', () => kernelAddresses(leaf, 'Ethernet8').includes('10.50.0.0/31'));
    await waitFor('stale neighbor in FRR', () => '10.50.0.1' in frrPeers(leaf));
    expect(kernelAddresses(leaf, 'Loopback0')).toEqual(['10.1.0.99/32']);

    // What redis is told, in order (MONITOR sees every command of every client).
    const monitor = await new Redis({ path: join(leaf.dir, 'redis.sock') }).monitor();
    const seen: string[] = [];
    monitor.on('monitor', (_t: string, args: string[], _src: string, db: string) => {
      if (db === String(CONFIG_DB) && /^(flushdb|set|hset)$/i.test(args[0] ?? '')) seen.push(args.slice(0, 3).join(' ').toLowerCase());
    });
    const r = await exec('leaf1', 'config', 'reload', '-y');
    await monitor.disconnect();
    expect(r.code).toBe(0);
    const flush = seen.indexOf('flushdb');
    expect(flush).toBeGreaterThanOrEqual(0);
    expect(seen[flush + 1]).toBe('set config_db_initialized 0');
    expect(seen.lastIndexOf('set config_db_initialized 1')).toBeGreaterThan(seen.findIndex((c) => c.startsWith('hset')));
    expect(seen.filter((c) => c.startsWith('hset')).length).toBe((await dbs.keys('leaf1', CONFIG_DB, '*|*')).length);

    expect(formatConfigDoc(await readConfigDb(cfg))).toBe(startup('leaf1'));
    expect(await cfg.get('CONFIG_DB_INITIALIZED')).toBe('1');
    await waitFor('stale address removed', () => !kernelAddresses(leaf, 'Ethernet8').includes('10.50.0.0/31'));
    expect(kernelAddresses(leaf, 'Loopback0')).toEqual(['10.1.0.11/32']);
    expect(frrPeers(leaf)).not.toHaveProperty(['10.50.0.1']);
    expect(vtysh(leaf, 'show running-config')).toMatch(/^ {2}network 10\.1\.0\.11\/32$/m);
    expect(vtysh(leaf, 'show running-config')).not.toMatch(/10\.1\.0\.99|10\.50\.0\.1/);
    await waitFor('Established again after the reload', () => established('leaf1', '10.0.0.0'), 40_000);
  });

  it('reboot: STATE_DB and APPL_DB cleared, the port and session go down and come back, CONFIG_DB from the file', async () => {
    await dbs.db('leaf1', STATE_DB).hset('MARKER|before-reboot', 'x', '1');
    await dbs.db('leaf1', APPL_DB).hset('MARKER:before-reboot', 'x', '1');
    await dbs.db('leaf1', CONFIG_DB).hset('DEVICE_METADATA|localhost', 'hostname', 'unsaved-name');
    const spine = sw('spine1');
    const before = carrierChanges();
    const sessions = () => (JSON.parse(vtysh(spine, 'show bgp neighbors 10.0.0.1 json')) as Record<string, { connectionsEstablished: number }>)['10.0.0.1']!.connectionsEstablished;
    const established0 = sessions();

    const r = await exec('leaf1', 'sudo', '/sbin/reboot');
    expect(r.code).toBe(0);
    expect(await dbs.db('leaf1', STATE_DB).exists('MARKER|before-reboot')).toBe(0);
    expect(await dbs.db('leaf1', APPL_DB).exists('MARKER:before-reboot')).toBe(0);
    expect((await dbs.hash('leaf1', CONFIG_DB, 'DEVICE_METADATA|localhost')).hostname).toBe('leaf1');
    expect(carrierChanges()).toBeGreaterThanOrEqual(before + 2); // down, then up
    await waitFor('leaf1 – spine1 Established after the reboot', () => established('leaf1', '10.0.0.0'), 40_000);
    await waitFor('a new session on the spine', () => sessions() > established0, 10_000);
    // STATE_DB and APPL_DB rewritten by the restarted daemons.
    expect((await dbs.hash('leaf1', STATE_DB, 'PORT_TABLE|Ethernet120')).netdev_oper_status).toBe('up');
    expect((await dbs.hash('leaf1', APPL_DB, 'PORT_TABLE:Ethernet120')).oper_status).toBe('up');
  });

  it('gNOI SonicService.ConfigSave over gRPC writes the same file', async () => {
    const s = sw('leaf1');
    await dbs.db('leaf1', CONFIG_DB).hset('DEVICE_METADATA|localhost', 'hostname', 'saved-by-gnoi');
    const client = new GnmiClient({ host: s.address, port: 8080 });
    try {
      await client.configSave();
    } finally {
      client.close();
    }
    expect(JSON.parse(startup('leaf1')).DEVICE_METADATA.localhost.hostname).toBe('saved-by-gnoi');
    expect(formatConfigDoc(await readConfigDb(dbs.db('leaf1', CONFIG_DB)))).toBe(startup('leaf1'));
  });

  it('a channel that only runs commands carries config save out with the plan it is given', async () => {
    await dbs.db('leaf1', CONFIG_DB).hset('DEVICE_METADATA|localhost', 'hostname', 'saved-by-command');
    const { plan } = resolveExec(FABRIC, 'leaf1', ['config', 'save', '-y']);
    expect(plan.kind).toBe('run');
    if (plan.kind !== 'run') return;
    const r = spawnSync(plan.cmd, plan.args, { encoding: 'utf8', cwd: tmpdir() });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(startup('leaf1')).DEVICE_METADATA.localhost.hostname).toBe('saved-by-command');
  });
});

describe('the host cannot be rebooted through clos lab exec', () => {
  const rec = mkdtempSync(join(tmpdir(), 'clos-startup-rec-'));
  const log = join(rec, 'called.log');
  const path = process.env.PATH;
  beforeAll(() => {
    // A recorder for every power program, ahead of /sbin and /usr/sbin in PATH.
    for (const n of ['reboot', 'shutdown', 'poweroff', 'halt', 'init', 'telinit']) {
      writeFileSync(join(rec, n), `#!/bin/sh\necho "${n} $*" >> ${log}\n`);
      chmodSync(join(rec, n), 0o755);
    }
    process.env.PATH = `${rec}:${path}`;
  });
  afterAll(() => {
    process.env.PATH = path;
    rmSync(rec, { recursive: true, force: true });
  });

  it('refuses them before anything runs, and the guard stops names built at run time', async () => {
    for (const argv of [['shutdown', '-r', 'now'], ['bash', '-c', 'reboot'], ['poweroff'], ['systemctl', 'halt'], ['sh', '-c', '/sbin/reboot -f']]) {
      await expect(exec('leaf1', ...argv)).rejects.toMatchObject({ code: 'LAB_REFUSED' });
    }
    for (const script of ['x=re; ${x}boot', 'p=power; ${p}off', 's=shut; ${s}down -h now', 'c=system; v=re; ${c}ctl ${v}boot']) {
      const r = await exec('leaf1', 'bash', '-c', script);
      expect(r.code, script).toBe(1);
      expect(r.stderr).toMatch(/clos lab exec: refused .*would act on the host/);
    }
    expect(existsSync(log)).toBe(false);
  });

  it('what runs inside has no CAP_SYS_BOOT (reboot(2) fails), and its mounts stay off the host', async () => {
    const before = readFileSync('/proc/self/mountinfo', 'utf8');
    const r = await exec('leaf1', 'grep', 'CapBnd', '/proc/self/status');
    expect(r.code).toBe(0);
    const bounding = BigInt(`0x${r.stdout.trim().split(/\s+/)[1]}`);
    expect((bounding >> 22n) & 1n).toBe(0n); // CAP_SYS_BOOT = 22
    expect((bounding >> 12n) & 1n).toBe(1n); // CAP_NET_ADMIN kept: the switch's tools still work
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).toBe(before);
  });
});

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v) || typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortDeep((v as Record<string, unknown>)[k])]));
}
