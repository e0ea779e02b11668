// `clos lab up`: builds the emulated switches of a fabric on this host, or adds what a re-run
// finds missing (new racks: new switches and cables) without touching anything that runs.
// Every resource is written to the lab state BEFORE it is created (crash-safe `down`).
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ADDRESSES, pickAddresses } from './addresses.ts';
import { agentRequest, agentSocket } from './agent-client.ts';
import { agentName, startAgent } from './agents.ts';
import { GNMI_PORT } from './gnmi.ts';
import { writeLabInventory } from './inventory.ts';
import { lldpdSocket, startLldpd } from './lldpd.ts';
import { type Logger, silentLogger } from './log.ts';
import { createCables, createNamespace, createUnpluggedPorts, listNamespaces } from './netns.ts';
import { LAB_ROOT, namespaceName, shortHash, switchDir } from './paths.ts';
import { isAlive, readRecords, type ProcessRecord } from './processes.ts';
import { REDIS_PORT, loadConfigIfBlank, startRedis } from './redis.ts';
import { readStartupConfig, startupConfigPath, writeStartupConfig } from './agent/db/startup.ts';
import { type Factory, factoryConfig } from './factory.ts';
import type { ConfigDoc } from './agent/db/config-file.ts';
import type { SwitchRuntime } from './runtime.ts';
import { type LabState, type SwitchState, allStates, newState, readState, writeState } from './state.ts';
import { mapConcurrent } from '../services/concurrency.ts';
import type { LabSwitch, LabTopology } from './topology.ts';

const DATABASE_CONFIG = new URL('./sonic/database_config.json', import.meta.url);

export interface UpOptions {
  readonly fabricFile: string;
  readonly addresses?: string;
  readonly root?: string;
  readonly bgpmonIntervalMs?: number;
  readonly log?: Logger;
  /** How many switches are started at once (daemon starts are mostly waiting). */
  readonly concurrency?: number;
  /** false: build switches without their agent (and so without FRR): the host side alone. */
  readonly startAgents?: boolean;
  /** The state new switches come out of the box with (default vs); it is their startup config. */
  readonly factory?: Factory;
}

export interface UpResult {
  readonly state: LabState;
  readonly added: readonly string[]; // switches created by this run
  readonly cablesAdded: number;
}

