// One emulated switch: wires CONFIG_DB events and kernel link events to the emulated daemons,
// owns the switch's FRR, and answers its control socket. Which daemon runs depends on the
// flavour: `legacy-vs` (docker-sonic-vs release images) has no bgpcfgd, bgpmon or lldp.
import { type FSWatcher, rmSync, watch } from 'node:fs';
import { join } from 'node:path';
import type net from 'node:net';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { SwitchRuntime } from '../runtime.ts';
import { BgpCfgd } from './bgpcfgd/bgpcfgd.ts';
import { bgpdStartupConfig, zebraStartupConfig } from './bgpcfgd/render.ts';
import { BgpMon } from './bgpmon/bgpmon.ts';
import type { SwitchContext } from './context.ts';
import { agentSocketPath, serveControl } from './control.ts';
import { APPL_SEP, DB, STATE_SEP } from './db/keys.ts';
import { connect, EntryWriter } from './db/redis.ts';
import { ConfigSnapshot } from './db/snapshot.ts';
import { ConfigWatcher } from './db/watcher.ts';
import { FpmSyncd } from './fpmsyncd/fpmsyncd.ts';
import { FrrService } from './frr/service.ts';
import { IntfMgr } from './intfmgr/intfmgr.ts';
import { Lldp } from './lldp/lldp.ts';
import { NamespaceIp } from './net/ip.ts';
import { type LinkInfo, parseMonitorLine, sameLink } from './net/links.ts';
import { LinkMonitor, isProgrammedRoute } from './net/monitor.ts';
import { PortMgr } from './portmgr/portmgr.ts';
import { SerialTask } from './serial.ts';
import { loadConfigDb, readStartupConfig, saveConfigDb, startupConfigPath } from './db/startup.ts';
import { VlanMgr } from './vlanmgr/vlanmgr.ts';

/** Tables each CONFIG_DB-driven daemon reacts to. */
const PORT_TABLES = new Set(['PORT']);
const VLAN_TABLES = new Set(['VLAN', 'VLAN_MEMBER']);
const INTF_TABLES = new Set(['INTERFACE', 'LOOPBACK_INTERFACE', 'VLAN_INTERFACE']);
const BGP_TABLES = new Set(['BGP_NEIGHBOR', 'DEVICE_METADATA', 'LOOPBACK_INTERFACE', 'INTERFACE', 'VLAN_INTERFACE', 'PORTCHANNEL_INTERFACE']);

/** lldp_syncd reads lldpd every 10 s on SONiC. Spawning lldpcli is the agent's costliest poll
 *  (~7 ms CPU each), so it runs at 5 × the bgpmon interval within [2 s, 10 s], plus shortly
 *  after every link change. */
export function lldpIntervalMs(bgpmonIntervalMs: number): number {
  return Math.min(10_000, Math.max(2_000, 5 * bgpmonIntervalMs));
}
/** After a link change LLDP is read every second (lldpd's tx-interval: a new neighbour is heard
 *  within about a second) while a port with carrier has no neighbour yet, for at most 10 s. */
const LLDP_PROMPT_MS = 1_000;
const LLDP_PROMPT_WINDOW_MS = 10_000;
/** An event (a kernel route zebra programmed, a line bgpd logged) is followed by a read this
 *  much later: a burst of events costs one read (at most 5 a second per switch while routes
 *  churn, on top of the periodic poll), and zebra has marked the route installed. */
const EVENT_SETTLE_MS = 200;

/** Tables the agent writes, adopted at start so entries left by an earlier run get cleaned. */
const STATE_TABLES = ['PORT_TABLE', 'INTERFACE_TABLE', 'VLAN_TABLE', 'VLAN_MEMBER_TABLE', 'BGP_PEER_CONFIGURED_TABLE', 'NEIGH_STATE_TABLE'];
const APPL_TABLES = ['PORT_TABLE', 'INTF_TABLE', 'VLAN_TABLE', 'VLAN_MEMBER_TABLE', 'ROUTE_TABLE', 'LLDP_ENTRY_TABLE'];

