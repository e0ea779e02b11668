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
