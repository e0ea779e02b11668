// Operational drift: the convergence checks (the same ones verify runs) evaluated once on what
// each switch's STATE_DB / APPL_DB (or FRR) holds, and their failures turned into findings about
// things people know: a link, a BGP session, an address, a route, a cable. Both ends of a cable
// are judged together, so a link that is down is one finding, not one per port and daemon.
import { evaluate, passes, type Check, type Observation } from '../checks/checks.ts';
import type { Fields, FlatDb } from '../diff/flat.ts';
import type { Flavour, SwitchIntent } from '../model.ts';
import { type CableIndex, endOf, type End, type FabricCable } from './cables.ts';
import { findingId, type Finding } from './finding.ts';

/** What was read from one switch's operational databases. A switch that could not be read has
 *  no entry (its unreachable finding says why). */
export interface SwitchState {
  readonly name: string;
  readonly flavour: Flavour;
  readonly state: FlatDb; // STATE_DB, the tables the checks read
  readonly appl: FlatDb; // APPL_DB, the tables the checks read (in no particular order: only looked up)
  /** NEIGH_STATE_TABLE from `show bgp summary json` (switches without bgpmon); undefined when
   *  FRR could not be read: its checks are then not judged. */
  readonly frr?: FlatDb;
}

interface Failure {
  readonly check: Check;
  readonly seen: Observation;
}

interface LldpSeen {
  readonly present: boolean;
  readonly pass: boolean;
  readonly sysName?: string;
  readonly port?: string; // mapped back to a port name when the peer is a fabric switch
}

interface CableEvidence {
  readonly ports: Partial<Record<End, Failure[]>>;
  readonly sessions: Partial<Record<End, Failure[]>>;
  readonly lldp: Partial<Record<End, LldpSeen>>;
}

/** What drift keeps of one switch once its checks are judged (the reading itself, a million
 *  ROUTE_TABLE entries at 1,000 switches, is dropped): its own findings, the evidence of its
 *  cable ends (judged with the other end's at the end), and the few entries the cable findings
 *  quote. */
export interface JudgedState {
  /** STATE_DB PORT_TABLE and NEIGH_STATE_TABLE only; APPL_DB dropped; FRR as read. */
  readonly state: SwitchState;
  /** Server ports, addresses, unexpected sessions, routes: findings of this switch alone. */
  readonly findings: readonly Finding[];
  readonly ends: readonly EndEvidence[];
}

interface EndEvidence {
  readonly cable: FabricCable;
  readonly end: End;
  readonly ports: Failure[];
  readonly sessions: Failure[];
  lldp?: LldpSeen;
  /** The peer the LLDP check expects (its check exists only while that peer runs lldp). */
  lldpPeer?: string;
}

/** Per switch (the same for every switch of a run): the fabric's intents and cables. */
export class StateJudge {
  readonly byName: ReadonlyMap<string, SwitchIntent>;
  private readonly byLoopback: ReadonlyMap<string, SwitchIntent>;

  constructor(
    readonly intents: readonly SwitchIntent[],
    readonly cables: CableIndex,
  ) {
    this.byName = new Map(intents.map((s) => [s.name, s]));
    this.byLoopback = new Map(intents.map((s) => [`${s.loopback}/32`, s]));
  }

