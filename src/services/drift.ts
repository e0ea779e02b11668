// Drift: per switch, read CONFIG_DB (the managed tables), what clos last applied, and the
// STATE_DB / APPL_DB tables the convergence checks read (FRR through vtysh for switches without
// bgpmon), and the startup config through the exec channel (`cat /etc/sonic/config_db.json`),
// all at once; then the pure part (src/core/drift) diffs, evaluates and correlates.
// A switch that does not answer is one `unreachable` finding; the others go on.
import { checkBuilder, expectedReads, heldKeys, neighStateFromFrr, type Check } from '../core/checks/checks.ts';
import { CONFIG_READ_TABLES } from '../core/adoption/refusals.ts';
import { diffConfig } from '../core/diff/diff.ts';
import type { FlatDb } from '../core/diff/flat.ts';
import { DriftJudge, type SwitchReading } from '../core/drift/drift.ts';
import { startupToFlat, unsavedFinding } from '../core/drift/unsaved.ts';
import type { Flavour } from '../core/model.ts';
import { ownershipOf } from '../core/diff/ownership.ts';
import { buildDriftReport } from '../results/drift-report.ts';
import type { DriftReport } from '../results/drift-schema.ts';
import type { SwitchLink } from '../transport/connect.ts';
import { SwitchError, type ExecChannel } from '../transport/transport.ts';
import { routingDaemonsDown } from './watch/daemons.ts';
import { expectedConfigKeys, showBgpSummary } from './plan.ts';
import { mapConcurrent } from './concurrency.ts';
import type { FabricSession } from './session.ts';

/** The operational tables the convergence checks read (test/services/drift.test.ts keeps this
 *  in step with buildChecks). */
export const STATE_TABLES = ['PORT_TABLE', 'INTERFACE_TABLE', 'BGP_PEER_CONFIGURED_TABLE', 'NEIGH_STATE_TABLE'] as const;
export const APPL_TABLES = ['PORT_TABLE', 'INTF_TABLE', 'ROUTE_TABLE', 'LLDP_ENTRY_TABLE'] as const;

export interface DriftOptions {
  readonly now?: () => number;
}

export async function driftFabric(session: FabricSession, opts: DriftOptions = {}): Promise<DriftReport> {
  const now = opts.now ?? Date.now;
  const t0 = now();
  const intents = session.loaded.intents;
  const flavours = new Map<string, Flavour>();
  const endpoints = new Map<string, string | null>();
  // Each switch is read, judged and dropped in its turn: what is kept is its findings and the
  // little its cables' findings quote (a 1,000-switch fabric reads a million routes). Its LLDP
  // checks are built as if every peer ran lldp; the ones towards a peer that turns out not to
  // are dropped with all flavours known.
  const checksOf = checkBuilder(intents, { flavourOf: (s) => flavours.get(s.name) ?? 'sonic' });
  const judge = new DriftJudge(intents);
  const judged = await mapConcurrent(session.switches, session.concurrency, async (name) => {
    const intent = session.intents.get(name)!;
    let checks: readonly Check[] = [];
    const reading = await readSwitch(session, name, (f) => {
      flavours.set(name, f ?? intent.flavour);
      // Built once the switch's flavour is known, before its reads: they expect what the checks look up.
      return (checks = checksOf(name));
    });
    if (!flavours.has(name)) flavours.set(name, intent.flavour);
    endpoints.set(name, reading.endpoint);
    return judge.judge(reading, reading.state ? checks : []);
  });
  const findings = judge.findings(judged, (peer) => (flavours.get(peer) ?? session.intents.get(peer)?.flavour) === 'sonic');
  return buildDriftReport({
    fabric: session.loaded.fabric.name,
    at: new Date(t0),
    durationMs: now() - t0,
    intents,
    findings,
    endpoints,
    flavours,
  });
}

/** flavourKnown: told the switch's flavour before anything is read; answers its checks, whose
 *  keys the STATE_DB and APPL_DB reads expect (a converged switch is read in one round trip). */
