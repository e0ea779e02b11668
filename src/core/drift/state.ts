// Operational drift: the convergence checks (the same ones verify runs) evaluated once on what
// each switch's STATE_DB / APPL_DB (or FRR) holds, and their failures turned into findings about
// things people know: a link, a BGP session, an address, a route, a cable. Both ends of a cable
// are judged together, so a link that is down is one finding, not one per port and daemon.
import { evaluate, type Check, type Observation } from '../checks/checks.ts';
import type { FlatDb } from '../diff/flat.ts';
import type { Flavour, SwitchIntent } from '../model.ts';
import { type CableIndex, endOf, type End, type FabricCable } from './cables.ts';
import { findingId, type Finding } from './finding.ts';

/** What was read from one switch's operational databases. A switch that could not be read has
 *  no entry (its unreachable finding says why). */
export interface SwitchState {
  readonly name: string;
  readonly flavour: Flavour;
  readonly state: FlatDb; // STATE_DB, the tables the checks read
  readonly appl: FlatDb; // APPL_DB, the tables the checks read
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

export function stateFindings(intents: readonly SwitchIntent[], checks: readonly Check[], states: ReadonlyMap<string, SwitchState>, cables: CableIndex): Finding[] {
  const byName = new Map(intents.map((s) => [s.name, s]));
  const evidence = new Map<string, CableEvidence>();
  const ev = (c: FabricCable) => {
    let e = evidence.get(c.id);
    if (!e) evidence.set(c.id, (e = { ports: {}, sessions: {}, lldp: {} }));
    return e;
  };
  const push = (m: Partial<Record<End, Failure[]>>, end: End, f: Failure) => (m[end] ??= []).push(f);
  const out: Finding[] = [];
  const addresses = new Map<string, Failure[]>(); // "sw\0ifname"
  const routes: Failure[] = [];

  for (const check of checks) {
    const st = states.get(check.switch);
    if (!st) continue;
    const db = check.db === 'STATE_DB' ? st.state : check.db === 'APPL_DB' ? st.appl : st.frr;
    if (!db) continue;
    const e = check.expect;
    const seen = evaluate(check, db);
    if (e.type === 'lldp') {
      const port = afterTable(e.key, ':');
      const at = cables.atPort(check.switch, port);
      if (!at) continue;
      const have = db.get(e.key);
      const sysName = have?.lldp_rem_sys_name;
      const portId = have?.lldp_rem_port_id;
      ev(at.cable).lldp[at.end] = { present: !!have, pass: seen.pass, ...(sysName !== undefined ? { sysName } : {}), ...(portId !== undefined ? { port: portName(byName.get(sysName ?? ''), portId) } : {}) };
      continue;
    }
    if (seen.pass) continue;
    const f = { check, seen };
    switch (check.kind) {
      case 'port': {
        const port = afterTable((e as { keys: readonly string[] }).keys[0]!, check.db === 'APPL_DB' ? ':' : '|');
        const at = cables.atPort(check.switch, port);
        if (at) push(ev(at.cable).ports, at.end, f);
        else out.push(serverPortFinding(check.switch, port, f));
        break;
      }
      case 'bgp-consumed':
      case 'bgp-session': {
        const ip = afterTable((e as { keys: readonly string[] }).keys[0]!, '|');
        const at = cables.toPeer(check.switch, ip);
        if (at) push(ev(at.cable).sessions, at.end, f);
        break;
      }
      case 'interface':
      case 'address': {
        const key = (e as { keys: readonly string[] }).keys[0]!;
        const sep = check.db === 'APPL_DB' ? ':' : '|';
        const ifname = afterTable(key, sep).split(sep)[0]!;
        const k = `${check.switch}\0${ifname}`;
        addresses.set(k, [...(addresses.get(k) ?? []), f]);
        break;
      }
      case 'bgp-unexpected':
        out.push(...unexpectedFindings(check, db, byName.get(check.switch)));
        break;
      case 'route':
        routes.push(f);
        break;
      case 'lldp':
        break;
    }
  }

  for (const c of cables.cables) {
    const e = evidence.get(c.id);
    if (!e) continue;
    out.push(...cableFindings(c, e, states, byName));
  }
  for (const [k, fails] of addresses) {
    const [sw, ifname] = k.split('\0') as [string, string];
    out.push(addressFinding(sw, ifname, fails, byName.get(sw), cables));
  }
  for (const f of routes) out.push(routeFinding(f, intents));
  return out;
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

function routeFinding(f: Failure, intents: readonly SwitchIntent[]): Finding {
  const e = f.check.expect as { keys: readonly string[]; count: number };
  const prefix = afterTable(e.keys[0]!, ':');
  const dest = intents.find((s) => `${s.loopback}/32` === prefix);
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
