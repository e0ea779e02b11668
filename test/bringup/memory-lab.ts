// A fabric of in-memory switches whose STATE_DB/APPL_DB follow their CONFIG_DB and their cables
// the way SONiC's daemons would, coarsely: ports and carrier, LLDP, interfaces, bgpcfgd's
// consumption, sessions (Established when both ends are configured and the cable is up) and
// routes to loopbacks one or two hops away. Enough for the bring-up services to run on. Each
// switch is test/support/memory-fabric.ts's (factory CONFIG_DB, startup config, exec channel),
// its FRR the one modelled here.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fields } from '../../src/core/diff/flat.ts';
import { loadFabric } from '../../src/io/fabric.ts';
import { StateDir } from '../../src/io/state-dir.ts';
import { FabricSession } from '../../src/services/session.ts';
import type { SwitchLink } from '../../src/transport/connect.ts';
import type { MemoryTransport } from '../../src/transport/memory.ts';
import type { DbName } from '../../src/transport/transport.ts';
import { factorySwitch, fakeExec, type MemorySwitch } from '../support/memory-fabric.ts';

type End = `${string} ${string}`; // "leaf5 Ethernet120"

interface Frr {
  asn?: number;
  peers: Map<string, number>;
}

export class MemoryLab {
  /** legacy-vs: no bgpcfgd, bgpmon or LLDP; BGP lives in FRR, configured through vtysh. */
  readonly frr = new Map<string, Frr>();
  constructor(readonly flavour: 'sonic' | 'legacy-vs' = 'sonic') {}
  readonly dir = mkdtempSync(join(tmpdir(), 'clos-bringup-'));
  readonly file = join(this.dir, 'dc1.fabric.yaml');
  /** Each switch as test/support/memory-fabric.ts fakes it: CONFIG_DB from the factory, the
   *  startup config, the commands its exec channel was given. */
  readonly fakes = new Map<string, MemorySwitch>();
  readonly switches = new Map<string, MemoryTransport>();
  /** Every session state written, in order: "spine1 10.1.0.1 Established". */
  readonly sessionLog: string[] = [];
  private readonly wires = new Map<End, End>();
  private readonly cut = new Set<End>();
  private scheduled = false;

  async open(text: string, concurrency = 8): Promise<FabricSession> {
    writeFileSync(this.file, text);
    const loaded = await loadFabric(this.file, { writeLock: true });
    for (const s of loaded.intents) {
      if (this.switches.has(s.name)) continue;
      const sw = factorySwitch(s);
      await sw.transport.watch('CONFIG_DB', ['PORT', 'INTERFACE', 'LOOPBACK_INTERFACE', 'VLAN_INTERFACE', 'DEVICE_METADATA', 'BGP_NEIGHBOR'], () => this.schedule());
      this.fakes.set(s.name, sw);
      this.switches.set(s.name, sw.transport);
    }
    for (const l of loaded.allocation.links.values()) {
      if (l.removed) continue;
      const a: End = `${l.leaf} ${l.leafPort}`;
      const b: End = `${l.spine} ${l.spinePort}`;
      if (!this.wires.has(a) && !this.wires.has(b)) {
        this.wires.set(a, b);
        this.wires.set(b, a);
      }
    }
    const link = (name: string): SwitchLink => ({
      name,
      transport: this.switches.get(name)!,
      exec: fakeExec(name, this.fakes.get(name)!, { summary: () => this.summary(name), configure: (lines) => this.configure(name, lines) }),
      flavourHint: this.flavour,
      close: async () => {},
    });
    this.recompute();
    return new FabricSession(loaded, { version: 1, fabric: loaded.fabric.name, switches: {} }, '(memory)', new StateDir(join(this.dir, 'state')), { concurrency, connect: async (n) => link(n) });
  }

  /** Every command the switches' exec channels were given, "spine1: systemctl restart bgp"
   *  (in order per switch). */
  get commands(): string[] {
    return [...this.fakes].flatMap(([name, sw]) => sw.commands.map((c) => `${name}: ${c.join(' ')}`));
  }

  /** Swaps the far ends of two ports of a switch (two cables plugged the wrong way round). */
  swap(sw: string, p1: string, p2: string): void {
    const a: End = `${sw} ${p1}`;
    const b: End = `${sw} ${p2}`;
    const fa = this.wires.get(a)!;
    const fb = this.wires.get(b)!;
    this.wires.set(a, fb);
    this.wires.set(fb, a);
    this.wires.set(b, fa);
    this.wires.set(fa, b);
    this.schedule();
  }

