// Convergence checks, as data: which database, which key, which subset of fields is expected,
// and how long to wait. Generated from the intent; evaluated by one pure function; run by
// verify, drift and bring-up gates alike (as FRR's topotests compare JSON subsets with a wait).
import type { SwitchIntent } from '../model.ts';
import type { Fields, FlatDb } from '../diff/flat.ts';
import { compareNames } from '../names.ts';

/** STATE_DB and APPL_DB as SONiC has them; FRR is `show bgp summary json` read through the exec
 *  channel, presented as NEIGH_STATE_TABLE|<ip> {state} (switches without bgpmon). */
export type CheckDb = 'STATE_DB' | 'APPL_DB' | 'FRR';

export type Expectation =
  /** One of the keys exists and holds these fields (a subset). */
  | { readonly type: 'fields'; readonly keys: readonly string[]; readonly fields: Fields }
  /** One of the keys is a route with exactly this many next hops (the forms of routeKeys, the
   *  last one, fpmsyncd's own, looked up first). */
  | { readonly type: 'nexthops'; readonly keys: readonly string[]; readonly count: number }
  /** Every key of the table prefix is one of the allowed keys (no unexpected entry). */
  | { readonly type: 'only-keys'; readonly prefix: string; readonly allowed: readonly string[] }
  /** An LLDP neighbour: system name, and a port id that is the peer port's alias or name. */
  | { readonly type: 'lldp'; readonly key: string; readonly sysName: string; readonly portIds: readonly string[] };

export type CheckKind = 'port' | 'interface' | 'address' | 'bgp-consumed' | 'bgp-session' | 'bgp-unexpected' | 'route' | 'lldp';

export interface Check {
  readonly id: string; // unique per switch: "port Ethernet120 oper up (STATE_DB)"
  readonly switch: string;
  readonly kind: CheckKind;
  readonly db: CheckDb;
  readonly expect: Expectation;
}

export interface Observation {
  readonly pass: boolean;
  readonly seen: string; // what was found, for people
}

export interface CheckOptions {
  /** Per switch: does it run bgpcfgd/bgpmon/lldp (sonic) or not (legacy-vs)? Default: the
   *  intent's flavour. */
  readonly flavourOf?: (s: SwitchIntent) => 'sonic' | 'legacy-vs';
}

/** Both forms a host route's key may take: fpmsyncd prints the destination with libnl's
 *  nl_addr2str, which leaves out a full-length prefix ("ROUTE_TABLE:10.1.0.2", last: looked up
 *  first); "/32" (first: the one reports name) is accepted too. */
export function routeKeys(prefix: string): string[] {
  return prefix.endsWith('/32') ? [`ROUTE_TABLE:${prefix}`, `ROUTE_TABLE:${prefix.slice(0, -3)}`] : [`ROUTE_TABLE:${prefix}`];
}

export function buildChecks(intents: readonly SwitchIntent[], opts: CheckOptions = {}): Check[] {
  const of = checkBuilder(intents, opts);
  return intents.flatMap((s) => of(s.name));
}

/** Keys a read of a switch's STATE_DB / APPL_DB expects beyond what its checks look up. */
export interface ExpectedKeys {
  readonly STATE_DB: readonly string[];
  readonly APPL_DB: readonly string[];
}

/** One switch's checks, built when asked; `expected`: what else its reads should expect. */
export type CheckBuilder = ((name: string) => Check[]) & { readonly expected: (name: string) => ExpectedKeys };

/** One switch's checks at a time (verify and drift build a switch's checks when its turn comes
 *  and drop them when it is judged: at 1,000 switches the fabric has over a million). */
export function checkBuilder(intents: readonly SwitchIntent[], opts: CheckOptions = {}): CheckBuilder {
  const byName = new Map(intents.map((s) => [s.name, s]));
  const routes = routeParts();
  const of = (name: string) => {
    const s = byName.get(name);
    return s ? switchChecks(s, intents, byName, opts, routes) : [];
  };
  return Object.assign(of, { expected: (name: string) => heldKeys(byName.get(name)) });
}

