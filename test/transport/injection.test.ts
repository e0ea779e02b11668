// No inventory value reaches an external command as an option or as shell text (issue 13, item
// 2). Each hostile value is refused by the inventory schema with an error naming the file, the
// switch and the key; and even when one gets past the schema (a caller building the spec by
// hand), the real ssh and a docker stand-in run nothing: the marker file never appears.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InventoryError, readInventory } from '../../src/inventory/load.ts';
import { execChannel } from '../../src/transport/exec.ts';
import { tunnelCommand } from '../../src/transport/tunnel.ts';
import { runCli } from '../support/cli.ts';
import { freePort } from '../support/net.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
let dir: string;
let marker: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'clos-injection-'));
  marker = join(dir, 'ran');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Whether anything created the marker (ssh's ProxyCommand appends "@host" to it). */
const ran = () => readdirSync(dir).some((n) => n.startsWith('ran'));

function inventory(name: string, leaf1: string): string {
  const file = join(dir, `${name}.inventory.yaml`);
  writeFileSync(file, `version: 1\nfabric: dc1\nswitches:\n  leaf1:\n${leaf1.replace(/^/gm, '    ')}\n`);
  return file;
}

const HOSTILE: [string, string, string][] = [
  ['exec ssh user', `transport: redis\nredis: {host: 127.0.0.1}\nexec: {kind: ssh, host: 127.0.0.1, user: "-oProxyCommand=touch MARKER"}`, 'exec.user'],
  ['exec ssh host', `transport: redis\nredis: {host: 127.0.0.1}\nexec: {kind: ssh, host: "-oProxyCommand=touch MARKER", user: admin}`, 'exec.host'],
  ['exec docker container', `transport: redis\nredis: {host: 127.0.0.1}\nexec: {kind: docker, container: "--privileged"}`, 'exec.container'],
  ['exec lab fabric', `transport: redis\nredis: {host: 127.0.0.1}\nexec: {kind: lab, fabric: "../../tmp", switch: leaf1}`, 'exec.fabric'],
  ['redis.host with docker-exec via', `transport: redis\nredis: {host: "x; touch MARKER", via: {kind: docker-exec, container: clab-dc1-leaf1}}`, 'redis.host'],
  ['via docker-exec container', `transport: redis\nredis: {host: 127.0.0.1, via: {kind: docker-exec, container: "-eX=1"}}`, 'redis.via.container'],
  ['via ssh user', `transport: redis\nredis: {host: 127.0.0.1, via: {kind: ssh, host: 192.0.2.1, user: "-oProxyCommand=touch MARKER"}}`, 'redis.via.user'],
  ['via ssh host', `transport: redis\nredis: {host: 127.0.0.1, via: {kind: ssh, host: "-oProxyCommand=touch MARKER", user: admin}}`, 'redis.via.host'],
  ['gnmi host', `transport: gnmi\ngnmi: {host: "-x"}`, 'gnmi.host'],
  ['mgmt', `transport: redis\nmgmt: "a b"\nredis: {host: 127.0.0.1}`, 'mgmt'],
];

describe('the inventory schema refuses values that would be options or shell text', () => {
  for (const [what, yaml, key] of HOSTILE) {
    it(what, () => {
      const file = inventory(what.replace(/\W+/g, '-'), yaml.replace(/MARKER/g, marker));
      const err = (() => {
        try {
          readInventory(file);
          return undefined;
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(InventoryError);
      expect((err as Error).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: invalid inventory: switch leaf1: ${key.replace(/\./g, '\\.')} ".*": must be `));
    });
  }

  it('accepts what lab up, lab export and hand-written inventories hold', () => {
    const file = inventory('good', [
      'transport: redis',
      'mgmt: 172.20.20.4',
      'redis: {host: 127.0.1.3, socket: /run/clos/lab/dc1/leaf1/redis.sock, via: {kind: ssh, host: sw-leaf1.example.net, user: admin_1}}',
      'gnmi: {host: "fe80::1"}',
      'exec: {kind: lab, fabric: dc1, switch: leaf1}',
    ].join('\n'));
    expect(readInventory(file).switches.leaf1!.redis!.via).toEqual({ kind: 'ssh', host: 'sw-leaf1.example.net', port: 22, user: 'admin_1' });
  });

  it('clos drift with a hostile ssh user exits 1 naming the file and switch, and runs nothing', async () => {
    const fabric = join(dir, 'dc1.fabric.yaml');
    writeFileSync(fabric, readFileSync(join(ROOT, 'topologies/dc1.fabric.yaml')));
    const file = inventory('drift', HOSTILE[0]![1].replace(/MARKER/g, marker));
    const r = await runCli('drift', fabric, '--inventory', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}: invalid inventory: switch leaf1: exec.user "-oProxyCommand=touch ${marker}"`);
    expect(ran()).toBe(false);
  });
});

describe('argv never lets a value become an option or shell text (behind the schema)', () => {
  it('ssh exec channel: a user "-oProxyCommand=…" is part of the destination, not an option', async () => {
    const port = await freePort(); // nothing listens: ssh fails to connect, and runs nothing
    const ch = execChannel('leaf1', { kind: 'ssh', host: '127.0.0.1', port, user: `-oProxyCommand=touch ${marker}` })!;
    const r = await ch.run(['true']);
    expect(r.code).not.toBe(0);
    expect(ran()).toBe(false);
  });

  it('ssh tunnel: a user "-oProxyCommand=…" runs nothing', async () => {
    const port = await freePort();
    const argv = tunnelCommand({ kind: 'ssh', host: '127.0.0.1', port, user: `-oProxyCommand=touch ${marker}` }, '127.0.0.1', 6379);
    expect(argv.indexOf('--')).toBe(argv.length - 2);
    const r = spawnSync(argv[0]!, argv.slice(1), { input: '', timeout: 20_000 });
    expect(r.status).not.toBe(0);
    expect(ran()).toBe(false);
  });

  it('docker-exec tunnel: redis.host "x; touch …" reaches bash as an argument, not as script text', () => {
    // A stand-in for `docker exec`: docker's own argument rules (options until "--" or the first
    // positional, then the container, then the command), the command run here.
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'docker'), [
      '#!/bin/bash',
      '[ "$1" = exec ] || exit 2; shift',
      'while [ $# -gt 0 ]; do case "$1" in --) shift; break;; -*) shift;; *) break;; esac; done',
      'shift',
      'exec "$@"',
      '',
    ].join('\n'));
    chmodSync(join(bin, 'docker'), 0o755);
    const argv = tunnelCommand({ kind: 'docker-exec', container: 'clab-dc1-leaf1' }, `x; touch ${marker}; :`, 6379);
    expect(argv.slice(0, 5)).toEqual(['docker', 'exec', '-i', '--', 'clab-dc1-leaf1']);
    const r = spawnSync(argv[0]!, argv.slice(1), { input: '', timeout: 20_000, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    expect(r.status).toBe(1); // the bridge cannot connect and says so
    expect(ran()).toBe(false);
    expect(existsSync(marker)).toBe(false);
  });
});