export class SwitchAgent {
  private readonly cfg = new ConfigSnapshot();
  private readonly ip: NamespaceIp;
  private readonly redis: { config: Redis; state: Redis; appl: Redis; sub: Redis };
  private readonly frr: FrrService;
  private readonly ctx: SwitchContext;
  private linkMap: ReadonlyMap<string, LinkInfo> = new Map();
  private readonly linkTask: SerialTask;
  private readonly monitor: LinkMonitor;
  private readonly tasks: Record<'port' | 'vlan' | 'intf' | 'bgp' | 'lldp', SerialTask | undefined>;
  private readonly polls: SerialTask[] = [];
  private readonly fpmPoll: SerialTask;
  private bgpmonPoll?: SerialTask;
  private readonly eventTimers = new Map<SerialTask, NodeJS.Timeout>();
  private bgpLog?: FSWatcher;
  private lldpPoll?: SerialTask;
  private lldpTimer?: NodeJS.Timeout;
  private lldpKick?: NodeJS.Timeout;
  private lldpPromptUntil = 0;
  private readonly bgpcfgd?: BgpCfgd;
  private readonly bgpmon?: BgpMon;
  private readonly lldp?: Lldp;
  private readonly intfmgr: IntfMgr;
  private readonly portmgr: PortMgr;
  private started = false;
  private timer?: NodeJS.Timeout;
  private server?: net.Server;
  private restarting?: Promise<void>;
  private watcher?: ConfigWatcher;

  constructor(
    readonly rt: SwitchRuntime,
    private readonly log: Logger,
  ) {
    this.ip = new NamespaceIp(rt.namespace);
    this.redis = { config: connect(rt, DB.CONFIG), state: connect(rt, DB.STATE), appl: connect(rt, DB.APPL), sub: connect(rt, DB.CONFIG) };
    for (const [name, r] of Object.entries(this.redis)) r.on('error', (e: Error) => log.warn({ connection: name, err: e.message }, 'redis connection error'));
    this.frr = new FrrService(rt, log);
    this.ctx = {
      rt,
      log,
      cfg: this.cfg,
      ip: this.ip,
      links: () => this.linkMap,
      refreshLinks: () => this.linkTask.trigger(),
      state: new EntryWriter(this.redis.state, STATE_SEP, log),
      appl: new EntryWriter(this.redis.appl, APPL_SEP, log),
      frr: this.frr,
    };
    const sonic = rt.flavour === 'sonic';
    if (sonic) {
      this.bgpcfgd = new BgpCfgd(this.ctx);
      this.bgpmon = new BgpMon(this.ctx);
      if (rt.lldpdSocket) this.lldp = new Lldp(this.ctx, rt.lldpdSocket, () => void (this.started && this.tasks.lldp?.trigger()));
    }
    const task = (name: string, step: () => Promise<void>) => new SerialTask(step, (e) => log.error({ err: e }, `${name} failed`));
    const portmgr = new PortMgr(this.ctx);
    this.portmgr = portmgr;
    const vlanmgr = new VlanMgr(this.ctx);
    this.intfmgr = new IntfMgr(this.ctx);
    const intfmgr = this.intfmgr;
    this.tasks = {
      port: task('portmgrd', () => portmgr.reconcile()),
      vlan: task('vlanmgrd', () => vlanmgr.reconcile()),
      intf: task('intfmgrd', () => intfmgr.reconcile()),
      bgp: this.bgpcfgd ? task('bgpcfgd', () => this.bgpcfgd!.reconcile()) : undefined,
      lldp: this.lldp ? task('lldpmgrd', () => this.lldp!.reconcile()) : undefined,
    };
    const fpm = new FpmSyncd(this.ctx);
    this.fpmPoll = task('fpmsyncd', () => fpm.poll());
    this.polls.push(this.fpmPoll);
    if (this.bgpmon) {
      this.bgpmonPoll = task('bgpmon', () => this.bgpmon!.poll());
      this.polls.push(this.bgpmonPoll);
    }
    if (this.lldp) this.lldpPoll = task('lldp_syncd', () => this.lldp!.poll());
    this.linkTask = task('link refresh', () => this.readLinks());
    this.monitor = new LinkMonitor({
      ns: rt.namespace,
      switchName: rt.name,
      records: rt.processRecords,
      onLinks: (lines) => this.onMonitorLines(lines),
      // fpmsyncd is pushed every route zebra programs (FPM); here the kernel's route event is
      // the cue to read zebra's RIB, the periodic poll a fallback.
      onRoutes: (lines) => {
        if (lines.some(isProgrammedRoute)) this.soon(this.fpmPoll);
      },
      onError: (e) => log.warn({ err: e.message }, 'link monitor'),
    });
  }