/** What a converged SONiC switch holds in the tables the checks read beyond what they look
 *  up: every port of the platform, cabled or not (PORT_TABLE in both databases), and each routed
 *  interface's own entry in APPL_DB (intfmgrd's INTF_TABLE:<ifname>, besides its address's). */
export function heldKeys(s: SwitchIntent | undefined): ExpectedKeys {
  if (!s) return { STATE_DB: [], APPL_DB: [] };
  const ports = s.platform.ports;
  return {
    STATE_DB: ports.map((p) => `PORT_TABLE|${p.name}`),
    APPL_DB: [...ports.map((p) => `PORT_TABLE:${p.name}`), ...routedInterfaces(s).map(([ifname]) => `INTF_TABLE:${ifname}`)],
  };
}

/** The switch's routed interfaces with their address: cabled ports, Loopback0, the VLAN. */
function routedInterfaces(s: SwitchIntent): [ifname: string, prefix: string][] {
  const interfaces: [string, string][] = s.ports.filter((p) => p.address).map((p) => [p.def.name, p.address!]);
  interfaces.push(['Loopback0', `${s.loopback}/32`]);
  if (s.vlan) interfaces.push([s.vlan.name, s.vlan.gateway]);
  return interfaces;
}

type RouteParts = (to: SwitchIntent, count: number) => { readonly id: string; readonly expect: Expectation };

/** A route check's id and expectation, made once per destination and next-hop count and shared
 *  by every switch's check of that route (a 1,000-switch fabric has a million route checks: their
 *  keys, ids and expectations are made a thousand times, not a million). */
function routeParts(): RouteParts {
  const made = new Map<SwitchIntent, { id: string; expect: Expectation }[]>();
  return (to, count) => {
    let byCount = made.get(to);
    if (!byCount) made.set(to, (byCount = []));
    return (byCount[count] ??= {
      id: `route to ${to.name} loopback ${to.loopback}/32 via ${count} next hop(s)`,
      expect: { type: 'nexthops', keys: routeKeys(`${to.loopback}/32`), count },
    });
  };
}

