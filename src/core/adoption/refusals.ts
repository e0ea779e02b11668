// What clos cannot take over safely (docs/adoption.md): config that ties a port the fabric uses
// to something clos does not manage, or puts clos's addresses where clos does not look.
// Removing it would tear down a service someone runs (a LAG, a VRF, a VXLAN), keeping it would
// leave the fabric port misrouted; so plan lists it and apply refuses the switch before any
// write. Pure: what plan read in, refusals out.
import { splitKey, type FlatDb } from '../diff/flat.ts';
import type { Pool, SwitchIntent, Underlay } from '../model.ts';
import { inPrefix, ipToInt } from '../net/ipv4.ts';
import { compareNames } from '../names.ts';
import { MANAGED_TABLES } from '../render/render.ts';

export interface Refusal {
  readonly switch: string;
  /** The CONFIG_DB key that stops the adoption. */
  readonly key: string;
  readonly reason: string;
}

/** Tables read only to decide refusals: clos never writes them. */
export const GUARD_TABLES: readonly string[] = ['MGMT_INTERFACE', 'PORTCHANNEL', 'PORTCHANNEL_INTERFACE', 'PORTCHANNEL_MEMBER', 'VLAN_SUB_INTERFACE', 'VRF', 'VXLAN_TUNNEL', 'VXLAN_TUNNEL_MAP'];

/** THE tables plan, apply and drift read from a switch's CONFIG_DB: what clos renders and
 *  owns, and what can make it refuse. */
export const CONFIG_READ_TABLES: readonly string[] = [...MANAGED_TABLES, ...GUARD_TABLES];

/** Ethernet120.10 → Ethernet120 (a sub-interface's port); a port name stays as it is. */
const parentPort = (ifname: string) => ifname.split('.')[0]!;
const ipOf = (cidr: string) => ipToInt(cidr.split('/')[0]!);
const isIp = (s: string) => /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(s);

type Rule = (full: string, first: string, rest: string, fields: Readonly<Record<string, string>>) => void;

export function refusals(intent: SwitchIntent, actual: FlatDb, pools: readonly Pool[]): Refusal[] {
  const out: Refusal[] = [];
  const refuse = (key: string, reason: string) => out.push({ switch: intent.name, key, reason });
  const used = new Set(intent.ports.map((p) => p.def.name));
  const role = (port: string) => (intent.vlan?.ports.includes(port) ? 'a server port of the fabric' : intent.role === 'leaf' ? 'a fabric uplink' : 'a fabric downlink');
  const lagsOnFabric = new Map<string, string>(); // PortChannel → a fabric port in it

  /** An interface of a fabric port bound to a VRF: refused (true) or not. */
  const vrfBound = (full: string, first: string, fields: Readonly<Record<string, string>>): boolean => {
    if (!fields.vrf_name || !used.has(parentPort(first))) return false;
    refuse(full, `${first} is bound to VRF ${fields.vrf_name}: clos routes its fabric ports in the default VRF; unbind it first`);
    return true;
  };
  // The rules, by the table of the key they look at: a key of any other table (a port's, a
  // neighbor's…: most of a switch's) is passed over without being split.
  const rules = new Map<string, Rule>([
    [
      'PORTCHANNEL_MEMBER',
      (full, first, rest) => {
        if (!used.has(rest)) return;
        lagsOnFabric.set(first, rest);
        refuse(full, `${rest} is a member of ${first}, and ${rest} is ${role(rest)}: clos routes it alone; remove it from the PortChannel first`);
      },
    ],
    ['INTERFACE', (full, first, _rest, fields) => void vrfBound(full, first, fields)],
    [
      'VLAN_SUB_INTERFACE',
      (full, first, rest, fields) => {
        if (vrfBound(full, first, fields) || rest || !used.has(parentPort(first))) return;
        refuse(full, `a sub-interface of ${parentPort(first)}, which is ${role(parentPort(first))}: clos owns the whole port; remove the sub-interface first`);
      },
    ],
    [
      'VLAN_INTERFACE',
      (full, first, rest, fields) => {
        if (rest || !fields.vrf_name || intent.vlan?.name !== first) return;
        refuse(full, `${first} is clos's server VLAN and is bound to VRF ${fields.vrf_name}: clos routes it in the default VRF; unbind it first`);
      },
    ],
    [
      'MGMT_INTERFACE',
      (full, _first, rest) => {
        const pool = rest && isIp(rest) ? pools.find((p) => inPrefix(ipOf(rest), p)) : undefined;
        if (pool) refuse(full, `the management interface holds ${rest}, inside clos's pool ${pool.cidr}: clos would route the same addresses over the fabric; renumber the management network or the pool`);
      },
    ],
    [
      'VXLAN_TUNNEL',
      (full, first, _rest, fields) => {
        const pool = fields.src_ip ? pools.find((p) => inPrefix(ipOf(fields.src_ip!), p)) : undefined;
        if (pool) refuse(full, `VTEP ${first} sources from ${fields.src_ip}, inside clos's pool ${pool.cidr}: clos would take that address over; remove the tunnel or move its source`);
      },
    ],
    [
      'VXLAN_TUNNEL_MAP',
      (full, _first, _rest, fields) => {
        if (!fields.vlan) return;
        const members = [...actual.keys()].filter((k) => k.startsWith(`VLAN_MEMBER|${fields.vlan}|`)).map((k) => k.slice(k.lastIndexOf('|') + 1));
        const onFabric = members.find((m) => used.has(m));
        if (intent.vlan?.name === fields.vlan || onFabric) {
          refuse(full, `${fields.vlan} is mapped to ${fields.vni ? `VNI ${fields.vni}` : 'a VNI'}${onFabric ? ` and carries ${onFabric}, ${role(onFabric)}` : ', and it is clos\'s server VLAN'}: clos would change what the VXLAN bridges; remove the map first`);
        }
      },
    ],
  ]);

  for (const [full, fields] of actual) {
    const bar = full.indexOf('|');
    const rule = rules.get(bar < 0 ? full : full.slice(0, bar));
    if (!rule) continue;
    const { table: first, key: rest } = splitKey(bar < 0 ? '' : full.slice(bar + 1));
    rule(full, first, rest, fields);
  }
  // A PortChannel's own addresses and VRF go with it: name them too, so one look shows all.
  for (const full of lagsOnFabric.size ? actual.keys() : []) {
    const { table, key } = splitKey(full);
    const lag = splitKey(key).table;
    if ((table === 'PORTCHANNEL_INTERFACE' || table === 'PORTCHANNEL') && lagsOnFabric.has(lag)) {
      refuse(full, `${lag} takes ${lagsOnFabric.get(lag)}, a port the fabric uses`);
    }
  }
  // In key order, whatever order the switch returned its keys in.
  return out.sort((a, b) => compareNames(a.key, b.key));
}

/** One line per refusal: switch, key, reason. */
export function refusalText(r: Refusal): string {
  return `${r.switch}: ${r.key}: ${r.reason}`;
}

/** clos's address pools: what must not appear where clos does not manage it. */
export function poolsOf(u: Pick<Underlay, 'loopbacks' | 'p2p' | 'servers'>): Pool[] {
  return [u.loopbacks, u.p2p, ...(u.servers ? [u.servers] : [])];
}
