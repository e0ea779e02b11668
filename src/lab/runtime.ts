// The seam between the lab's host side (namespaces, cables, daemons: src/lab/*.ts) and the
// switch agent (src/lab/agent/), which plays SONiC's daemons for one or more emulated switches.
import type { Flavour } from '../core/model.ts';

/** Everything the agent needs to know about one emulated switch. Written by `clos lab up` into
 *  <runDir>/agent-<n>.json as `{ "switches": SwitchRuntime[] }` and passed to the agent. */
export interface SwitchRuntime {
  readonly name: string; // switch name, also its hostname
  readonly fabric: string;
  readonly namespace: string; // network namespace holding its ports (Ethernet0 …)
  readonly flavour: Flavour;
  /** The switch's redis-server (SONiC layout: APPL_DB 0, CONFIG_DB 4, STATE_DB 6). */
  readonly redis: { readonly host: string; readonly port: number; readonly socket: string };
  /** Per-switch directory (owned by frr:frr for FRR's files): FRR vty sockets, configs, logs. */
  readonly dir: string;
  /** lldpd's control socket; absent for the legacy-vs flavour (no lldp). */
  readonly lldpdSocket?: string;
  /** bgpmon poll interval (real SONiC: 15 s; lab default ≤ 1 s). */
  readonly bgpmonIntervalMs: number;
  /** File of process records (pid, start time, command) that `clos lab down` stops. */
  readonly processRecords: string;
  /** Where the switch serves gNMI (src/lab/agent/gnmi.ts); absent: no gNMI server. */
  readonly gnmi?: { readonly host: string; readonly port: number };
}