function switchChecks(s: SwitchIntent, intents: readonly SwitchIntent[], byName: ReadonlyMap<string, SwitchIntent>, opts: CheckOptions, routes: RouteParts): Check[] {
  const checks: Check[] = [];
  const flavour = opts.flavourOf?.(s) ?? s.flavour;
  const add = (kind: CheckKind, db: CheckDb, id: string, expect: Expectation) => checks.push({ id, switch: s.name, kind, db, expect });
  for (const p of s.ports) {
    const port = p.def.name;
    if (p.address) {
      add('port', 'STATE_DB', `port ${port} up (STATE_DB)`, { type: 'fields', keys: [`PORT_TABLE|${port}`], fields: { state: 'ok', netdev_oper_status: 'up' } });
      add('port', 'APPL_DB', `port ${port} up (APPL_DB)`, { type: 'fields', keys: [`PORT_TABLE:${port}`], fields: { oper_status: 'up', admin_status: 'up', mtu: String(p.mtu) } });
    } else {
      // Server ports are up administratively; their oper state depends on servers plugged in.
      add('port', 'APPL_DB', `port ${port} admin up (APPL_DB)`, { type: 'fields', keys: [`PORT_TABLE:${port}`], fields: { admin_status: 'up' } });
    }
  }
  for (const [ifname, prefix] of routedInterfaces(s)) {
    add('interface', 'STATE_DB', `interface ${ifname} created`, { type: 'fields', keys: [`INTERFACE_TABLE|${ifname}`], fields: {} });
    add('address', 'STATE_DB', `address ${prefix} on ${ifname} (STATE_DB)`, { type: 'fields', keys: [`INTERFACE_TABLE|${ifname}|${prefix}`], fields: { state: 'ok' } });
    add('address', 'APPL_DB', `address ${prefix} on ${ifname} (APPL_DB)`, { type: 'fields', keys: [`INTF_TABLE:${ifname}:${prefix}`], fields: {} });
  }
  const sessionDb: CheckDb = flavour === 'sonic' ? 'STATE_DB' : 'FRR';
  for (const n of s.neighbors) {
    if (flavour === 'sonic') {
      add('bgp-consumed', 'STATE_DB', `neighbor ${n.peerIp} (${n.peerName}) consumed by bgpcfgd`, { type: 'fields', keys: [`BGP_PEER_CONFIGURED_TABLE|${n.peerIp}`], fields: { asn: String(n.peerAsn) } });
    }
    add('bgp-session', sessionDb, `session ${n.peerIp} (${n.peerName}) Established`, { type: 'fields', keys: [`NEIGH_STATE_TABLE|${n.peerIp}`], fields: { state: 'Established' } });
  }
  add('bgp-unexpected', sessionDb, 'no unexpected BGP neighbor', { type: 'only-keys', prefix: 'NEIGH_STATE_TABLE|', allowed: s.neighbors.map((n) => `NEIGH_STATE_TABLE|${n.peerIp}`) });
  for (const other of intents) {
    if (other.name === s.name) continue;
    // Leaf to leaf crosses every spine (ECMP); anything else is one hop away.
    const count = s.role === 'leaf' && other.role === 'leaf' ? s.spineCount : 1;
    if (s.role === 'spine' && other.role === 'spine') continue; // spines do not learn each other (same AS)
    const route = routes(other, count);
    add('route', 'APPL_DB', route.id, route.expect);
    // Server prefixes are not checked: SONiC advertises a VLAN prefix only while a server
    // port of that VLAN is up, which depends on servers, not on the fabric.
  }
  if (flavour === 'sonic') {
    for (const n of s.neighbors) {
      const peer = byName.get(n.peerName);
      // A peer without lldp (legacy-vs, like docker-sonic-vs release images) advertises nothing.
      if (peer && (opts.flavourOf?.(peer) ?? peer.flavour) !== 'sonic') continue;
      const alias = peer?.ports.find((p) => p.def.name === n.peerPort)?.def.alias ?? n.peerPort;
      add('lldp', 'APPL_DB', `LLDP on ${n.localPort}: ${n.peerName} ${n.peerPort}`, { type: 'lldp', key: `LLDP_ENTRY_TABLE:${n.localPort}`, sysName: n.peerName, portIds: [alias, n.peerPort] });
    }
  }
  return checks;
}

/** Evaluates one check against a snapshot of its database (keys with the table prefix). */
export function evaluate(check: Check, db: FlatDb): Observation {
  const e = check.expect;
  switch (e.type) {
    case 'fields': {
      const have = entryOf(e.keys, db);
      if (!have) return { pass: false, seen: `${e.keys[0]} absent` };
      const wrong = Object.entries(e.fields).filter(([f, v]) => have[f] !== v);
      if (wrong.length === 0) return { pass: true, seen: show(have, Object.keys(e.fields)) || 'present' };
      return { pass: false, seen: wrong.map(([f]) => `${f}=${have[f] ?? '(none)'}`).join(' ') };
    }
    case 'nexthops': {
      const have = routeOf(e.keys, db);
      if (!have) return { pass: false, seen: 'no route' };
      const nh = have.nexthop ?? '';
      const hops = hopCount(nh);
      return { pass: hops === e.count, seen: `${hops} next hop(s): ${nh || '-'}` };
    }
    case 'only-keys': {
      const allowed = new Set(e.allowed);
      // Sorted: a read may come in the server's order (ReadOptions.unordered).
      const extra = [...db.keys()].filter((k) => k.startsWith(e.prefix) && !allowed.has(k)).map((k) => k.slice(e.prefix.length)).sort(compareNames);
      return { pass: extra.length === 0, seen: extra.length === 0 ? 'none' : `unexpected: ${extra.join(', ')}` };
    }
    case 'lldp': {
      const have = db.get(e.key);
      if (!have) return { pass: false, seen: 'no LLDP neighbour' };
      const seen = `${have.lldp_rem_sys_name ?? '?'} ${have.lldp_rem_port_id ?? '?'}`;
      return { pass: have.lldp_rem_sys_name === e.sysName && e.portIds.includes(have.lldp_rem_port_id ?? ''), seen };
    }
  }
}

