// Network namespaces and front-panel ports. A cable is one veth pair created straight into
// both switches' namespaces with SONiC port names; a port without a cable is a veth whose peer
// stays down in the same namespace, so the port exists with no carrier, as on a switch with
// nothing plugged in. New veths start admin down: SONiC's factory state (the agent brings a
// port up from CONFIG_DB PORT admin_status).
import { run } from './host.ts';

export interface Cable {
  readonly a: string; // switch
  readonly aNs: string;
  readonly aPort: string;
  readonly b: string;
  readonly bNs: string;
  readonly bPort: string;
}

/** The peer of an unplugged port: not `Ethernet*`, so lldpd and the agent ignore it. */
export function unpluggedPeerName(port: string): string {
  return `nc-${port}`;
}

export async function listNamespaces(): Promise<Set<string>> {
  const out = await run('ip', ['-j', 'netns', 'list'], 'listing network namespaces');
  const list = out.trim() ? (JSON.parse(out) as { name: string }[]) : [];
  return new Set(list.map((n) => n.name));
}

/** Creates the namespace (the caller knows it does not exist yet) with lo up and IPv4/IPv6
 *  forwarding on (both off in a new one). */
export async function createNamespace(ns: string, what: string): Promise<void> {
  await run('ip', ['netns', 'add', ns], `${what}: namespace ${ns}`);
  await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up'], `${what}: lo in ${ns}`);
  await run(
    'ip',
    ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1'],
    `${what}: forwarding in ${ns}`,
  );
}

export async function deleteNamespace(ns: string): Promise<void> {
  if ((await listNamespaces()).has(ns)) await run('ip', ['netns', 'del', ns], `namespace ${ns}`);
}

export async function linkNames(ns: string): Promise<Set<string>> {
  const out = await run('ip', ['-n', ns, '-j', 'link', 'show'], `links of ${ns}`);
  return new Set((JSON.parse(out) as { ifname: string }[]).map((l) => l.ifname));
}

/** Creates the cables whose ends do not exist yet (all in one `ip -batch`). A cable whose
 *  port is taken by an unplugged-port veth gets that veth removed first: plugging a cable. */
export async function createCables(cables: readonly Cable[]): Promise<Cable[]> {
  const links = new Map<string, Set<string>>();
  const namesIn = async (ns: string) => {
    if (!links.has(ns)) links.set(ns, await linkNames(ns));
    return links.get(ns)!;
  };
  // Every namespace's links read at once (one short `ip` each), before the sequential pass.
  await Promise.all([...new Set(cables.flatMap((c) => [c.aNs, c.bNs]))].map(namesIn));
  const lines: string[] = [];
  const created: Cable[] = [];
  for (const c of cables) {
    const [aLinks, bLinks] = [await namesIn(c.aNs), await namesIn(c.bNs)];
    const aHas = aLinks.has(c.aPort);
    const bHas = bLinks.has(c.bPort);
    if (aHas && bHas && !aLinks.has(unpluggedPeerName(c.aPort)) && !bLinks.has(unpluggedPeerName(c.bPort))) continue;
    for (const [ns, port, names] of [[c.aNs, c.aPort, aLinks], [c.bNs, c.bPort, bLinks]] as const) {
      if (names.has(port)) await run('ip', ['-n', ns, 'link', 'del', port], `unplugging ${port} in ${ns}`);
    }
    lines.push(`link add ${c.aPort} netns ${c.aNs} type veth peer name ${c.bPort} netns ${c.bNs}`);
    created.push(c);
  }
  await batch(lines, `cabling ${created.map((c) => `${c.a}:${c.aPort} -- ${c.b}:${c.bPort}`).join(', ')}`);
  return created;
}

/** Gives every listed port that has no netdev yet an unplugged veth. */
export async function createUnpluggedPorts(ns: string, ports: readonly string[], what: string): Promise<void> {
  const names = await linkNames(ns);
  const lines = ports
    .filter((p) => !names.has(p))
    .map((p) => `link add ${p} type veth peer name ${unpluggedPeerName(p)}`);
  await batch(lines, `${what}: unplugged ports in ${ns}`, ns);
}

async function batch(lines: readonly string[], what: string, ns?: string): Promise<void> {
  if (lines.length === 0) return;
  await run('ip', [...(ns ? ['-n', ns] : []), '-batch', '-'], what, `${lines.join('\n')}\n`);
}
