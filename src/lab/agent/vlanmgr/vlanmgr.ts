// vlanmgrd adapter: a bridge netdev per VLAN, member ports enslaved, STATE_DB/APPL_DB VLAN_TABLE
// and VLAN_MEMBER_TABLE for what exists in the kernel.
import type { Fields } from '../db/keys.ts';
import type { SwitchContext } from '../context.ts';
import { applMemberEntry, applVlanEntry, planVlans } from './vlans.ts';

const VLAN_NETDEV = /^Vlan\d+$/;

export class VlanMgr {
  private reportedUnsupported = new Set<string>();

  constructor(private readonly ctx: SwitchContext) {}

  async reconcile(): Promise<void> {
    const { ctx } = this;
    let links = ctx.links();
    const plan = planVlans(ctx.cfg, (port) => links.has(port));
    for (const key of plan.unsupported) {
      if (!this.reportedUnsupported.has(key)) ctx.log.warn({ member: key }, 'vlanmgrd: tagged VLAN members are not emulated; member not applied');
    }
    this.reportedUnsupported = new Set(plan.unsupported);

    const lines: string[] = [];
    for (const name of plan.vlans.keys()) if (!links.has(name)) lines.push(`link add ${name} type bridge`, `link set ${name} up`);
    if (lines.length) {
      for (const f of await ctx.ip.batch(lines)) ctx.log.error({ command: f.line, error: f.error }, 'vlanmgrd: bridge creation failed');
      ctx.log.info({ commands: lines }, 'vlanmgrd: VLANs created');
      await ctx.refreshLinks();
      links = ctx.links();
    }

    const wantedMaster = new Map<string, string>();
    for (const m of plan.members.values()) wantedMaster.set(m.port, m.vlan);
    const changes: string[] = [];
    for (const [port, vlan] of wantedMaster) {
      if (links.has(vlan) && links.get(port)?.master !== vlan) changes.push(`link set ${port} master ${vlan}`);
    }
    for (const link of links.values()) {
      if (link.master && VLAN_NETDEV.test(link.master) && wantedMaster.get(link.name) !== link.master) changes.push(`link set ${link.name} nomaster`);
    }
    for (const name of links.keys()) if (VLAN_NETDEV.test(name) && !plan.vlans.has(name)) changes.push(`link del ${name}`);
    if (changes.length) {
      for (const f of await ctx.ip.batch(changes)) ctx.log.error({ command: f.line, error: f.error }, 'vlanmgrd: member change failed');
      ctx.log.info({ commands: changes }, 'vlanmgrd: VLAN members applied');
      await ctx.refreshLinks();
      links = ctx.links();
    }

    const stateVlans = new Map<string, Fields>();
    const applVlans = new Map<string, Fields>();
    for (const [name, v] of plan.vlans) {
      if (!links.has(name)) continue;
      stateVlans.set(name, { state: 'ok' });
      applVlans.set(name, applVlanEntry(v.fields));
    }
    const stateMembers = new Map<string, Fields>();
    const applMembers = new Map<string, Fields>();
    for (const m of plan.members.values()) {
      if (links.get(m.port)?.master !== m.vlan) continue;
      stateMembers.set(`${m.vlan}|${m.port}`, { state: 'ok' });
      applMembers.set(`${m.vlan}:${m.port}`, applMemberEntry());
    }
    await Promise.all([
      ctx.state.sync('VLAN_TABLE', stateVlans),
      ctx.appl.sync('VLAN_TABLE', applVlans),
      ctx.state.sync('VLAN_MEMBER_TABLE', stateMembers),
      ctx.appl.sync('VLAN_MEMBER_TABLE', applMembers),
    ]);
  }
}
