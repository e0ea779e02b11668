// Helpers for the switch agent's lab tests: look at a switch the way a controller or an
// operator would (redis, vtysh, iproute2, ping), never at the agent's logs.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { labDown } from '../../src/lab/down.ts';
import type { LabState, SwitchState } from '../../src/lab/state.ts';
import { upTopology } from '../../src/lab/up.ts';

export const APPL_DB = 0;
export const CONFIG_DB = 4;
export const STATE_DB = 6;

/** Redis clients per switch and DB, closed by closeAll(). */
export class SwitchDbs {
  private readonly clients = new Map<string, Redis>();

  constructor(private readonly sw: (name: string) => SwitchState) {}

  db(name: string, db: number): Redis {
    const key = `${name}/${db}`;
    let r = this.clients.get(key);
    if (!r) {
      r = new Redis({ path: `${this.sw(name).dir}/redis.sock`, db, maxRetriesPerRequest: 1 });
      r.on('error', () => {}); // a test that restarts redis sees reconnect errors; commands still fail loudly
      this.clients.set(key, r);
    }
    return r;
  }

  async hash(name: string, db: number, key: string): Promise<Record<string, string>> {
    return this.db(name, db).hgetall(key);
  }

  async keys(name: string, db: number, pattern: string): Promise<string[]> {
    return (await this.db(name, db).keys(pattern)).sort();
  }

  closeAll(): void {
    for (const r of this.clients.values()) r.disconnect();
    this.clients.clear();
  }
}

/** The lab of one agent test file: brought up in beforeAll (after taking down what a run that
 *  died before its afterAll left), taken down in afterAll with its DB clients closed and its
 *  temp dir removed. `up()` runs `lab up` again (the lab's state is refreshed). */
export function agentLab(fabric: string, topology: Parameters<typeof upTopology>[0], addresses: string) {
  let tmp = '';
  let current: LabState | undefined;
  const state = (): LabState => {
    if (!current) throw new Error(`the lab of ${fabric} is not up`);
    return current;
  };
  const sw = (name: string): SwitchState => state().switches[name]!;
  const up = async (): Promise<void> => {
    current = (await upTopology(topology, { fabricFile: join(tmp, `${fabric}.fabric.yaml`), addresses, bgpmonIntervalMs: 500 })).state;
  };
  const lab = { state, sw, dbs: new SwitchDbs(sw), up };
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), `clos-${fabric}-`));
    await labDown(fabric);
    await lab.up();
  }, 120_000);
  afterAll(async () => {
    lab.dbs.closeAll();
    await labDown(fabric);
    rmSync(tmp, { recursive: true, force: true });
  }, 60_000);
  return lab;
}

/** Loads a file of redis-cli commands into a switch's CONFIG_DB, with redis-cli itself. */
export function redisCli(sw: SwitchState, file: string): void {
  const r = spawnSync('redis-cli', ['-s', `${sw.dir}/redis.sock`, '-n', String(CONFIG_DB)], { input: readFileSync(file), encoding: 'utf8' });
  if (r.status !== 0 || /ERR/.test(r.stdout)) throw new Error(`redis-cli ${file}: ${r.stdout}${r.stderr}`);
}

export function vtysh(sw: SwitchState, ...cmds: string[]): string {
  return execFileSync('vtysh', ['--vty_socket', sw.dir, ...cmds.flatMap((c) => ['-c', c])], { encoding: 'utf8' });
}

export function vtyshJson<T = Record<string, unknown>>(sw: SwitchState, cmd: string): T {
  const out = vtysh(sw, cmd);
  return JSON.parse(out.trim() || '{}') as T;
}

export interface BgpPeer {
  state: string;
  remoteAs: number;
}

/** FRR's own view of the IPv4 peers (`show bgp summary json`). */
export function frrPeers(sw: SwitchState): Record<string, BgpPeer> {
  const s = vtyshJson<{ ipv4Unicast?: { peers?: Record<string, BgpPeer> } }>(sw, 'show bgp summary json');
  return s.ipv4Unicast?.peers ?? {};
}

export function frrRouterId(sw: SwitchState): string | undefined {
  return vtyshJson<{ ipv4Unicast?: { routerId?: string } }>(sw, 'show bgp summary json').ipv4Unicast?.routerId;
}

export interface KernelRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  nexthops?: { gateway: string; dev: string }[];
}

export function kernelRoutes(sw: SwitchState): KernelRoute[] {
  return JSON.parse(execFileSync('ip', ['-n', sw.namespace, '-j', 'route', 'show'], { encoding: 'utf8' })) as KernelRoute[];
}

export function kernelLink(sw: SwitchState, port: string): { flags: string[]; mtu: number; master?: string } {
  return (JSON.parse(execFileSync('ip', ['-n', sw.namespace, '-j', 'link', 'show', 'dev', port], { encoding: 'utf8' })) as { flags: string[]; mtu: number; master?: string }[])[0]!;
}

export function kernelLinkNames(sw: SwitchState): string[] {
  return (JSON.parse(execFileSync('ip', ['-n', sw.namespace, '-j', 'link', 'show'], { encoding: 'utf8' })) as { ifname: string }[]).map((l) => l.ifname);
}

export function kernelAddresses(sw: SwitchState, dev: string): string[] {
  const j = JSON.parse(execFileSync('ip', ['-n', sw.namespace, '-j', 'addr', 'show', 'dev', dev], { encoding: 'utf8' })) as {
    addr_info: { local: string; prefixlen: number; scope: string }[];
  }[];
  return (j[0]?.addr_info ?? []).filter((a) => a.scope === 'global').map((a) => `${a.local}/${a.prefixlen}`);
}

export function ipLink(sw: SwitchState, ...args: string[]): void {
  execFileSync('ip', ['-n', sw.namespace, 'link', ...args]);
}

/** ping inside the switch's namespace, from a source address; true when a reply came back. */
export function ping(sw: SwitchState, from: string, to: string): boolean {
  const r = spawnSync('ip', ['netns', 'exec', sw.namespace, 'ping', '-c', '1', '-W', '2', '-I', from, to], { encoding: 'utf8' });
  if (r.error || /exec of "ping" failed/.test(r.stderr)) throw new Error('ping is not installed (Debian package iputils-ping)');
  return r.status === 0;
}

/** Polls `probe` until it returns a value that is not undefined/false; fails after timeoutMs
 *  with the last value seen. */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 20_000, everyMs = 100): Promise<Exclude<T, false | undefined>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await probe();
      if (last !== undefined && last !== false) return last as Exclude<T, false | undefined>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${String(last)}`);
    await sleep(everyMs);
  }
}

/** Asserts that `probe` stays false for the whole window (a "never happens" check, bounded). */
export async function staysFalse(what: string, probe: () => boolean | Promise<boolean>, windowMs: number, everyMs = 100): Promise<void> {
  const end = Date.now() + windowMs;
  while (Date.now() < end) {
    if (await probe()) throw new Error(`${what} happened`);
    await sleep(everyMs);
  }
}
