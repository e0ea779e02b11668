// portmgrd + portsyncd + the port part of orchagent, pure. portmgrd applies CONFIG_DB PORT
// admin_status/mtu to the netdev; portsyncd mirrors the netdev into STATE_DB PORT_TABLE (from
// netlink: IFF_UP → admin_status, IFF_LOWER_UP → netdev_oper_status); APPL_DB PORT_TABLE carries
// the PORT config plus oper_status.
import type { Fields } from '../db/keys.ts';
import type { ConfigView } from '../db/snapshot.ts';
import type { LinkInfo } from '../net/links.ts';

/** SONiC defaults when the PORT entry leaves them out (portmgr.cpp: DEFAULT_MTU_STR,
 *  DEFAULT_ADMIN_STATUS_STR). */
export const DEFAULT_MTU = '9100';
export const DEFAULT_ADMIN_STATUS = 'down';

export interface PortSettings {
  readonly admin: 'up' | 'down';
  readonly mtu: number;
}

export function portSettings(fields: Fields): PortSettings {
  const mtu = Number(fields.mtu ?? DEFAULT_MTU);
  return {
    admin: (fields.admin_status ?? DEFAULT_ADMIN_STATUS) === 'up' ? 'up' : 'down',
    mtu: Number.isInteger(mtu) && mtu > 0 ? mtu : Number(DEFAULT_MTU),
  };
}

/** Ports of CONFIG_DB PORT (front-panel Ethernet ports only). */
export function configuredPorts(cfg: ConfigView): Map<string, Fields> {
  const out = new Map<string, Fields>();
  for (const [name, fields] of cfg.table('PORT')) if (name.startsWith('Ethernet')) out.set(name, fields);
  return out;
}

/** `ip link set` arguments that bring the netdev to the settings, or undefined when it is. */
export function linkSetArgs(port: string, want: PortSettings, link: LinkInfo): string[] | undefined {
  const args: string[] = [];
  if (link.mtu !== want.mtu) args.push('mtu', String(want.mtu));
  if (link.up !== (want.admin === 'up')) args.push(want.admin);
  return args.length ? ['link', 'set', 'dev', port, ...args] : undefined;
}

/** STATE_DB PORT_TABLE|<port>: written by portsyncd once the netdev exists. */
export function statePortEntry(link: LinkInfo): Fields {
  return {
    state: 'ok',
    netdev_oper_status: link.up && link.lowerUp ? 'up' : 'down',
    admin_status: link.up ? 'up' : 'down',
    mtu: String(link.mtu),
  };
}

/** APPL_DB PORT_TABLE:<port>: the PORT config with defaults, plus oper_status (down while the
 *  port has no netdev: an uncabled port of the lab). */
export function applPortEntry(fields: Fields, link: LinkInfo | undefined): Fields {
  const s = portSettings(fields);
  return {
    ...fields,
    admin_status: s.admin,
    mtu: String(s.mtu),
    oper_status: link && link.up && link.lowerUp ? 'up' : 'down',
  };
}
