// What each step of a bring-up waits for, as convergence checks (src/core/checks): built from
// the intent, limited to the run's scope, evaluated by the same pure `evaluate` as verify.
// Pure: no I/O.
import { buildChecks, routeKeys, type Check, type CheckOptions } from '../core/checks/checks.ts';
import type { Fields, FlatDb } from '../core/diff/flat.ts';
import type { SwitchIntent } from '../core/model.ts';
import { neighborInScope, type Scope } from './scope.ts';
import type { GateKind } from './stages.ts';

export type Intents = ReadonlyMap<string, SwitchIntent>;

/** The port or peer a check is about, mapped to the neighbour it belongs to (undefined:
 *  switch-level, like Loopback0, or a server port). */
function checkOwner(intent: SwitchIntent, check: Check): string | undefined {
  const e = check.expect;
  const key = e.type === 'lldp' ? e.key : e.type === 'only-keys' ? e.prefix : e.keys[0]!;
  const rest = key.slice(key.search(/[|:]/) + 1);
  const first = rest.split(/[|:]/)[0] ?? '';
  const byPort = intent.neighbors.find((n) => n.localPort === first);
  if (byPort) return byPort.peerName;
  return intent.neighbors.find((n) => n.peerIp === rest)?.peerName;
}

function inScope(scope: Scope, intent: SwitchIntent, check: Check): boolean {
  if (!scope.racks || scope.leaves.has(intent.name)) return true;
  const owner = checkOwner(intent, check);
  return owner !== undefined && scope.leaves.has(owner);
}

const READY_KINDS = new Set(['port', 'interface', 'address', 'bgp-consumed']);

/** The checks a switch's gate waits for. */
export function gateChecks(kind: GateKind, name: string, intents: Intents, scope: Scope, opts: CheckOptions = {}): Check[] {
  if (kind === 'none') return [];
  const intent = intents.get(name)!;
  const mine = buildChecks([intent], opts);
  const own = mine.filter((c) => READY_KINDS.has(c.kind) && inScope(scope, intent, c));
  if (kind === 'ready') return own;
  const out = [...own];
  for (const n of intent.neighbors) {
    if (!neighborInScope(scope, intent, n)) continue;
    const peer = intents.get(n.peerName);
    out.push(...mine.filter((c) => c.kind === 'bgp-session' && checkOwner(intent, c) === n.peerName));
    if (peer) {
      // The far end too: a session is one TCP connection, but each side reports it.
      out.push(...buildChecks([peer], opts).filter((c) => c.kind === 'bgp-session' && c.expect.type === 'fields' && c.expect.keys[0] === `NEIGH_STATE_TABLE|${n.localAddr}`));
      out.push({ id: `route to ${peer.name} loopback ${peer.loopback}/32 via 1 next hop(s)`, switch: name, kind: 'route', db: 'APPL_DB', expect: { type: 'nexthops', keys: routeKeys(`${peer.loopback}/32`), count: 1 } });
    }
  }
  return out;
}

/** The sessions of a switch that must stay Established while it changes: every session of
 *  the switch outside the run's new ones. The effect keeps those Established when the stage
 *  starts, minus those the plan itself resets. */
export function stayChecks(name: string, intents: Intents, scope: Scope, opts: CheckOptions = {}): Check[] {
  const intent = intents.get(name)!;
  const fresh = new Set(intent.neighbors.filter((n) => scope.racks && neighborInScope(scope, intent, n)).map((n) => n.peerName));
  return buildChecks([intent], opts).filter((c) => c.kind === 'bgp-session' && !fresh.has(checkOwner(intent, c) ?? ''));
}

/** The peer IP a session check is about. */
export function sessionPeer(check: Check): string | undefined {
  if (check.expect.type !== 'fields') return undefined;
  const k = check.expect.keys[0]!;
  return k.startsWith('NEIGH_STATE_TABLE|') ? k.slice('NEIGH_STATE_TABLE|'.length) : undefined;
}

export interface CablingPort {
  readonly port: string;
  readonly expected: string; // "spine1 Ethernet16"
  /** What LLDP (or the carrier, without LLDP) says, with the peer port by name where known. */
  readonly seen: string;
  readonly ok: boolean;
  /** Something was seen on this port (a neighbour, or a carrier state). */
  readonly settled: boolean;
}

export interface CablingView {
  readonly ok: boolean;
  /** Every port has an answer: a mismatch now is a miscabling, not LLDP being slow. */
  readonly settled: boolean;
  readonly ports: readonly CablingPort[];
}

/** Cabling of one switch from APPL_DB LLDP_ENTRY_TABLE (switches with LLDP). The port id a
 *  SONiC neighbour advertises is its PORT alias: mapped back to the port name for people. */
export function cablingFromLldp(name: string, intents: Intents, scope: Scope, appl: FlatDb): CablingView {
  const intent = intents.get(name)!;
  const ports = intent.neighbors
    .filter((n) => neighborInScope(scope, intent, n))
    .map((n): CablingPort => {
      const entry: Fields | undefined = appl.get(`LLDP_ENTRY_TABLE:${n.localPort}`);
      const peer = intents.get(n.peerName);
      const alias = peer?.platform.portsByName.get(n.peerPort)?.alias ?? n.peerPort;
      const expected = `${n.peerName} ${n.peerPort}`;
      if (!entry) return { port: n.localPort, expected, seen: 'no LLDP neighbour', ok: false, settled: false };
      const sys = entry.lldp_rem_sys_name ?? '?';
      const pid = entry.lldp_rem_port_id ?? '?';
      const seenSwitch = intents.get(sys);
      const seenPort = seenSwitch?.platform.ports.find((p) => p.alias === pid || p.name === pid)?.name ?? pid;
      const ok = sys === n.peerName && (pid === alias || pid === n.peerPort);
      return { port: n.localPort, expected, seen: `${sys} ${seenPort}`, ok, settled: true };
    });
  return { ok: ports.every((p) => p.ok), settled: ports.every((p) => p.settled), ports };
}

/** Cabling of a switch without LLDP (legacy-vs: docker-sonic-vs release images run no lldpd):
 *  only the carrier can be checked (STATE_DB PORT_TABLE netdev_oper_status). A swap between
 *  two cabled ports is not visible here; it is caught by the gate (the /31s do not match, the
 *  sessions never come up) and rolled back. */
export function cablingFromCarrier(name: string, intents: Intents, scope: Scope, state: FlatDb): CablingView {
  const intent = intents.get(name)!;
  const ports = intent.neighbors
    .filter((n) => neighborInScope(scope, intent, n))
    .map((n): CablingPort => {
      const oper = state.get(`PORT_TABLE|${n.localPort}`)?.netdev_oper_status;
      return { port: n.localPort, expected: `${n.peerName} ${n.peerPort} (carrier only: no LLDP)`, seen: oper ? `carrier ${oper}` : 'port not in STATE_DB', ok: oper === 'up', settled: oper === 'up' };
    });
  return { ok: ports.every((p) => p.ok), settled: ports.every((p) => p.settled), ports };
}

/** "leaf5 Ethernet120: intended spine1 Ethernet16, LLDP sees spine2 Ethernet16" for each bad port. */
export function describeCabling(name: string, view: CablingView): string {
  const bad = view.ports.filter((p) => !p.ok);
  return bad.map((p) => `${name} ${p.port}: intended ${p.expected}, seen ${p.seen}`).join('; ');
}