  /** Start order: kernel and CONFIG_DB views first, then FRR rendered from CONFIG_DB as it is
   *  (the static part), then the daemons, and the control socket last: its existence is the
   *  host side's signal that the switch is ready. */
  async start(): Promise<void> {
    const { rt, log } = this;
    // A socket left by an agent that died would read as "ready" to the host side.
    rmSync(agentSocketPath(rt.dir), { force: true });
    this.frr.ensureDirOwned();
    await Promise.all(Object.values(this.redis).map((r) => r.connect()));
    await Promise.all([this.ctx.state.adopt(STATE_TABLES), this.ctx.appl.adopt(APPL_TABLES)]);
    await this.lldp?.daemonReplaced(); // the lldpd this agent configures
    this.monitor.start();
    await this.readLinks();
    await this.intfmgr.init();
    const watcher = new ConfigWatcher(this.redis.sub, this.redis.config, this.cfg, (tables) => this.onConfig(tables), log);
    this.watcher = watcher;
    await watcher.start();
    // ioredis reconnects (and re-subscribes) by itself; a redis that restarted lost every DB
    // (`save ""`), so CONFIG_DB is read again and every entry the agent owns rewritten.
    this.redis.config.on('ready', () => void this.resync(watcher));

    if (await this.frr.running()) {
      log.info('FRR already running: adopting it');
      await this.bgpcfgd?.adoptFromFrr();
    } else {
      await this.frr.start(zebraStartupConfig(rt.name), bgpdStartupConfig(this.cfg, rt.name, rt.flavour === 'sonic'));
    }
    this.watchBgpLog();
    this.started = true;
    await this.reconcileAll();
    const interval = Math.max(100, rt.bgpmonIntervalMs);
    // Spread the switches' polls over the interval instead of firing all at once.
    setTimeout(() => {
      this.timer = setInterval(() => this.poll(), interval);
      this.poll();
    }, Math.floor(Math.random() * interval)).unref();
    if (this.lldpPoll) {
      this.lldpTimer = setInterval(() => void this.lldpPoll?.trigger(), lldpIntervalMs(interval));
      this.kickLldp();
    }
    this.server = await serveControl(agentSocketPath(rt.dir), (req) => this.control(req));
    log.info({ flavour: rt.flavour, namespace: rt.namespace }, 'switch agent ready');
  }

  async stop(opts: { stopFrr: boolean }): Promise<void> {
    this.started = false;
    if (this.timer) clearInterval(this.timer);
    if (this.lldpTimer) clearInterval(this.lldpTimer);
    clearTimeout(this.lldpKick);
    for (const t of this.eventTimers.values()) clearTimeout(t);
    this.bgpLog?.close();
    this.bgpLog = undefined;
    this.server?.close();
    rmSync(agentSocketPath(this.rt.dir), { force: true });
    this.monitor.stop();
    if (opts.stopFrr) await this.frr.stop();
    else {
      this.frr.bgpd.close();
      this.frr.zebra.close();
    }
    for (const r of Object.values(this.redis)) r.disconnect();
  }

  private poll(): void {
    if (!this.started || this.restarting) return;
    for (const p of this.polls) void p.trigger();
  }

