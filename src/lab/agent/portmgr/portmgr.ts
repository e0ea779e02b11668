// portmgrd/portsyncd adapter: applies PORT admin_status/mtu to the netdevs (only when the config
// changed or the netdev is new: a port someone set down by hand stays down, as on SONiC) and
// mirrors the netdevs into STATE_DB/APPL_DB PORT_TABLE.
import type { Fields } from '../db/keys.ts';
import type { SwitchContext } from '../context.ts';
import { applPortEntry, configuredPorts, linkSetArgs, type PortSettings, portSettings, statePortEntry } from './ports.ts';

export class PortMgr {
  /** Port → what was last applied, and to which netdev (ifindex). */
  private readonly applied = new Map<string, PortSettings & { ifindex: number }>();

  constructor(private readonly ctx: SwitchContext) {}

  /** portmgrd restarting (config reload, reboot): every port is applied again from CONFIG_DB,
   *  also one set down by hand. */
  forget(): void {
    this.applied.clear();
  }

  async reconcile(): Promise<void> {
    const { ctx } = this;
    const ports = configuredPorts(ctx.cfg);
    let links = ctx.links();
    const lines: string[] = [];
    for (const [name, fields] of ports) {
      const link = links.get(name);
      if (!link) continue;
      const want = portSettings(fields);
      const prev = this.applied.get(name);
      if (prev && prev.ifindex === link.ifindex && prev.admin === want.admin && prev.mtu === want.mtu) continue;
      const args = linkSetArgs(name, want, link);
      if (args) lines.push(args.join(' '));
      this.applied.set(name, { ...want, ifindex: link.ifindex });
    }
    if (lines.length) {
      for (const f of await ctx.ip.batch(lines)) ctx.log.error({ command: f.line, error: f.error }, 'portmgrd: ip link set failed');
      ctx.log.info({ commands: lines }, 'portmgrd: ports configured');
      await ctx.refreshLinks();
      links = ctx.links();
    }
    for (const name of this.applied.keys()) if (!ports.has(name)) this.applied.delete(name);

    const state = new Map<string, Fields>();
    const appl = new Map<string, Fields>();
    for (const [name, fields] of ports) {
      const link = links.get(name);
      if (link) state.set(name, statePortEntry(link));
      appl.set(name, applPortEntry(fields, link));
    }
    await Promise.all([ctx.state.sync('PORT_TABLE', state), ctx.appl.sync('PORT_TABLE', appl)]);
    ctx.log.trace('portmgrd: PORT_TABLE synced');
  }
}
