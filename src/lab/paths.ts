// Where a lab lives on the host, and the names of its namespaces. Unix socket paths must stay
// under 108 bytes (sun_path), so long fabric or switch names are shortened with a hash.
import { createHash } from 'node:crypto';
import { join } from 'node:path';

export const LAB_ROOT = '/run/clos/lab';

/** Longest file name placed in a switch directory that is a unix socket (lldpd.sock,
 *  redis.sock, agent.sock, zserv.api, staticd.vty, bgpd.vty …), with room to spare. */
const SOCKET_NAME_MAX = 16;
const SUN_PATH_MAX = 107;

export function shortHash(text: string, length = 8): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

function shorten(name: string, max: number): string {
  if (name.length <= max) return name;
  return `${name.slice(0, max - 9)}-${shortHash(name)}`;
}

export function fabricDir(fabric: string, root = LAB_ROOT): string {
  return join(root, shorten(fabric, 40));
}

export function switchDir(fabric: string, name: string, root = LAB_ROOT): string {
  const base = fabricDir(fabric, root);
  const room = SUN_PATH_MAX - SOCKET_NAME_MAX - base.length - 2;
  return join(base, shorten(name, Math.max(room, 12)));
}

/** `clos-<fabric>-<switch>`; the same name shortened with a hash when it is long, so it stays
 *  readable in `ip netns list` and unique to the pair. */
export function namespaceName(fabric: string, name: string): string {
  return `clos-${shorten(`${fabric}-${name}`, 40)}`;
}

export function statePath(fabric: string, root = LAB_ROOT): string {
  return join(fabricDir(fabric, root), 'state.json');
}