  /** A poll run shortly after an event (several events within EVENT_SETTLE_MS: one run). */
  private soon(task: SerialTask): void {
    if (this.eventTimers.has(task)) return;
    this.eventTimers.set(
      task,
      setTimeout(() => {
        this.eventTimers.delete(task);
        if (this.started && !this.restarting) void task.trigger();
      }, EVENT_SETTLE_MS),
    );
  }

  /** bgpmon reads bgpd when its log changed (real bgpmon: when frr.log changed, every 15 s):
   *  `bgp log-neighbor-changes` logs every session going up or down, so a session's new state
   *  reaches STATE_DB at once, the periodic poll being the fallback. The log file outlives
   *  bgpd's restarts (appended to), so one watch serves them all. */
  private watchBgpLog(): void {
    if (!this.bgpmonPoll || this.bgpLog) return;
    try {
      const w = watch(join(this.rt.dir, 'bgpd.log'), () => this.soon(this.bgpmonPoll!));
      w.on('error', () => {
        w.close();
        if (this.bgpLog === w) this.bgpLog = undefined;
      });
      w.unref();
      this.bgpLog = w;
    } catch (e) {
      this.log.debug({ err: (e as Error).message }, 'bgpmon: bgpd.log not watched (polls only)');
    }
  }

  private onConfig(tables: ReadonlySet<string>): void {
    if (!this.started) return; // start() reconciles everything once FRR runs
    const hit = (set: ReadonlySet<string>) => [...tables].some((t) => set.has(t));
    if (hit(PORT_TABLES)) {
      void this.tasks.port?.trigger();
      void this.tasks.lldp?.trigger();
    }
    if (hit(VLAN_TABLES)) void this.tasks.vlan?.trigger();
    if (hit(INTF_TABLES)) void this.tasks.intf?.trigger();
    if (hit(BGP_TABLES)) void this.tasks.bgp?.trigger();
  }

  /** Fast path: a carrier/admin/mtu change of a known netdev is applied from the monitor line
   *  at once; the full re-read that follows catches everything else (new and deleted links). */
  private onMonitorLines(lines: readonly string[]): void {
    let changed = false;
    const next = new Map(this.linkMap);
    for (const line of lines) {
      const l = parseMonitorLine(line);
      const known = l && next.get(l.name);
      if (!l || !known || known.ifindex !== l.ifindex || sameLink(known, l)) continue;
      next.set(l.name, l);
      changed = true;
    }
    if (changed) {
      this.log.debug({ lines }, 'link event');
      this.linkMap = next;
      this.linksChanged();
    }
    void this.linkTask.trigger();
  }

  private async readLinks(): Promise<void> {
    const next = await this.ip.links();
    const prev = this.linkMap;
    this.linkMap = next;
    const changed = [...new Set([...next.keys(), ...prev.keys()])].filter((name) => !sameLink(prev.get(name), next.get(name)));
    if (changed.length) {
      this.log.debug({ links: changed }, 'links changed');
      this.linksChanged();
    }
  }

  private linksChanged(): void {
    if (!this.started) return;
    for (const t of [this.tasks.port, this.tasks.vlan, this.tasks.intf, this.tasks.lldp]) void t?.trigger();
    this.kickLldp();
  }

  /** A link changed: neighbours appear or go within a few seconds (lldpd's tx-interval is 1 s,
   *  its TTL 4 s), so LLDP is read again soon instead of at the next slow poll. */
  private kickLldp(): void {
    if (!this.lldpPoll) return;
    this.lldpPromptUntil = Date.now() + LLDP_PROMPT_WINDOW_MS;
    this.scheduleLldp();
  }

  /** One read a second later (a later link change does not postpone it); again after that
   *  while a neighbour is still awaited. */
  private scheduleLldp(): void {
    if (this.lldpKick) return;
    this.lldpKick = setTimeout(() => {
      this.lldpKick = undefined;
      void this.lldpPoll?.trigger().then(() => {
        if (this.started && Date.now() < this.lldpPromptUntil && this.lldpAwaited()) this.scheduleLldp();
      });
    }, LLDP_PROMPT_MS);
  }