  /** One switch's checks on what its databases hold. */
  judge(st: SwitchState, checks: readonly Check[]): JudgedState {
    const { cables, byName } = this;
    const ends = new Map<string, EndEvidence>(); // cable id + end
    const endAt = (at: { cable: FabricCable; end: End }) => {
      const k = `${at.cable.id}\0${at.end}`;
      let e = ends.get(k);
      if (!e) ends.set(k, (e = { cable: at.cable, end: at.end, ports: [], sessions: [] }));
      return e;
    };
    const out: Finding[] = [];
    const addresses = new Map<string, Failure[]>(); // ifname
    for (const check of checks) {
      const db = check.db === 'STATE_DB' ? st.state : check.db === 'APPL_DB' ? st.appl : st.frr;
      if (!db) continue;
      const e = check.expect;
      if (e.type !== 'lldp' && passes(check, db)) continue; // nothing to say (and nothing made)
      const seen = evaluate(check, db);
      if (e.type === 'lldp') {
        const port = afterTable(e.key, ':');
        const at = cables.atPort(check.switch, port);
        if (!at) continue;
        const have = db.get(e.key);
        const sysName = have?.lldp_rem_sys_name;
        const portId = have?.lldp_rem_port_id;
        const end = endAt(at);
        end.lldp = { present: !!have, pass: seen.pass, ...(sysName !== undefined ? { sysName } : {}), ...(portId !== undefined ? { port: portName(byName.get(sysName ?? ''), portId) } : {}) };
        end.lldpPeer = e.sysName;
        continue;
      }
      if (seen.pass) continue;
      const f = { check, seen };
      switch (check.kind) {
        case 'port': {
          const port = afterTable((e as { keys: readonly string[] }).keys[0]!, check.db === 'APPL_DB' ? ':' : '|');
          const at = cables.atPort(check.switch, port);
          if (at) endAt(at).ports.push(f);
          else out.push(serverPortFinding(check.switch, port, f));
          break;
        }
        case 'bgp-consumed':
        case 'bgp-session': {
          const ip = afterTable((e as { keys: readonly string[] }).keys[0]!, '|');
          const at = cables.toPeer(check.switch, ip);
          if (at) endAt(at).sessions.push(f);
          break;
        }
        case 'interface':
        case 'address': {
          const key = (e as { keys: readonly string[] }).keys[0]!;
          const sep = check.db === 'APPL_DB' ? ':' : '|';
          const ifname = afterTable(key, sep).split(sep)[0]!;
          const same = addresses.get(ifname);
          if (same) same.push(f);
          else addresses.set(ifname, [f]);
          break;
        }
        case 'bgp-unexpected':
          out.push(...unexpectedFindings(check, db, byName.get(check.switch)));
          break;
        case 'route':
          out.push(routeFinding(f, this.byLoopback));
          break;
        case 'lldp':
          break;
      }
    }
    for (const [ifname, fails] of addresses) out.push(addressFinding(st.name, ifname, fails, byName.get(st.name), cables));
    const quoted = new Map<string, Fields>();
    for (const [k, v] of st.state) if (k.startsWith('PORT_TABLE|') || k.startsWith('NEIGH_STATE_TABLE|')) quoted.set(k, v);
    return { state: { name: st.name, flavour: st.flavour, state: quoted, appl: EMPTY, ...(st.frr ? { frr: st.frr } : {}) }, findings: out, ends: [...ends.values()] };
  }

  /** Every switch judged: the findings of each, then both ends of each cable together. An LLDP
   *  check judged on a switch whose peer turns out not to run lldp (`lldpOf`) is dropped, as
   *  buildChecks would not have made it. */
  findings(judged: readonly JudgedState[], lldpOf?: (peer: string) => boolean): Finding[] {
    const evidence = new Map<string, CableEvidence>();
    const states = new Map<string, SwitchState>();
    const out: Finding[] = [];
    for (const j of judged) {
      states.set(j.state.name, j.state);
      out.push(...j.findings);
      for (const end of j.ends) {
        let e = evidence.get(end.cable.id);
        if (!e) evidence.set(end.cable.id, (e = { ports: {}, sessions: {}, lldp: {} }));
        if (end.ports.length) e.ports[end.end] = end.ports;
        if (end.sessions.length) e.sessions[end.end] = end.sessions;
        if (end.lldp && (!lldpOf || lldpOf(end.lldpPeer!))) e.lldp[end.end] = end.lldp;
      }
    }
    for (const c of this.cables.cables) {
      const e = evidence.get(c.id);
      if (e) out.push(...cableFindings(c, e, states, this.byName));
    }
    return out;
  }
}

const EMPTY: FlatDb = new Map();

