// SONiC's first-boot presets (`sonic-cfggen -H -k HWSKU --preset t1|l2`) for one switch's
// platform in the flat Redis form, taken from the lab's own factory states (`clos lab up
// --factory t1|l2`, src/lab/factory.ts): one copy of those rules. Plus the management config
// every real switch also has, which no preset writes.
import type { Fields } from '../../src/core/diff/flat.ts';
import type { Platform } from '../../src/core/model.ts';
import { docToRedis } from '../../src/lab/agent/db/config-file.ts';
import { dropNull } from '../../src/lab/agent/db/keys.ts';
import { factoryConfig } from '../../src/lab/factory.ts';
import type { MemoryTransport } from '../../src/transport/memory.ts';

type Db = Map<string, Fields>;

/** The lab's factory state of a switch on `platform` (src/lab/factory.ts, written from
 *  config_samples.py), as redis holds it, in the form the transports read it back in (an entry
 *  without fields as {}, its NULL filler dropped). */
function preset(kind: 't1' | 'l2', platform: Platform): Db {
  const sw = { name: 'sonic', hwsku: platform.name, ports: platform.ports, mac: '52:54:00:12:34:56', mtu: 9100 };
  return new Map([...docToRedis(factoryConfig({ kind }, sw))].map(([k, v]) => [k, dropNull(v)]));
}

/** t1: hostname sonic, LeafRouter, AS 65100, Loopback0 10.1.0.1/32, every port admin up with
 *  MTU 9100, a /31 from 10.0.0.0 and one BGP neighbor per port. */
export const t1Preset = (platform: Platform): Db => preset('t1', platform);

/** l2: every port in Vlan1000, untagged, admin up; DEVICE_METADATA as the platform part left it. */
export const l2Preset = (platform: Platform): Db => preset('l2', platform);

/** What no preset writes but every managed switch has: clos must never touch any of it. */
export const MANAGEMENT: ReadonlyMap<string, Fields> = new Map<string, Fields>([
  ['MGMT_INTERFACE|eth0|172.16.0.10/24', { gwaddr: '172.16.0.1' }],
  ['MGMT_PORT|eth0', { admin_status: 'up', alias: 'eth0' }],
  ['NTP_SERVER|172.16.0.2', {}],
  ['SYSLOG_SERVER|172.16.0.3', {}],
  ['SNMP_COMMUNITY|public', { TYPE: 'RO' }],
  ['FEATURE|bgp', { state: 'enabled', auto_restart: 'enabled' }],
  ['ACL_TABLE|DATAACL', { policy_desc: 'DATAACL', type: 'L3', 'ports@': 'Ethernet0' }],
  ['LOOPBACK_INTERFACE|Loopback1', {}],
  ['LOOPBACK_INTERFACE|Loopback1|172.31.0.1/32', {}],
]);

/** Replaces a memory switch's CONFIG_DB with a preset and the management config. */
export function loadFactory(t: MemoryTransport, preset: Db): void {
  t.dbs.CONFIG_DB.clear();
  for (const [k, v] of [...preset, ...MANAGEMENT]) t.dbs.CONFIG_DB.set(k, { ...v });
}
