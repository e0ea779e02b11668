// adoption.keep (docs/adoption.md): foreign entries the engineer keeps inside clos's scope.
// Checked here so that a typo is an error at its line, not an entry silently removed by apply.
import { diag, type Diagnostic, type DocPath } from '../diagnostics.ts';
import { splitKey } from '../diff/flat.ts';
import { OWNED_TABLES } from '../diff/ownership.ts';
import type { Platform, Role } from '../model.ts';
import { expandPortList } from '../platform/ports.ts';
import type { RawFabric } from './schema.ts';

/** Tables of clos's scope: a key of any other table is never touched, so keeping it means nothing. */
const SCOPE_TABLES = [...OWNED_TABLES, 'INTERFACE', 'LOOPBACK_INTERFACE'];

/** Problems with one keep entry, given the platforms it may be on and the ports the fabric
 *  uses there (a foreign address or VLAN membership kept on one would break clos's config:
 *  a bridge port takes no routed address, a second address routes around the fabric). */
function checkEntry(entry: string, path: DocPath, platforms: readonly Platform[], used: ReadonlySet<string>, out: Diagnostic[]): void {
  const { table, key } = splitKey(entry);
  if (!SCOPE_TABLES.includes(table)) {
    out.push(diag('BAD_VALUE', path, `adoption.keep ${entry}: ${table} is outside what clos owns, clos never touches it`, `keep lists keys of ${SCOPE_TABLES.join(', ')}`));
    return;
  }
  const first = splitKey(key).table;
  if (table === 'LOOPBACK_INTERFACE' && first !== 'Loopback0') {
    out.push(diag('BAD_VALUE', path, `adoption.keep ${entry}: clos owns Loopback0 only, other loopbacks are never touched`, 'remove this entry'));
    return;
  }
  const port = table === 'INTERFACE' ? first : table === 'VLAN_MEMBER' ? splitKey(key).key : undefined;
  // Without a known platform (an unknown hwsku, reported on its own) ports are not checked.
  if (port?.startsWith('Ethernet') && platforms.length > 0 && !platforms.some((p) => p.portsByName.has(port))) {
    const names = [...new Set(platforms.map((p) => p.name))].join(', ');
    out.push(diag('UNKNOWN_PORT', path, `adoption.keep ${entry}: ${port} is not a port of ${names}`, 'use a port name of the platform (Ethernet0, Ethernet4, …)'));
  } else if (port && used.has(port)) {
    out.push(diag('BAD_VALUE', path, `adoption.keep ${entry}: ${port} is a port the fabric uses (cabling or servers): clos's config is all it may hold`, 'keep entries of ports the fabric does not use'));
  }
}

/** The ports the fabric file gives a switch (its cables, candidate spine ports, its rack's
 *  server ports), or every switch's when none is named. */
export function fabricPorts(raw: RawFabric, sw?: { readonly name: string; readonly role: Role; readonly rack?: string }): Set<string> {
  const out = new Set<string>();
  const add = (ports: readonly string[]) => ports.forEach((p) => out.add(p));
  if (!sw || sw.role === 'leaf') add(raw.cabling['leaf-uplinks']);
  if (!sw || sw.role === 'spine') add(expandPortList(raw.cabling['spine-ports']).ports);
  for (const l of raw.links ?? []) {
    for (const end of l.split('--')) {
      const [name, port] = end.trim().split(':');
      if (port && (!sw || name === sw.name)) out.add(port);
    }
  }
  for (const r of raw.racks) if (r.servers && (!sw || r.name === sw.rack)) add(expandPortList(r.servers.ports).ports);
  return out;
}

/** The checked keep list at `path` (['adoption'] or a switch's path): entries as written. */
export function resolveKeep(list: readonly string[] | undefined, path: DocPath, platforms: readonly Platform[], used: ReadonlySet<string>, out: Diagnostic[]): string[] {
  const seen = new Set<string>();
  (list ?? []).forEach((entry, i) => {
    const at = [...path, 'adoption', 'keep', i];
    if (seen.has(entry)) out.push(diag('BAD_VALUE', at, `adoption.keep lists ${entry} twice`, 'list each entry once'));
    seen.add(entry);
    checkEntry(entry, at, platforms, used, out);
  });
  return [...seen];
}

/** The fabric-wide keep list, checked against the platforms of every switch. */
export function fabricKeep(raw: RawFabric, platforms: readonly Platform[], out: Diagnostic[]): string[] {
  return resolveKeep(raw.adoption?.keep, [], platforms, fabricPorts(raw), out);
}

/** A switch's keep: the fabric's, then its own (each once); undefined when both are empty. */
export function switchKeep(fabric: readonly string[], own: readonly string[]): readonly string[] | undefined {
  const all = [...new Set([...fabric, ...own])];
  return all.length ? all : undefined;
}
