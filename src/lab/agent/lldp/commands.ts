// lldpmgrd's lldpcli configuration (sonic-buildimage dockers/docker-lldp/lldpmgrd): each port
// advertises its PORT alias as a locally assigned port id and its PORT description, and the
// system name is the switch's hostname. Pure: CONFIG_DB PORT fields in, lldpcli argv out.
import type { Fields } from '../db/keys.ts';

export function systemNameArgs(hostname: string): string[] {
  return ['configure', 'system', 'hostname', hostname];
}

/** argv after `lldpcli -u <sock>` for one port. Without an alias the port name is the id. */
export function portArgs(port: string, fields: Fields): string[] {
  const args = ['configure', 'ports', port, 'lldp', 'portidsubtype', 'local', fields.alias || port];
  if (fields.description) args.push('description', fields.description);
  return args;
}

/** Whether lldpd advertises a port as portArgs configured it (its id and description). */
export function portTakes(seen: { readonly idType: string; readonly id: string; readonly descr: string } | undefined, args: readonly string[]): boolean {
  if (!seen || seen.idType !== 'local' || seen.id !== args[6]) return false;
  const d = args.indexOf('description');
  return d < 0 || seen.descr === args[d + 1];
}