export function stateFindings(intents: readonly SwitchIntent[], checks: readonly Check[], states: ReadonlyMap<string, SwitchState>, cables: CableIndex): Finding[] {
  const judge = new StateJudge(intents, cables);
  const bySwitch = new Map<string, Check[]>();
  for (const c of checks) {
    const same = bySwitch.get(c.switch);
    if (same) same.push(c);
    else bySwitch.set(c.switch, [c]);
  }
  return judge.findings([...states.values()].map((st) => judge.judge(st, bySwitch.get(st.name) ?? [])));
}

function cableFindings(c: FabricCable, e: CableEvidence, states: ReadonlyMap<string, SwitchState>, byName: ReadonlyMap<string, SwitchIntent>): Finding[] {
  const out: Finding[] = [];
  const ends: End[] = ['leaf', 'spine'];
  const name = `${c.leaf}:${c.leafPort} -- ${c.spine}:${c.spinePort}`;

  // Cabling: an end sees someone other than the intended peer. The action names the leaf end
  // when the leaf saw it (a leaf's uplinks are where cables are usually swapped).
  const wrong = ends.filter((end) => e.lldp[end]?.present && !e.lldp[end]!.pass);
  if (wrong.length) {
    const sees = wrong.map((end) => {
      const me = endOf(c, end);
      const l = e.lldp[end]!;
      return `${me.sw} ${me.port} sees ${l.sysName ?? '?'}:${l.port ?? '?'}`;
    });
    const end = wrong[0]!;
    const me = endOf(c, end);
    const other = endOf(c, end === 'leaf' ? 'spine' : 'leaf');
    const l = e.lldp[end]!;
    out.push({
      id: findingId(me.sw, 'cabling', `cable ${name}`),
      switch: me.sw,
      object: `cable ${name}`,
      class: 'cabling',
      severity: 'error',
      expected: `${me.sw} ${me.port} cabled to ${other.sw}:${other.port}`,
      actual: sees.join('; '),
      detail: 'LLDP neighbours (APPL_DB LLDP_ENTRY_TABLE) differ from the cabling the fabric file and its lock describe',
      link: c.id,
      causedBy: null,
      remediation: { kind: 'physical', action: `move the cable on ${me.sw} ${me.port} from ${l.sysName ?? '?'}:${l.port ?? '?'} to ${other.sw}:${other.port}` },
    });
  }

  const portsFail = ends.filter((end) => e.ports[end]?.length);
  if (portsFail.length) {
    const shut = ends.find((end) => states.get(endOf(c, end).sw)?.state.get(`PORT_TABLE|${endOf(c, end).port}`)?.admin_status === 'down');
    const at = endOf(c, shut ?? portsFail[0]!);
    const mtu = byName.get(c.leaf)?.ports.find((p) => p.def.name === c.leafPort)?.mtu;
    out.push({
      id: findingId(at.sw, 'not-converged', `link ${name}`),
      switch: at.sw,
      object: `link ${name}`,
      class: 'not-converged',
      severity: 'error',
      expected: `both ends admin up, oper up${mtu ? `, mtu ${mtu}` : ''}`,
      actual: ends.map((end) => portText(c, end, e, states)).join('; '),
      detail: null,
      link: c.id,
      causedBy: null,
      remediation: {
        kind: 'investigate',
        action: shut
          ? `${at.sw} ${at.port} is administratively down on the switch while CONFIG_DB PORT|${at.port} says up: bring it up (\`sudo config interface startup ${at.port}\` on ${at.sw}) and find out who shut it`
          : `no carrier between ${c.leaf} ${c.leafPort} and ${c.spine} ${c.spinePort}: check the cable and optics at both ends`,
      },
    });
  } else {
    // LLDP silent on a link that is up: lldpd is not running or not configured (a link that is
    // down is silent anyway, and is reported above).
    const silent = ends.filter((end) => e.lldp[end] && !e.lldp[end]!.present);
    if (silent.length) {
      const at = endOf(c, silent[0]!);
      out.push({
        id: findingId(at.sw, 'not-converged', `LLDP ${name}`),
        switch: at.sw,
        object: `LLDP ${name}`,
        class: 'not-converged',
        severity: 'error',
        expected: 'each end sees the other in LLDP_ENTRY_TABLE',
        actual: silent.map((end) => `${endOf(c, end).sw} ${endOf(c, end).port}: no LLDP neighbour`).join('; '),
        detail: 'the link is up at both ends',
        link: c.id,
        causedBy: null,
        remediation: { kind: 'investigate', action: `check lldpd on ${silent.map((end) => endOf(c, end).sw).join(' and ')} (\`show lldp neighbors ${at.port}\`)` },
      });
    }
  }

  const sessionsFail = ends.filter((end) => e.sessions[end]?.length);
  if (sessionsFail.length) {
    const at = endOf(c, sessionsFail[0]!);
    const other = endOf(c, sessionsFail[0] === 'leaf' ? 'spine' : 'leaf');
    out.push({
      id: findingId(at.sw, 'not-converged', `BGP session ${c.leaf} ${c.leafIp} -- ${c.spine} ${c.spineIp}`),
      switch: at.sw,
      object: `BGP session ${c.leaf} ${c.leafIp} -- ${c.spine} ${c.spineIp}`,
      class: 'not-converged',
      severity: 'error',
      expected: `Established on ${c.leaf} (peer ${c.spineIp}) and on ${c.spine} (peer ${c.leafIp})`,
      actual: ends.map((end) => sessionText(c, end, e, states)).join('; '),
      detail: null,
      link: c.id,
      causedBy: null,
      remediation: { kind: 'investigate', action: `check BGP on ${at.sw}: \`show bgp neighbors ${at.peerIp}\` (and on ${other.sw}: \`show bgp neighbors ${other.peerIp}\`)` },
    });
  }
  return out;
}

