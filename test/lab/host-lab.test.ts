// `clos lab up/status/exec/down` on a real fabric file with real daemons: a 2-spine fabric that
// grows from one rack to two. Addresses 127.0.1.128/28, fabric t-host-1.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventorySchema } from '../../src/inventory/schema.ts';
import { labDown } from '../../src/lab/down.ts';
import { labExec } from '../../src/lab/exec.ts';
import { labUp } from '../../src/lab/lab.ts';
import { isAlive, readRecords, type ProcessRecord } from '../../src/lab/processes.ts';
import { labInventoryPath, readState } from '../../src/lab/state.ts';
import { runCli } from '../support/cli.ts';
import { fabricYaml } from './host-fixtures.ts';

const FABRIC = 't-host-1';
const ADDRESSES = '127.0.1.128/28';
let dir: string;
let file: string;

const namespaces = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`clos-${FABRIC}-`));
const links = (ns: string) => JSON.parse(execFileSync('ip', ['-n', ns, '-j', '-d', 'link', 'show'], { encoding: 'utf8' })) as { ifname: string; ifindex: number; link_index?: number; flags: string[]; linkinfo?: { info_kind: string } }[];
const ns = (sw: string) => readState(FABRIC)!.switches[sw]!.namespace;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clos-host-lab-'));
  file = join(dir, `${FABRIC}.fabric.yaml`);
  writeFileSync(file, fabricYaml(FABRIC, 2, 1));
  await labDown(FABRIC); // a previous run that died before its afterAll
}, 60_000);

