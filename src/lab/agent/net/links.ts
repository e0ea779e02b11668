// The kernel's view of a switch's namespace, parsed from `ip -j link show` / `ip -j addr show`.
// Pure parsing, so the daemons' decisions can be tested on recorded output.

export interface LinkInfo {
  readonly name: string;
  readonly ifindex: number;
  /** IFF_UP: administratively up. */
  readonly up: boolean;
  /** IFF_LOWER_UP: carrier (for a veth: both ends up). */
  readonly lowerUp: boolean;
  readonly mtu: number;
  readonly master?: string;
}

export interface AddressInfo {
  readonly ifname: string;
  readonly prefix: string; // 10.0.0.1/31
  readonly family: 'IPv4' | 'IPv6';
}

interface IpLinkJson {
  readonly ifindex?: number;
  readonly ifname?: string;
  readonly flags?: readonly string[];
  readonly mtu?: number;
  readonly master?: string;
}

export function parseLinks(json: unknown): Map<string, LinkInfo> {
  const out = new Map<string, LinkInfo>();
  if (!Array.isArray(json)) return out;
  for (const l of json as IpLinkJson[]) {
    if (!l.ifname) continue;
    const flags = l.flags ?? [];
    out.set(l.ifname, {
      name: l.ifname,
      ifindex: l.ifindex ?? 0,
      up: flags.includes('UP'),
      lowerUp: flags.includes('LOWER_UP'),
      mtu: l.mtu ?? 0,
      ...(l.master ? { master: l.master } : {}),
    });
  }
  return out;
}

interface IpAddrJson {
  readonly ifname?: string;
  readonly addr_info?: readonly { family?: string; local?: string; prefixlen?: number; scope?: string }[];
}

/** Global-scope addresses only: link-local ones are the kernel's, never SONiC intent. */
export function parseAddresses(json: unknown): AddressInfo[] {
  const out: AddressInfo[] = [];
  if (!Array.isArray(json)) return out;
  for (const l of json as IpAddrJson[]) {
    if (!l.ifname) continue;
    for (const a of l.addr_info ?? []) {
      if (!a.local || a.prefixlen === undefined || a.scope !== 'global') continue;
      if (a.family !== 'inet' && a.family !== 'inet6') continue;
      out.push({ ifname: l.ifname, prefix: `${a.local}/${a.prefixlen}`, family: a.family === 'inet' ? 'IPv4' : 'IPv6' });
    }
  }
  return out;
}

/** Same link state as far as the daemons care (name, index, flags, mtu, master). */
export function sameLink(a: LinkInfo | undefined, b: LinkInfo | undefined): boolean {
  if (!a || !b) return a === b;
  return a.ifindex === b.ifindex && a.up === b.up && a.lowerUp === b.lowerUp && a.mtu === b.mtu && a.master === b.master;
}

/** One line of `ip -o monitor link` for a link that exists (an AF_UNSPEC RTM_NEWLINK, the kind
 *  that carries `qdisc`), or undefined for anything else: deletions, and the AF_BRIDGE messages
 *  a bridge port produces, which look alike ("Deleted 3: Ethernet8 … master Vlan1000") but do
 *  not mean the netdev went away. The caller re-reads `ip -j link` for the full picture; this
 *  only lets a carrier or admin change reach the tables without waiting for that spawn. */
export function parseMonitorLine(line: string): LinkInfo | undefined {
  const m = /^(\d+): ([^:@\s]+)(?:@\S+)?: <([^>]*)> mtu (\d+) qdisc \S+(?: master (\S+))?/.exec(line.trim());
  if (!m) return undefined;
  const flags = m[3]!.split(',');
  return {
    name: m[2]!,
    ifindex: Number(m[1]),
    up: flags.includes('UP'),
    lowerUp: flags.includes('LOWER_UP'),
    mtu: Number(m[4]),
    ...(m[5] ? { master: m[5] } : {}),
  };
}