  /** Unplugs (or plugs back) the cable at this port. */
  setCable(sw: string, port: string, up: boolean): void {
    const e: End = `${sw} ${port}`;
    if (up) this.cut.delete(e);
    else this.cut.add(e);
    this.schedule();
  }

  /** vtysh configuration lines, as FRR would take them (the part bring-up uses). */
  private configure(sw: string, lines: readonly string[]): void {
    const f: Frr = this.frr.get(sw) ?? { peers: new Map() };
    this.frr.set(sw, f);
    for (const raw of lines) {
      const l = raw.trim();
      let m: RegExpExecArray | null;
      if ((m = /^router bgp (\d+)$/.exec(l))) f.asn = Number(m[1]);
      else if ((m = /^no router bgp/.exec(l))) {
        delete f.asn;
        f.peers.clear();
      } else if ((m = /^neighbor ([\d.]+) remote-as (\d+)$/.exec(l))) f.peers.set(m[1]!, Number(m[2]));
      else if ((m = /^no neighbor ([\d.]+)$/.exec(l))) f.peers.delete(m[1]!);
    }
    this.schedule();
  }

  private summary(sw: string): unknown {
    const f = this.frr.get(sw);
    if (!f?.asn) return {};
    const peers = Object.fromEntries([...f.peers].map(([ip, remoteAs]) => [ip, { remoteAs, localAs: f.asn, state: this.frrUp(sw, ip) ? 'Established' : 'Active' }]));
    return { ipv4Unicast: { as: f.asn, peers } };
  }

  /** A session of FRR (legacy-vs) is up when the link is up and both ends have each other. */
  private frrUp(sw: string, ip: string): boolean {
    const far = this.addresses().get(ip);
    if (!far || !this.frr.get(sw)?.asn) return false;
    for (const k of this.switches.get(sw)!.dbs.CONFIG_DB.keys()) {
      const m = /^INTERFACE\|([^|]+)\|([\d.]+)\/\d+$/.exec(k);
      if (!m) continue;
      const wire = this.linkUp(sw, m[1]!);
      if (wire && wire.peer === far[0] && wire.port === far[1]) return Boolean(this.frr.get(far[0])?.asn && this.frr.get(far[0])!.peers.has(m[2]!));
    }
    return false;
  }