  /** A front-panel port up with carrier and no LLDP neighbour in APPL_DB. */
  private lldpAwaited(): boolean {
    for (const [name, l] of this.linkMap) if (/^Ethernet\d+$/.test(name) && l.up && l.lowerUp && !this.ctx.appl.get(`LLDP_ENTRY_TABLE:${name}`)) return true;
    return false;
  }

  private async resync(watcher: ConfigWatcher): Promise<void> {
    if (!this.started) return;
    this.log.warn('redis reconnected: reading CONFIG_DB again and rewriting STATE_DB/APPL_DB');
    try {
      this.ctx.state.reset();
      this.ctx.appl.reset();
      await Promise.all([this.ctx.state.adopt(STATE_TABLES), this.ctx.appl.adopt(APPL_TABLES)]);
      await watcher.fullSync(true);
      await this.reconcileAll();
      // The bgp service goes down and up with the database (SONiC's bgp.service requires
      // database.service): bgpcfgd then pushes every neighbor again and rewrites
      // BGP_PEER_CONFIGURED_TABLE, which the empty redis lost.
      if (this.bgpcfgd) await this.restartBgp();
      for (const p of [...this.polls, this.lldpPoll]) void p?.trigger();
    } catch (e) {
      this.log.error({ err: e }, 'resynchronisation after a redis reconnect failed');
    }
  }

  private async reconcileAll(): Promise<void> {
    // Ports before VLANs before interfaces: each one's readiness rests on the previous one.
    await this.tasks.port?.trigger();
    await this.tasks.vlan?.trigger();
    await this.tasks.intf?.trigger();
    await Promise.all([this.tasks.bgp?.trigger(), this.tasks.lldp?.trigger()]);
  }

  private async control(request: string): Promise<string> {
    switch (request) {
      case 'ping':
        return 'ok';
      case 'restart-bgp':
        await this.restartBgp();
        return 'ok';
      case 'config-save':
        await this.configSave();
        return 'ok';
      case 'config-reload':
        await this.configReload({ reboot: false });
        return 'ok';
      case 'reboot':
        await this.configReload({ reboot: true });
        return 'ok';
      case 'revive':
        return this.revive();
      default:
        return `error unknown request '${request}' (expected ping, restart-bgp, config-save, config-reload, reboot or revive)`;
    }
  }

  /** One service operation at a time (restart, reload, reboot); polls pause meanwhile. */
  private async exclusive(op: () => Promise<void>): Promise<void> {
    while (this.restarting) await this.restarting;
    this.restarting = op().finally(() => (this.restarting = undefined));
    await this.restarting;
  }

  /** bgpcfgd paused, bgpmon/fpmsyncd idle, FRR stopped: the bgp container going down. */
  private async stopRouting(): Promise<void> {
    this.bgpcfgd?.pause();
    await this.tasks.bgp?.idle();
    await Promise.all(this.polls.map((p) => p.idle()));
    await this.frr.stop();
  }

  /** The bgp container starting: static part rendered from CONFIG_DB as redis holds it now,
   *  bgpmon starting over, every ready neighbor pushed again. */
  private async startRouting(): Promise<void> {
    const { rt } = this;
    // Like the bgp container's start (sonic-cfggen reads CONFIG_DB then), the static part is
    // rendered from CONFIG_DB as redis holds it NOW: this agent's view may not have caught up
    // with a write made just before the restart (a controller restarts right after its
    // transaction), and a static part rendered without bgp_asn or Loopback0 never advertises
    // the loopback (bgpcfgd then creates `router bgp` bare, for the neighbors).
    await this.watcher?.fullSync(true);
    await this.frr.start(zebraStartupConfig(rt.name), bgpdStartupConfig(this.cfg, rt.name, rt.flavour === 'sonic'));
    this.watchBgpLog();
    await this.bgpmon?.reset();
    this.bgpcfgd?.resumeAfterRestart();
  }

