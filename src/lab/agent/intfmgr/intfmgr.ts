// intfmgrd adapter: creates loopback netdevs, adds/removes addresses in the kernel, writes
// STATE_DB INTERFACE_TABLE and APPL_DB INTF_TABLE for what is applied.
import type { Fields } from '../db/keys.ts';
import type { SwitchContext } from '../context.ts';
import { applAddressEntry, applInterfaceEntry, planInterfaces, stateInterfaceEntry } from './interfaces.ts';

/** Interfaces whose addresses the agent manages (and so may remove when CONFIG_DB drops them). */
const MANAGED = /^(Ethernet\d+|Loopback\d+|Vlan\d+)$/;

/** SONiC makes a loopback a `dummy` netdev. Kernels built without dummy (some VM kernels) get
 *  an `ifb` instead: also always up with carrier, which is all a loopback needs. */
let loopbackKind: 'dummy' | 'ifb' = 'dummy';

export class IntfMgr {
  private readonly created = new Set<string>();
  /** `<if>|<prefix lowercased>` → applied kernel address. */
  private readonly applied = new Map<string, { ifname: string; prefix: string }>();

  constructor(private readonly ctx: SwitchContext) {}

  /** Full sync with the kernel: addresses left by an earlier run are known, so the ones
   *  CONFIG_DB no longer has are removed. */
  async init(): Promise<void> {
    for (const a of await this.ctx.ip.addresses()) {
      if (MANAGED.test(a.ifname)) this.applied.set(addrId(a.ifname, a.prefix), { ifname: a.ifname, prefix: a.prefix });
    }
  }

  async reconcile(): Promise<void> {
    const { ctx } = this;
    let links = ctx.links();
    const plan = planInterfaces(ctx.cfg, (ifname) => links.has(ifname), this.created);

    // Loopbacks first: their addresses need the netdev.
    const missing = [...plan.loopbacks].filter((lo) => !links.has(lo));
    if (missing.length) {
      await this.createLoopbacks(missing);
      await ctx.refreshLinks();
      links = ctx.links();
    }

    const wanted = new Map<string, { ifname: string; prefix: string; family: 'IPv4' | 'IPv6'; key: string }>();
    for (const [key, a] of plan.addresses) wanted.set(addrId(a.ifname, a.prefix), { ...a, key });
    const del: string[] = [];
    const add: string[] = [];
    for (const [id, a] of [...this.applied]) {
      if (wanted.has(id)) continue;
      if (links.has(a.ifname)) del.push(`addr del ${a.prefix} dev ${a.ifname}`);
      else this.applied.delete(id); // the netdev is gone, and its addresses with it
    }
    for (const [id, a] of wanted) if (!this.applied.has(id) && links.has(a.ifname)) add.push(`addr add ${a.prefix} dev ${a.ifname}`);
    const failed = new Set<string>();
    for (const f of await ctx.ip.batch([...del, ...add])) {
      // Re-adding an address the kernel already has is not a failure (agent restart).
      if (/File exists|already assigned/i.test(f.error)) continue;
      failed.add(f.line);
      ctx.log.error({ command: f.line, error: f.error }, 'intfmgrd: address change failed');
    }
    for (const [id, a] of [...this.applied]) if (!wanted.has(id) && !failed.has(`addr del ${a.prefix} dev ${a.ifname}`)) this.applied.delete(id);
    for (const [id, a] of wanted) {
      if (!this.applied.has(id) && links.has(a.ifname) && !failed.has(`addr add ${a.prefix} dev ${a.ifname}`)) {
        this.applied.set(id, { ifname: a.ifname, prefix: a.prefix });
      }
    }
    if (del.length || add.length) ctx.log.info({ removed: del, added: add }, 'intfmgrd: addresses applied');

    // Loopbacks no interface entry wants any more.
    const stale = [...links.keys()].filter((l) => /^Loopback\d+$/.test(l) && !plan.loopbacks.has(l) && ![...this.applied.values()].some((a) => a.ifname === l));
    if (stale.length) {
      await ctx.ip.batch(stale.map((l) => `link del ${l}`));
      ctx.log.info({ loopbacks: stale }, 'intfmgrd: loopbacks removed');
    }

    this.created.clear();
    for (const name of plan.interfaces.keys()) this.created.add(name);
    const state = new Map<string, Fields>();
    const appl = new Map<string, Fields>();
    for (const [name, fields] of plan.interfaces) {
      state.set(name, stateInterfaceEntry(fields));
      appl.set(name, applInterfaceEntry(fields));
    }
    for (const [id, a] of wanted) {
      if (!this.applied.has(id)) continue;
      state.set(a.key, { state: 'ok' });
      appl.set(`${a.ifname}:${a.prefix}`, applAddressEntry(a.family));
    }
    await Promise.all([ctx.state.sync('INTERFACE_TABLE', state), ctx.appl.sync('INTF_TABLE', appl)]);
  }

  private async createLoopbacks(names: readonly string[]): Promise<void> {
    const lines = (kind: string) => names.flatMap((n) => [`link add ${n} type ${kind}`, `link set ${n} up`]);
    const kind = loopbackKind;
    let failures = await this.ctx.ip.batch(lines(kind));
    // Judged on this batch's own kind: switches of one agent create loopbacks concurrently, and
    // another may have switched the shared kind to ifb while this batch still tried dummy.
    if (kind === 'dummy' && failures.some((f) => /Unknown device type/i.test(f.error))) {
      if (loopbackKind === 'dummy') this.ctx.log.warn('intfmgrd: kernel has no dummy netdevs; loopbacks are ifb netdevs instead');
      loopbackKind = 'ifb';
      failures = await this.ctx.ip.batch(lines('ifb'));
    }
    for (const f of failures) this.ctx.log.error({ command: f.line, error: f.error }, 'intfmgrd: loopback creation failed');
    this.ctx.log.info({ loopbacks: names, kind: loopbackKind }, 'intfmgrd: loopbacks created');
  }
}

function addrId(ifname: string, prefix: string): string {
  return `${ifname}|${prefix.toLowerCase()}`;
}
