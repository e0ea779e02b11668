// Are the routing daemons alive? Asked through the exec channel, because the tables they feed
// do not say: a dead bgpd leaves STATE_DB NEIGH_STATE_TABLE as it was (bgpmon keeps the last
// states when bgpd does not answer), so sessions would pass on stale state.
import type { ExecChannel } from '../../transport/transport.ts';
/** The FRR daemons the fabric's routing state comes from: bgpd (the sessions bgpmon copies to
 *  STATE_DB) and zebra (the routes fpmsyncd copies to APPL_DB). When one dies, those tables
 *  keep their last values: stale, never cleared. */
export const ROUTING_DAEMONS = ['zebra', 'bgpd'] as const;

/** vtysh's own list of the daemons it reaches (SONiC's host vtysh runs in the bgp container). */
export const DAEMONS_ARGV = ['vtysh', '-c', 'show daemons'] as const;

/** Which routing daemons are not running, by vtysh (empty: all run; null: this exec channel
 *  cannot run vtysh). Throws when vtysh itself cannot say (an exec channel that fails, a timeout). */
export async function routingDaemonsDown(exec: ExecChannel): Promise<string[] | null> {
  const r = await exec.run(DAEMONS_ARGV, { timeoutMs: 10_000 });
  // 127: the channel runs no such command (a switch reached by gNMI only offers gNOI's restart
  // and save): the daemons cannot be asked, and the checks stand on STATE_DB as they are.
  if (r.code === 127) return null;
  const out = `${r.stdout}\n${r.stderr}`;
  // vtysh that reaches no daemon at all exits 1 with this line.
  if (r.code !== 0 && /failed to connect to any daemons/i.test(out)) return [...ROUTING_DAEMONS];
  if (r.code !== 0) throw new Error(`vtysh failed (${exec.endpoint}): ${out.trim() || `exit ${r.code}`}`);
  const running = new Set(r.stdout.split(/\s+/));
  return ROUTING_DAEMONS.filter((d) => !running.has(d));
}