function portText(c: FabricCable, end: End, e: CableEvidence, states: ReadonlyMap<string, SwitchState>): string {
  const { sw, port } = endOf(c, end);
  const st = states.get(sw);
  if (!st) return `${sw} ${port}: not read`;
  const entry = st.state.get(`PORT_TABLE|${port}`);
  const parts = entry ? [`admin ${entry.admin_status ?? '?'}`, `oper ${entry.netdev_oper_status ?? '?'}`] : ['no STATE_DB PORT_TABLE entry'];
  for (const f of e.ports[end] ?? []) if (f.check.db === 'APPL_DB' && /mtu=/.test(f.seen.seen)) parts.push(`APPL_DB ${f.seen.seen}`);
  return `${sw} ${port}: ${parts.join(', ')}`;
}

function sessionText(c: FabricCable, end: End, e: CableEvidence, states: ReadonlyMap<string, SwitchState>): string {
  const { sw, peerIp } = endOf(c, end);
  const st = states.get(sw);
  if (!st) return `${sw}: not read`;
  const fails = e.sessions[end] ?? [];
  if (fails.length === 0) return `${sw}: Established`;
  const db = st.flavour === 'sonic' ? st.state : st.frr;
  const session = db?.get(`NEIGH_STATE_TABLE|${peerIp}`);
  const parts = [session ? `state ${session.state ?? '?'}` : 'no session'];
  if (fails.some((f) => f.check.kind === 'bgp-consumed')) parts.push('not consumed by bgpcfgd');
  return `${sw} (peer ${peerIp}): ${parts.join(', ')}`;
}

function serverPortFinding(sw: string, port: string, f: Failure): Finding {
  return {
    id: findingId(sw, 'not-converged', `port ${port}`),
    switch: sw,
    object: `port ${port}`,
    class: 'not-converged',
    severity: 'error',
    expected: 'admin up',
    actual: f.seen.seen,
    detail: null,
    link: null,
    causedBy: null,
    remediation: { kind: 'investigate', action: `check \`show interfaces status ${port}\` on ${sw}` },
  };
}

