// `clos lab status`: per switch, where it is and whether each of its daemons is alive (by the
// recorded pid, start time and command name: never by looking for a process name).
import { agentName } from './agents.ts';
import { LabError } from './errors.ts';
import { LAB_ROOT } from './paths.ts';
import { type ProcessRecord, isAlive, readRecords } from './processes.ts';
import { GNMI_PORT } from './gnmi.ts';
import { REDIS_PORT } from './redis.ts';
import { type SwitchState, readState } from './state.ts';
import { join } from 'node:path';

export interface SwitchStatus {
  readonly name: string;
  readonly namespace: string;
  readonly redis: string; // host:port
  readonly redisSocket: string;
  readonly gnmi: string | null; // host:port of the switch's gNMI server (in its agent)
  readonly flavour: string;
  readonly daemons: Record<string, boolean>;
}

export interface LabStatus {
  readonly fabric: string;
  readonly inventory: string;
  readonly switches: readonly SwitchStatus[];
}

/** Daemons every switch of a flavour must have; the agent also starts zebra and bgpd. */
export function expectedDaemons(flavour: string): string[] {
  return flavour === 'sonic' ? ['redis', 'lldpd', 'zebra', 'bgpd', 'agent'] : ['redis', 'zebra', 'bgpd', 'agent'];
}

export async function labStatus(fabric: string, root = LAB_ROOT): Promise<LabStatus> {
  const state = readState(fabric, root);
  if (!state) throw new LabError('LAB_NOT_UP', `fabric ${fabric} has no lab on this host (no ${join(root, fabric, 'state.json')})`);
  const records = await readRecords(state.records);
  const switches = Object.values(state.switches)
    .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }))
    .map((s) => ({
      name: s.name,
      namespace: s.namespace,
      redis: `${s.address}:${REDIS_PORT}`,
      redisSocket: join(s.dir, 'redis.sock'),
      gnmi: `${s.address}:${GNMI_PORT}`,
      flavour: s.flavour,
      daemons: daemonsOf(s, records),
    }));
  return { fabric, inventory: state.inventory, switches };
}

function daemonsOf(s: SwitchState, records: readonly ProcessRecord[]): Record<string, boolean> {
  // A daemon restarted (restart bgp) has several records; it is alive if its latest one is.
  const mine = records.filter((r) => r.switch === s.name || (r.switch === undefined && r.netns === s.namespace));
  const out: Record<string, boolean> = {};
  for (const d of expectedDaemons(s.flavour)) {
    if (d === 'agent') out.agent = s.agent !== undefined && records.some((r) => r.name === agentName(s.agent!) && isAlive(r));
    else out[d] = mine.some((r) => r.name === d && isAlive(r));
  }
  for (const r of mine) if (!(r.name in out)) out[r.name] = mine.some((x) => x.name === r.name && isAlive(x));
  return out;
}

export function formatStatus(st: LabStatus): string {
  const rows = st.switches.map((s) => [
    s.name,
    s.namespace,
    s.redis,
    s.gnmi ?? '-',
    s.flavour,
    Object.entries(s.daemons)
      .map(([d, up]) => (up ? d : `${d}:DOWN`))
      .join(' '),
  ]);
  const head = ['SWITCH', 'NAMESPACE', 'REDIS', 'GNMI', 'FLAVOUR', 'DAEMONS'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