afterAll(async () => {
  await labDown(FABRIC);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('clos lab on a 2-spine fabric', () => {
  let firstRecords: ProcessRecord[] = [];

  it('refuses to run without root, naming the cause, and changes nothing', async () => {
    await expect(labUp(file, { addresses: ADDRESSES, uid: 1000 })).rejects.toThrow(/needs root .*uid 1000/);
    expect(existsSync(join(dir, `${FABRIC}.lock.yaml`))).toBe(false);
    expect(readState(FABRIC)).toBeUndefined();
  });

  it('up builds every switch: namespace, cables, redis with the factory state, daemons', async () => {
    const r = await labUp(file, { addresses: ADDRESSES });
    expect([...r.added].sort()).toEqual(['leaf1', 'leaf2', 'spine1', 'spine2']);
    expect(r.cablesAdded).toBe(4);
    expect(existsSync(join(dir, `${FABRIC}.lock.yaml`))).toBe(true); // up creates the lock
    expect(namespaces().sort()).toEqual([`clos-${FABRIC}-leaf1`, `clos-${FABRIC}-leaf2`, `clos-${FABRIC}-spine1`, `clos-${FABRIC}-spine2`]);
    firstRecords = await readRecords(r.state.records);
  });

  it('cables by the lock: spine port ↔ leaf uplink are the two ends of one veth, created down', async () => {
    const lock = parse(readFileSync(join(dir, `${FABRIC}.lock.yaml`), 'utf8')) as { links: Record<string, { 'leaf-port': string; 'spine-port': string }> };
    for (const [id, l] of Object.entries(lock.links)) {
      const [leaf, spine] = id.split(' -- ') as [string, string];
      const a = links(ns(spine)).find((x) => x.ifname === l['spine-port'])!;
      const b = links(ns(leaf)).find((x) => x.ifname === l['leaf-port'])!;
      expect(a.linkinfo?.info_kind).toBe('veth');
      expect(a.link_index).toBe(b.ifindex);
      expect(b.link_index).toBe(a.ifindex);
    }
    // An uncabled leaf port exists (unplugged, no carrier); a free spine port does not.
    expect(links(ns('leaf1')).find((x) => x.ifname === 'Ethernet0')?.flags).not.toContain('LOWER_UP');
    expect(links(ns('spine1')).some((x) => x.ifname === 'Ethernet8')).toBe(false);
  });

  it('each switch has its own redis at 127.0.1.x:6379 with docker-sonic-vs factory state', async () => {
    const st = readState(FABRIC)!;
    const addrs = Object.values(st.switches).map((s) => s.address);
    expect(new Set(addrs).size).toBe(4);
    for (const s of Object.values(st.switches)) {
      const r = new Redis({ host: s.address, port: 6379, db: 4, lazyConnect: true });
      await r.connect();
      try {
        expect(await r.hgetall('PORT|Ethernet0')).toEqual({ admin_status: 'down', alias: 'fortyGigE0/0', lanes: '25,26,27,28', index: '0', speed: '40000', mtu: '9100' });
        expect((await r.keys('PORT|*')).length).toBe(32);
        expect(await r.hgetall('DEVICE_METADATA|localhost')).toEqual({ mac: s.mac });
        expect(await r.get('CONFIG_DB_INITIALIZED')).toBe('1');
        expect(await r.config('GET', 'notify-keyspace-events')).toEqual(['notify-keyspace-events', 'AKE']);
        expect(await r.config('GET', 'save')).toEqual(['save', '']);
      } finally {
        r.disconnect();
      }
      const dbc = JSON.parse(readFileSync(join(s.dir, 'database_config.json'), 'utf8'));
      expect(dbc.INSTANCES.redis).toEqual({ hostname: s.address, port: 6379, unix_socket_path: join(s.dir, 'redis.sock') });
      expect(dbc.DATABASES.CONFIG_DB).toEqual({ id: 4, separator: '|', instance: 'redis' });
      expect(statSync(s.dir).uid).toBe(Number(execFileSync('id', ['-u', 'frr'], { encoding: 'utf8' })));
    }
  });

  it('status --json shows every daemon alive, lldpd inside the switch namespace', async () => {
    const out = await runCli('lab', 'status', file, '--json');
    expect(out.code).toBe(0);
    const st = JSON.parse(out.stdout);
    expect(st.switches.map((s: { name: string }) => s.name)).toEqual(['leaf1', 'leaf2', 'spine1', 'spine2']);
    for (const s of st.switches) {
      expect(s.daemons).toMatchObject({ redis: true, lldpd: true, zebra: true, bgpd: true, agent: true });
      expect(Object.values(s.daemons).every(Boolean)).toBe(true);
      expect(s.gnmi).toBe(s.redis.replace(/:6379$/, ':8080'));
      expect(s.flavour).toBe('sonic');
      expect(s.redis).toMatch(/^127\.0\.1\.1(29|3\d|4[0-2]):6379$/);
    }
    const lldpd = (await readRecords(readState(FABRIC)!.records)).find((r) => r.name === 'lldpd' && r.switch === 'leaf1')!;
    expect(readlinkSync(`/proc/${lldpd.pid}/ns/net`)).toBe(`net:[${statSync(`/run/netns/${ns('leaf1')}`).ino}]`);
  });

  it('writes a valid inventory that other commands find while the lab is up', () => {
    const path = labInventoryPath(FABRIC)!;
    expect(path).toBe(`/run/clos/lab/${FABRIC}/inventory.yaml`);
    const inv = inventorySchema.parse(parse(readFileSync(path, 'utf8')));
    const st = readState(FABRIC)!;
    expect(inv.switches.leaf1).toMatchObject({ transport: 'redis', flavour: 'sonic', redis: { host: st.switches.leaf1!.address, port: 6379 }, exec: { kind: 'lab', fabric: FABRIC, switch: 'leaf1' } });
  });

  it('exec runs in the switch namespace; vtysh reaches that switch\'s FRR, redis-cli its redis', async () => {
    const link = await labExec(FABRIC, 'leaf1', ['ip', '-j', 'link'], { stdio: 'pipe' });
    expect(link.code).toBe(0);
    const names = (JSON.parse(link.stdout) as { ifname: string }[]).map((l) => l.ifname);
    expect(names).toEqual(expect.arrayContaining(['lo', 'Ethernet120', 'Ethernet124', 'Ethernet0']));
    expect(names).not.toContain('eth0');
    const vty = await labExec(FABRIC, 'spine2', ['vtysh', '-c', 'show running-config'], { stdio: 'pipe' });
    expect(vty.stderr).toBe('');
    expect(vty.stdout).toMatch(/^hostname spine2$/m);
    const redis = await labExec(FABRIC, 'leaf2', ['redis-cli', '-n', '4', 'HGET', 'DEVICE_METADATA|localhost', 'mac'], { stdio: 'pipe' });
    expect(redis.stdout.trim()).toBe(readState(FABRIC)!.switches.leaf2!.mac);
  });

  it('a second up with no change does nothing', async () => {
    const inventory = readState(FABRIC)!.inventory;
    const before = { records: readFileSync(readState(FABRIC)!.records, 'utf8'), inv: statSync(inventory).mtimeMs };
    const r = await labUp(file, { addresses: ADDRESSES });
    expect(r.added).toEqual([]);
    expect(r.cablesAdded).toBe(0);
    expect(readFileSync(r.state.records, 'utf8')).toBe(before.records);
    expect(statSync(inventory).mtimeMs).toBe(before.inv);
  });

  it('up after adding a rack adds only the new switches and cables; running daemons keep their pids', async () => {
    writeFileSync(file, fabricYaml(FABRIC, 2, 2));
    const r = await labUp(file, { addresses: ADDRESSES });
    expect([...r.added].sort()).toEqual(['leaf3', 'leaf4']);
    expect(r.cablesAdded).toBe(4);
    for (const rec of firstRecords) expect(isAlive(rec)).toBe(true);
    const spineLinks = links(ns('spine1')).map((l) => l.ifname);
    expect(spineLinks).toEqual(expect.arrayContaining(['Ethernet0', 'Ethernet4', 'Ethernet8', 'Ethernet12']));
    const status = await runCli('lab', 'status', FABRIC, '--json');
    expect(JSON.parse(status.stdout).switches.every((s: { daemons: Record<string, boolean> }) => Object.values(s.daemons).every(Boolean))).toBe(true);
  });

  it('exec `systemctl restart bgp` restarts that switch\'s FRR (new pids) and nothing else', async () => {
    // Final records only: a launcher record (pidFile) stands for whoever its pid file names now.
    const frr = (recs: ProcessRecord[], sw: string) => recs.filter((r) => !r.pidFile && r.switch === sw && (r.name === 'zebra' || r.name === 'bgpd') && isAlive(r));
    const before = await readRecords(readState(FABRIC)!.records);
    const r = await labExec(FABRIC, 'leaf1', ['systemctl', 'restart', 'bgp'], { stdio: 'pipe' });
    expect(r.code).toBe(0);
    const after = await readRecords(readState(FABRIC)!.records);
    for (const old of frr(before, 'leaf1')) expect(isAlive(old)).toBe(false);
    expect(frr(after, 'leaf1').map((x) => x.name).sort()).toEqual(['bgpd', 'zebra']);
    for (const other of frr(before, 'leaf2')) expect(isAlive(other)).toBe(true);
    await expect(labExec(FABRIC, 'nosuch', ['true'])).rejects.toThrow(/switch nosuch is not in the lab of fabric t-host-1/);
  });

  it('down stops every recorded process and leaves no namespace or file; a second down is a no-op', async () => {
    const st = readState(FABRIC)!;
    const records = await readRecords(st.records);
    const out = await runCli('lab', 'down', file);
    expect(out.code).toBe(0);
    for (const rec of records) expect(isAlive(rec)).toBe(false);
    expect(namespaces()).toEqual([]);
    expect(existsSync(st.dir)).toBe(false);
    for (const rec of records) expect(existsSync(`/var/tmp/frr/${rec.comm}.${rec.pid}`)).toBe(false);
    expect(labInventoryPath(FABRIC)).toBeUndefined();
    expect((await runCli('lab', 'down', file)).code).toBe(0);
  });
});