function addressFinding(sw: string, ifname: string, fails: readonly Failure[], intent: SwitchIntent | undefined, cables: CableIndex): Finding {
  const prefix = intent ? prefixOf(intent, ifname) : undefined;
  const object = prefix ? `address ${prefix} on ${ifname}` : `interface ${ifname}`;
  return {
    id: findingId(sw, 'not-converged', object),
    switch: sw,
    object,
    class: 'not-converged',
    severity: 'error',
    expected: `${ifname}${prefix ? ` with ${prefix}` : ''} in STATE_DB INTERFACE_TABLE (state ok) and APPL_DB INTF_TABLE`,
    actual: fails.map((f) => f.seen.seen).join('; '),
    detail: null,
    link: cables.atPort(sw, ifname)?.cable.id ?? null,
    causedBy: null,
    remediation: { kind: 'investigate', action: `the address is configured but not applied: check \`show ip interfaces\` on ${sw}` },
  };
}

function unexpectedFindings(check: Check, db: FlatDb, intent: SwitchIntent | undefined): Finding[] {
  const e = check.expect;
  if (e.type !== 'only-keys') return [];
  const allowed = new Set(e.allowed);
  const out: Finding[] = [];
  for (const [k, v] of db) {
    if (!k.startsWith(e.prefix) || allowed.has(k)) continue;
    const ip = k.slice(e.prefix.length);
    const object = `BGP session ${ip} (not in the fabric file)`;
    out.push({
      id: findingId(check.switch, 'not-converged', object),
      switch: check.switch,
      object,
      class: 'not-converged',
      severity: 'error',
      expected: 'no session with a peer the fabric file does not name',
      actual: `peer ${ip} state ${v.state ?? '?'}`,
      detail: null,
      link: null,
      causedBy: null,
      remediation: {
        kind: 'investigate',
        action: `\`clos apply\` removes an unknown BGP_NEIGHBOR|${ip}; a peer configured in FRR only goes with \`vtysh -c "conf t" -c "router bgp ${intent?.asn ?? '<asn>'}" -c "no neighbor ${ip}"\` on ${check.switch}`,
      },
    });
  }
  return out;
}

function routeFinding(f: Failure, byLoopback: ReadonlyMap<string, SwitchIntent>): Finding {
  const e = f.check.expect as { keys: readonly string[]; count: number };
  const prefix = afterTable(e.keys[0]!, ':');
  const dest = byLoopback.get(prefix);
  const object = `route to ${dest?.name ?? '?'} ${prefix}`;
  return {
    id: findingId(f.check.switch, 'not-converged', object),
    switch: f.check.switch,
    object,
    class: 'not-converged',
    severity: 'error',
    expected: `in APPL_DB ROUTE_TABLE with ${e.count} next hop(s)${e.count > 1 ? ' (one per spine)' : ''}`,
    actual: f.seen.seen,
    detail: dest ? `destination: ${dest.name} loopback` : null,
    link: null,
    causedBy: null,
    remediation: { kind: 'investigate', action: `routes follow the BGP sessions: check \`show ip route ${prefix}\` on ${f.check.switch}` },
  };
}

/** The intended prefix of an interface: a routed port's, Loopback0's, the server VLAN's. */
function prefixOf(s: SwitchIntent, ifname: string): string | undefined {
  if (ifname === 'Loopback0') return `${s.loopback}/32`;
  if (s.vlan?.name === ifname) return s.vlan.gateway;
  return s.ports.find((p) => p.def.name === ifname)?.address;
}

/** LLDP port ids are PORT aliases (lldpmgrd advertises the alias): back to the port's name when
 *  the peer is a switch of the fabric. */
function portName(peer: SwitchIntent | undefined, portId: string): string {
  return peer?.platform.ports.find((p) => p.alias === portId || p.name === portId)?.name ?? portId;
}

function afterTable(key: string, sep: string): string {
  const i = key.indexOf(sep);
  return i < 0 ? key : key.slice(i + 1);
}