  /** `systemctl restart bgp`: FRR stopped, its static part re-rendered from CONFIG_DB as it is
   *  now, started again; bgpmon starts over; every ready neighbor is pushed again. Done once
   *  the daemons run, as systemctl returns once the bgp container's processes are started:
   *  bgpcfgd pushes the neighbors afterwards (a spine's 16 took 1.2 s of a restart that waited
   *  for them). */
  async restartBgp(): Promise<void> {
    await this.exclusive(async () => {
      this.log.info('restart bgp: stopping FRR');
      await this.stopRouting();
      await this.startRouting();
      void this.tasks.bgp?.trigger();
      this.log.info('restart bgp: done');
    });
  }

  /** `clos lab up` of a running lab: what died is brought back. A dead zebra or bgpd restarts
   *  the bgp service, both daemons (on SONiC a critical process exiting stops its container and
   *  systemd starts it again); an lldpd the host side restarted gets its ports configured again
   *  (lldpmgrd starts over with a new lldpd). Replies `ok` and what was restarted. */
  private async revive(): Promise<string> {
    const done: string[] = [];
    if (!(await this.frr.running())) {
      this.log.warn('revive: zebra or bgpd is not running: restarting the bgp service');
      await this.restartBgp();
      done.push('bgp');
    }
    if (this.lldp && (await this.lldp.daemonReplaced())) {
      this.log.warn('revive: lldpd was restarted: configuring its ports again');
      await this.tasks.lldp?.trigger();
      void this.lldpPoll?.trigger();
      this.kickLldp();
      done.push('lldp');
    }
    return done.length ? `ok restarted ${done.join(' ')}` : 'ok';
  }

  /** `config save -y` (and gNOI SonicService.ConfigSave): CONFIG_DB → the startup file. */
  async configSave(): Promise<void> {
    while (this.restarting) await this.restarting; // never a CONFIG_DB half reloaded
    const file = startupConfigPath(this.rt.dir);
    await saveConfigDb(this.redis.config, file);
    this.log.info({ file }, 'config save: CONFIG_DB written to the startup config');
  }

  /** `config reload -y`: the services stop, CONFIG_DB is flushed and loaded from the startup
   *  file, and the services start again deriving everything from it: ports re-applied, kernel
   *  addresses and FRR's config rebuilt, what the file no longer has removed. `reboot` is the
   *  same, plus what a power cycle loses: STATE_DB and APPL_DB are empty and every front-panel
   *  port goes down (its peer sees the carrier drop) before it comes back from CONFIG_DB. */
  async configReload(opts: { reboot: boolean }): Promise<void> {
    const what = opts.reboot ? 'reboot' : 'config reload';
    const file = startupConfigPath(this.rt.dir);
    const doc = readStartupConfig(file); // a broken file fails here, before anything stops
    await this.exclusive(async () => {
      this.log.info({ file }, `${what}: stopping services`);
      this.started = false; // the daemons are down: CONFIG_DB events wait for the restart
      await this.stopRouting();
      await Promise.all([this.tasks.port, this.tasks.vlan, this.tasks.intf, this.tasks.lldp, this.lldpPoll].map((t) => t?.idle()));
      try {
        if (opts.reboot) {
          const ports = [...this.linkMap.keys()].filter((n) => /^Ethernet\d+$/.test(n));
          for (const f of await this.ip.batch(ports.map((p) => `link set dev ${p} down`))) this.log.warn({ command: f.line, error: f.error }, 'reboot: port down failed');
          await Promise.all([this.redis.state.flushdb(), this.redis.appl.flushdb()]);
          this.ctx.state.reset();
          this.ctx.appl.reset();
          await this.readLinks();
        }
        await loadConfigDb(this.redis.config, doc);
      } finally {
        // Whatever failed above, the services come back, on whatever CONFIG_DB now holds.
        this.portmgr.forget(); // portmgrd starts over: every port gets its configured state
        await this.startRouting();
        this.started = true;
        await this.reconcileAll();
        for (const p of [...this.polls, this.lldpPoll]) void p?.trigger();
        this.kickLldp();
      }
      this.log.info(`${what}: done`);
    });
  }
}