/** evaluate(check, db).pass, with nothing allocated for a route or fields check (their `seen`
 *  is worded by evaluate, when someone reads it). */
export function passes(check: Check, db: FlatDb): boolean {
  const e = check.expect;
  switch (e.type) {
    case 'nexthops': {
      const have = routeOf(e.keys, db);
      return have !== undefined && hopCount(have.nexthop ?? '') === e.count;
    }
    case 'fields': {
      const have = entryOf(e.keys, db);
      if (!have) return false;
      for (const f in e.fields) if (have[f] !== e.fields[f]) return false;
      return true;
    }
    default:
      return evaluate(check, db).pass;
  }
}

/** The keys a check looks up, for a read to expect (ReadOptions.expect: a hint, never a
 *  filter): a fields check's keys, a route's in fpmsyncd's form (the one looked up first; a key
 *  in the other form is listed and read all the same), an LLDP entry's. An only-keys check
 *  looks at whatever is listed: none. */
export function lookedUp(check: Check): readonly string[] {
  const e = check.expect;
  switch (e.type) {
    case 'fields':
      return e.keys;
    case 'nexthops':
      return e.keys.slice(-1);
    case 'lldp':
      return [e.key];
    case 'only-keys':
      return [];
  }
}

/** What a switch's reads of STATE_DB and APPL_DB expect (ReadOptions.expect): the keys its
 *  checks look up, then what it holds there besides (heldKeys) that no check looks up. */
export function expectedReads(checks: readonly Check[], held: ExpectedKeys): { STATE_DB: string[]; APPL_DB: string[] } {
  const out = { STATE_DB: [] as string[], APPL_DB: [] as string[] };
  const besides = { STATE_DB: new Set(held.STATE_DB), APPL_DB: new Set(held.APPL_DB) };
  for (const c of checks) {
    if (c.db === 'FRR') continue;
    for (const k of lookedUp(c)) {
      out[c.db].push(k);
      besides[c.db].delete(k);
    }
  }
  for (const db of ['STATE_DB', 'APPL_DB'] as const) for (const k of besides[db]) out[db].push(k);
  return out;
}

/** The entry of the first of the keys that exists. */
function entryOf(keys: readonly string[], db: FlatDb): Fields | undefined {
  for (const k of keys) {
    const have = db.get(k);
    if (have) return have;
  }
  return undefined;
}

/** A route's entry: its key in fpmsyncd's form (routeKeys' last) first, then the others. */
function routeOf(keys: readonly string[], db: FlatDb): Fields | undefined {
  for (let i = keys.length - 1; i >= 0; i--) {
    const have = db.get(keys[i]!);
    if (have) return have;
  }
  return undefined;
}

/** Next hops in fpmsyncd's comma-separated list (counted, not split: a million routes at scale). */
function hopCount(nexthop: string): number {
  if (nexthop === '') return 0;
  let n = 1;
  for (let i = nexthop.indexOf(','); i >= 0; i = nexthop.indexOf(',', i + 1)) n++;
  return n;
}

function show(fields: Fields, names: readonly string[]): string {
  return names.map((n) => `${n}=${fields[n]}`).join(' ');
}

/** `show bgp summary json` → NEIGH_STATE_TABLE entries, as bgpmon would write them. */
export function neighStateFromFrr(summary: unknown): Map<string, Fields> {
  const out = new Map<string, Fields>();
  const peers = (summary as { ipv4Unicast?: { peers?: Record<string, { state?: string; remoteAs?: number; localAs?: number }> } })?.ipv4Unicast?.peers ?? {};
  for (const [ip, p] of Object.entries(peers)) {
    out.set(`NEIGH_STATE_TABLE|${ip}`, { state: p.state ?? 'Unknown', peerType: p.remoteAs === p.localAs ? 'i-BGP' : 'e-BGP' });
  }
  return out;
}