async function readSwitch(session: FabricSession, name: string, flavourKnown: (f: Flavour | undefined) => readonly Check[]): Promise<SwitchReading> {
  let endpoint: string | null = null;
  try {
    const link = await session.link(name);
    endpoint = link.transport.endpoint;
    const flavour = link.flavourHint ?? session.intents.get(name)!.flavour;
    const expected = expectedReads(flavourKnown(flavour), heldKeys(session.intents.get(name)));
    const t = link.transport;
    const desired = session.desired.get(name)!;
    const lastApplied = await session.state.lastApplied(name);
    const [actual, state, appl, startup] = await Promise.all([
      t.read('CONFIG_DB', CONFIG_READ_TABLES, { expect: expectedConfigKeys(session.intents.get(name)!, desired, lastApplied) }),
      t.read('STATE_DB', STATE_TABLES, { expect: expected.STATE_DB }),
      // Only looked up by the checks (routes, ports, interfaces, LLDP): not sorted.
      t.read('APPL_DB', APPL_TABLES, { expect: expected.APPL_DB, unordered: true }),
      readStartup(link),
    ]);
    const ownership = ownershipOf(session.intents.get(name)!);
    const changes = diffConfig({ desired, actual, ownership, ...(lastApplied ? { lastApplied } : {}) });
    let frr: FlatDb | undefined;
    let error: SwitchReading['error'] = startup.error;
    const unsaved = startup.db ? unsavedFinding({ switch: name, running: actual, startup: startup.db, desired, ownership, changes }) : null;
    if (flavour === 'legacy-vs') {
      try {
        frr = neighStateFromFrr(await showBgpSummary(link));
      } catch (e) {
        const err = e as Error & { code?: string; endpoint?: string };
        error = { code: err.code ?? 'EXEC_FAILED', message: err.message, endpoint: err.endpoint ?? link.exec?.endpoint ?? null, object: 'vtysh (BGP state)' };
      }
    }
    // bgpmon keeps NEIGH_STATE_TABLE as it was when bgpd dies: ask FRR whether it runs.
    if (flavour === 'sonic' && link.exec) error ??= await routingDaemons(link.exec);
    return {
      name,
      endpoint,
      changes,
      ...(lastApplied ? { lastApplied } : {}),
      state: { name, flavour, state, appl, ...(frr ? { frr } : {}) },
      ...(unsaved ? { unsaved } : {}),
      ...(error ? { error } : {}),
    };
  } catch (e) {
    const err = e as Error & { code?: string };
    const ep = e instanceof SwitchError ? e.endpoint : (endpoint ?? inventoryEndpoint(session, name));
    return { name, endpoint: ep, error: { code: err.code ?? 'UNREACHABLE', message: err.message ?? String(e), endpoint: ep } };
  }
}

/** A finding's error when a routing daemon is not running (or vtysh cannot say). */
async function routingDaemons(exec: ExecChannel): Promise<SwitchReading['error']> {
  const object = 'routing daemons (zebra, bgpd)';
  try {
    const down = await routingDaemonsDown(exec);
    if (down === null || down.length === 0) return undefined;
    return { code: 'ROUTING_DAEMON_DOWN', message: `routing daemon down: ${down.join(', ')} not running: STATE_DB sessions and APPL_DB routes are stale`, endpoint: exec.endpoint, object };
  } catch (e) {
    return { code: 'EXEC_FAILED', message: (e as Error).message, endpoint: exec.endpoint, object };
  }
}

const STARTUP = '/etc/sonic/config_db.json';

/** The switch's startup config, through its exec channel (SONiC offers no gNMI path to the
 *  file: a switch reached by gNMI alone has no unsaved check). No exec channel, or one that
 *  cannot run `cat` (127): nothing to compare. A file that cannot be read or parsed is an error
 *  of its own object. */
async function readStartup(link: SwitchLink): Promise<{ db?: FlatDb; error?: NonNullable<SwitchReading['error']> }> {
  if (!link.exec) return {};
  const object = `startup config (${STARTUP})`;
  const endpoint = link.exec.endpoint;
  try {
    const r = await link.exec.run(['cat', STARTUP], { timeoutMs: 30_000 });
    if (r.code === 127) return {};
    if (r.code !== 0) return { error: { code: 'EXEC_FAILED', message: `cat ${STARTUP} failed: ${(r.stderr || r.stdout).trim() || `exit ${r.code}`}`, endpoint, object } };
    return { db: startupToFlat(r.stdout) };
  } catch (e) {
    const err = e as Error & { code?: string };
    return { error: { code: err.code ?? 'EXEC_FAILED', message: `${STARTUP}: ${err.message}`, endpoint, object } };
  }
}

/** Where the inventory says a switch is, for a switch whose link could not even be opened. */
function inventoryEndpoint(session: FabricSession, name: string): string | null {
  const e = session.inventory.switches[name];
  if (!e) return null;
  if (e.transport === 'gnmi' && e.gnmi) return `gnmi ${e.gnmi.host}:${e.gnmi.port}`;
  if (e.redis) return e.redis.socket ? `redis unix:${e.redis.socket}` : `redis ${e.redis.host}:${e.redis.port}`;
  return null;
}