  config(sw: string): Map<string, Fields> {
    return new Map([...this.switches.get(sw)!.dbs.CONFIG_DB].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.recompute();
    });
  }

  private linkUp(sw: string, port: string): { peer: string; port: string } | undefined {
    const far = this.wires.get(`${sw} ${port}`);
    if (!far || this.cut.has(`${sw} ${port}`) || this.cut.has(far)) return undefined;
    const [peer, peerPort] = far.split(' ') as [string, string];
    const mine = this.switches.get(sw)!.dbs.CONFIG_DB.get(`PORT|${port}`)?.admin_status;
    const theirs = this.switches.get(peer)?.dbs.CONFIG_DB.get(`PORT|${peerPort}`)?.admin_status;
    return mine === 'up' && theirs === 'up' ? { peer, port: peerPort } : undefined;
  }

  /** Addresses on interfaces: ip → [switch, port]. */
  private addresses(): Map<string, [string, string]> {
    const out = new Map<string, [string, string]>();
    for (const [sw, t] of this.switches) {
      for (const k of t.dbs.CONFIG_DB.keys()) {
        const m = /^INTERFACE\|([^|]+)\|([\d.]+)\/\d+$/.exec(k);
        if (m) out.set(m[2]!, [sw, m[1]!]);
      }
    }
    return out;
  }

  private loopback(sw: string): string | undefined {
    for (const k of this.switches.get(sw)!.dbs.CONFIG_DB.keys()) {
      const m = /^LOOPBACK_INTERFACE\|Loopback0\|([\d.]+)\/32$/.exec(k);
      if (m) return m[1];
    }
    return undefined;
  }

  recompute(): void {
    const addrs = this.addresses();
    const established = new Map<string, { peer: string; ip: string }[]>(); // switch → up sessions
    const want = new Map<string, { state: Map<string, Fields>; appl: Map<string, Fields> }>();
    for (const [sw, t] of this.switches) {
      const cfg = t.dbs.CONFIG_DB;
      const state = new Map<string, Fields>();
      const appl = new Map<string, Fields>();
      for (const [k, f] of cfg) {
        const [table, ...rest] = k.split('|');
        const key = rest.join('|');
        if (table === 'PORT') {
          const up = this.linkUp(sw, key);
          state.set(`PORT_TABLE|${key}`, { state: 'ok', netdev_oper_status: up ? 'up' : 'down', admin_status: f.admin_status ?? 'down', mtu: f.mtu ?? '9100' });
          appl.set(`PORT_TABLE:${key}`, { ...f, admin_status: f.admin_status ?? 'down', oper_status: up ? 'up' : 'down' });
          if (up && this.flavour === 'sonic') {
            const alias = this.switches.get(up.peer)!.dbs.CONFIG_DB.get(`PORT|${up.port}`)?.alias ?? up.port;
            appl.set(`LLDP_ENTRY_TABLE:${key}`, { lldp_rem_sys_name: up.peer, lldp_rem_port_id: alias, lldp_rem_port_desc: '' });
          }
        }
        if (table === 'INTERFACE' || table === 'LOOPBACK_INTERFACE' || table === 'VLAN_INTERFACE') {
          const [ifname, prefix] = key.split('|');
          if (prefix) {
            state.set(`INTERFACE_TABLE|${ifname}|${prefix}`, { state: 'ok' });
            appl.set(`INTF_TABLE:${ifname}:${prefix}`, { scope: 'global', family: 'IPv4' });
          } else state.set(`INTERFACE_TABLE|${ifname}`, { vrf: '' });
        }
      }
      const asn = cfg.get('DEVICE_METADATA|localhost')?.bgp_asn;
      const ups: { peer: string; ip: string }[] = [];
      if (this.flavour === 'legacy-vs') {
        for (const ip of this.frr.get(sw)?.peers.keys() ?? []) if (this.frrUp(sw, ip)) ups.push({ peer: this.addresses().get(ip)![0], ip });
      } else if (asn) {
        for (const [k, f] of cfg) {
          if (!k.startsWith('BGP_NEIGHBOR|')) continue;
          const ip = k.slice('BGP_NEIGHBOR|'.length);
          state.set(`BGP_PEER_CONFIGURED_TABLE|${ip}`, { ...f });
          const far = addrs.get(ip);
          const local = f.local_addr ? addrs.get(f.local_addr) : undefined;
          let up = false;
          if (far && local && local[0] === sw) {
            const peerCfg = this.switches.get(far[0])!.dbs.CONFIG_DB;
            const wire = this.linkUp(sw, local[1]);
            up = Boolean(wire && wire.peer === far[0] && wire.port === far[1] && peerCfg.get('DEVICE_METADATA|localhost')?.bgp_asn && peerCfg.has(`BGP_NEIGHBOR|${f.local_addr}`));
          }
          state.set(`NEIGH_STATE_TABLE|${ip}`, { state: up ? 'Established' : 'Active', peerType: 'e-BGP' });
          if (up) ups.push({ peer: far![0], ip });
        }
      }
      established.set(sw, ups);
      want.set(sw, { state, appl });
    }
    // Routes: a peer's loopback one hop away, and loopbacks its peers give it (two hops, ECMP).
    for (const [sw, ups] of established) {
      const routes = new Map<string, string[]>();
      const mine = this.loopback(sw);
      for (const u of ups) {
        const lo = this.loopback(u.peer);
        if (lo) routes.set(lo, [...(routes.get(lo) ?? []), u.ip]);
        for (const v of established.get(u.peer) ?? []) {
          const far = this.loopback(v.peer);
          if (!far || far === mine || v.peer === sw || ups.some((x) => x.peer === v.peer)) continue;
          if (!routes.get(far)?.includes(u.ip)) routes.set(far, [...(routes.get(far) ?? []), u.ip]);
        }
      }
      for (const [lo, hops] of routes) want.get(sw)!.appl.set(`ROUTE_TABLE:${lo}/32`, { nexthop: hops.sort().join(','), protocol: 'bgp' });
    }
    for (const [sw, w] of want) {
      const t = this.switches.get(sw)!;
      this.sync(t, 'STATE_DB', w.state, sw);
      this.sync(t, 'APPL_DB', w.appl, sw);
    }
  }

  private sync(t: MemoryTransport, db: DbName, want: Map<string, Fields>, sw: string): void {
    const have = t.dbs[db];
    for (const k of [...have.keys()]) if (!want.has(k)) t.setState(db, k, undefined);
    for (const [k, f] of want) {
      if (JSON.stringify(have.get(k)) === JSON.stringify(f)) continue;
      if (k.startsWith('NEIGH_STATE_TABLE|')) this.sessionLog.push(`${sw} ${k.slice(18)} ${f.state}`);
      t.setState(db, k, f);
    }
  }
}