export async function upTopology(topo: LabTopology, opts: UpOptions): Promise<UpResult> {
  const log = opts.log ?? silentLogger;
  const root = opts.root ?? LAB_ROOT;
  const state = readState(topo.fabric, root) ?? newState(topo.fabric, opts.fabricFile, root);
  mkdirSync(state.dir, { recursive: true, mode: 0o755 });
  writeState(state);

  const fresh = topo.switches.filter((s) => !state.switches[s.name]);
  if (fresh.length > 0) {
    const taken = new Set(allStates(root).flatMap((st) => Object.values(st.switches).map((s) => s.address)));
    const addrs = await pickAddresses(opts.addresses ?? DEFAULT_ADDRESSES, fresh.length, taken, [REDIS_PORT, GNMI_PORT]);
    fresh.forEach((s, i) => (state.switches[s.name] = switchState(topo.fabric, s, addrs[i]!, root)));
    writeState(state);
  }
  const switches = topo.switches.map((s) => state.switches[s.name]!);
  // The factory state of every switch without a startup config is built (a FILE read) before
  // anything is created for it: a bad --factory changes nothing.
  const factory = opts.factory ?? { kind: 'vs' };
  const factories = new Map<string, ConfigDoc>();
  for (const s of switches) {
    if (existsSync(startupConfigPath(s.dir))) continue;
    const def = topo.switches.find((t) => t.name === s.name)!;
    factories.set(s.name, factoryConfig(factory, { name: s.name, hwsku: s.hwsku, ports: def.ports, mac: s.mac, mtu: topo.mtu }));
  }
  // Where lab up spends its time, at debug level (CLOS_LOG_LEVEL=debug).
  const t0 = Date.now();
  const phase = (what: string) => log.debug({ ms: Date.now() - t0 }, what);
  const existing = await listNamespaces();
  const frr = frrIds();
  for (const s of switches) {
    mkdirSync(s.dir, { recursive: true });
    chownSync(s.dir, frr.uid, frr.gid); // FRR (user frr) writes its sockets and pid files there
    // `clos lab exec … vtysh` passes --config_dir <dir> (so a `write` never touches the host's
    // /etc/frr); vtysh then wants a vtysh.conf there.
    const vtyshConf = join(s.dir, 'vtysh.conf');
    if (!existsSync(vtyshConf)) {
      writeFileSync(vtyshConf, '');
      chownSync(vtyshConf, frr.uid, frr.gid);
    }
  }
  // Namespaces are created 8 at a time (each is three short `ip`/`sysctl` runs, mostly waiting
  // on the kernel), the first one alone: the first `ip netns add` on a host makes /run/netns a
  // mount point, which two at once could both do.
  const missing = switches.filter((s) => !existing.has(s.namespace));
  const createNs = (s: SwitchState) => createNamespace(s.namespace, `switch ${s.name}`);
  if (missing.length > 0) await createNs(missing[0]!);
  await mapConcurrent(missing.slice(1), opts.concurrency ?? 8, createNs);
  phase(`${missing.length} namespace(s) created`);

  const known = new Set(state.cables.map(cableKey));
  const wanted = topo.links.map((l) => ({ a: l.spine, aPort: l.spinePort, b: l.leaf, bPort: l.leafPort }));
  for (const c of wanted) if (!known.has(cableKey(c))) state.cables.push(c);
  writeState(state);
  const ns = (name: string) => state.switches[name]!.namespace;
  const created = await createCables(wanted.map((c) => ({ ...c, aNs: ns(c.a), bNs: ns(c.b) })));
  await mapConcurrent(topo.switches, opts.concurrency ?? 8, (s) => createUnpluggedPorts(ns(s.name), s.unplugged, `switch ${s.name}`));
  phase(`${created.length} cable(s) and the unplugged ports created`);

  const records = await readRecords(state.records);
  const running = (sw: string, name: string) => records.some((r) => r.switch === sw && r.name === name && isAlive(r));
  const template = readFileSync(DATABASE_CONFIG, 'utf8');
  const lldpds: Promise<void>[] = []; // each lldpd resumed (startLldpd): awaited together
  await mapConcurrent(switches, opts.concurrency ?? 8, async (s) => {
    // lldpd first: it takes a few hundred ms to take its ports in and resume itself, in which
    // the switch's redis starts and is loaded.
    if (s.flavour === 'sonic' && !running(s.name, 'lldpd')) {
      log.info({ switch: s.name, namespace: s.namespace }, 'starting lldpd');
      lldpds.push((await startLldpd({ switch: s.name, hwsku: s.hwsku, namespace: s.namespace, dir: s.dir, records: state.records })).resumed);
    }
    const endpoint = redisEndpoint(s);
    if (!running(s.name, 'redis')) {
      log.info({ switch: s.name, redis: `${endpoint.host}:${endpoint.port}` }, 'starting redis');
      await startRedis({ switch: s.name, dir: s.dir, endpoint, records: state.records, databaseConfigTemplate: template });
    }
    // A switch without a startup config gets its factory state written there; CONFIG_DB, when
    // blank (a new switch, or its redis restarted), is loaded from the file, as at boot.
    const startup = startupConfigPath(s.dir);
    const seed = factories.get(s.name);
    if (seed && !existsSync(startup)) writeStartupConfig(startup, seed);
    await loadConfigIfBlank(s.name, endpoint, readStartupConfig(startup));
  });
  await Promise.all(lldpds);

  phase('redis and lldpd running');
  const agentless = switches.filter((s) => !agentRunning(s, records));
  if (agentless.length > 0 && opts.startAgents !== false) {
    const id = state.agents.reduce((m, a) => Math.max(m, a.id + 1), 0);
    for (const s of agentless) s.agent = id;
    state.agents.push({ id, config: join(state.dir, `${agentName(id)}.json`), switches: agentless.map((s) => s.name) });
    writeState(state);
    log.info({ agent: agentName(id), switches: agentless.map((s) => s.name) }, 'starting agent');
    await startAgent({
      id,
      fabricDir: state.dir,
      records: state.records,
      switches: agentless.map((s) => runtimeOf(state, s, opts.bgpmonIntervalMs ?? 1000)),
    });
  }
  // What died under a running agent comes back through it: FRR (the bgp service restarted) and
  // lldpd's port settings (lldpd itself was restarted above).
  if (opts.startAgents !== false) {
    await mapConcurrent(
      switches.filter((s) => !agentless.includes(s)),
      opts.concurrency ?? 8,
      async (s) => {
        const reply = await agentRequest(s.name, agentSocket(s.dir), 'revive', 60_000);
        if (reply !== 'ok') log.info({ switch: s.name, agent: agentName(s.agent!) }, reply.replace(/^ok /, ''));
      },
    );
  }
  phase('agents ready');
  writeLabInventory(state);
  return { state, added: fresh.map((s) => s.name), cablesAdded: created.length };
}

export function redisEndpoint(s: SwitchState): { host: string; port: number; socket: string } {
  return { host: s.address, port: REDIS_PORT, socket: join(s.dir, 'redis.sock') };
}

export function runtimeOf(state: LabState, s: SwitchState, bgpmonIntervalMs: number): SwitchRuntime {
  return {
    name: s.name,
    fabric: state.fabric,
    namespace: s.namespace,
    flavour: s.flavour,
    redis: redisEndpoint(s),
    dir: s.dir,
    ...(s.flavour === 'sonic' ? { lldpdSocket: lldpdSocket(s.dir) } : {}),
    bgpmonIntervalMs,
    processRecords: state.records,
    gnmi: { host: s.address, port: GNMI_PORT },
  };
}

function agentRunning(s: SwitchState, records: readonly ProcessRecord[]): boolean {
  return s.agent !== undefined && records.some((r) => r.name === agentName(s.agent!) && isAlive(r));
}

function switchState(fabric: string, s: LabSwitch, address: string, root: string): SwitchState {
  return {
    name: s.name,
    role: s.role,
    hwsku: s.hwsku,
    flavour: s.flavour,
    namespace: namespaceName(fabric, s.name),
    dir: switchDir(fabric, s.name, root),
    address,
    mac: switchMac(fabric, s.name),
    ...(s.mgmt ? { mgmt: s.mgmt } : {}),
  };
}

/** A stable, locally administered unicast MAC per switch (52:54:00 like QEMU/sonic-vs). */
export function switchMac(fabric: string, name: string): string {
  const h = shortHash(`${fabric}/${name}`, 6);
  return `52:54:00:${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}`;
}

function cableKey(c: { a: string; aPort: string; b: string; bPort: string }): string {
  return `${c.a}:${c.aPort} -- ${c.b}:${c.bPort}`;
}

function frrIds(): { uid: number; gid: number } {
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('frr:'));
  const [, , uid, gid] = passwd?.split(':') ?? [];
  if (uid === undefined || gid === undefined) return { uid: 0, gid: 0 };
  return { uid: Number(uid), gid: Number(gid) };
}

