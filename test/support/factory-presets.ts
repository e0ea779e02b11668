// SONiC's first-boot presets as `sonic-cfggen -H -k HWSKU --preset t1|l2` writes them
// (src/sonic-config-engine/config_samples.py in sonic-net/sonic-buildimage: generate_t1_sample_config,
// generate_l2_config, generate_common_config), for one switch's platform, in the flat Redis
// form, plus the management config every real switch also has. Unit fixtures: the lab builds
// its own factory states (`clos lab up --factory`).
import type { Fields } from '../../src/core/diff/flat.ts';
import type { Platform } from '../../src/core/model.ts';
import type { MemoryTransport } from '../../src/transport/memory.ts';

type Db = Map<string, Fields>;

/** What -H -k HWSKU gives before any preset: the platform's ports and DEVICE_METADATA. */
function base(platform: Platform): Db {
  const db: Db = new Map();
  db.set('DEVICE_METADATA|localhost', { hwsku: platform.name, mac: '52:54:00:12:34:56', platform: 'x86_64-kvm_x86_64-r0' });
  for (const p of platform.ports) db.set(`PORT|${p.name}`, { alias: p.alias, index: String(p.index), lanes: p.lanes, speed: String(p.speed) });
  // generate_common_config
  db.set('FLEX_COUNTER_TABLE|ACL', { FLEX_COUNTER_STATUS: 'disable', POLL_INTERVAL: '10000' });
  return db;
}

/** t1: hostname sonic, LeafRouter, AS 65100, Loopback0 10.1.0.1/32, every port admin up with
 *  MTU 9100, a /31 from 10.0.0.0 and one BGP neighbor (first half T2 peers in AS 65200, second
 *  half T0 peers in AS 64001…). Ports in natural order, as natsorted gives them. */
export function t1Preset(platform: Platform): Db {
  const db = base(platform);
  db.set('DEVICE_METADATA|localhost', { ...db.get('DEVICE_METADATA|localhost'), hostname: 'sonic', type: 'LeafRouter', bgp_asn: '65100' });
  db.set('LOOPBACK_INTERFACE|Loopback0', {});
  db.set('LOOPBACK_INTERFACE|Loopback0|10.1.0.1/32', {});
  const total = platform.ports.length;
  const half = Math.floor(total / 2);
  platform.ports.forEach((p, i) => {
    db.set(`PORT|${p.name}`, { ...db.get(`PORT|${p.name}`), admin_status: 'up', mtu: '9100' });
    const local = `10.0.${Math.floor((2 * i) / 256)}.${(2 * i) % 256}`;
    const peer = `10.0.${Math.floor((2 * i) / 256)}.${((2 * i) % 256) + 1}`;
    db.set(`INTERFACE|${p.name}`, {});
    db.set(`INTERFACE|${p.name}|${local}/31`, {});
    const name = `ARISTA${String(1 + (i % half)).padStart(2, '0')}${i < half ? 'T2' : 'T0'}`;
    const asn = i < half ? 65200 : 64001 + i - half;
    db.set(`BGP_NEIGHBOR|${peer}`, { rrclient: '0', name, local_addr: local, nhopself: '0', holdtime: '180', asn: String(asn), keepalive: '60' });
  });
  return db;
}

/** l2: every port in Vlan1000, untagged, admin up where not set. */
export function l2Preset(platform: Platform): Db {
  const db = base(platform);
  db.set('DEVICE_METADATA|localhost', { ...db.get('DEVICE_METADATA|localhost'), hostname: 'sonic', type: 'ToRRouter' });
  db.set('VLAN|Vlan1000', { vlanid: '1000' });
  for (const p of platform.ports) {
    db.set(`PORT|${p.name}`, { admin_status: 'up', ...db.get(`PORT|${p.name}`) });
    db.set(`VLAN_MEMBER|Vlan1000|${p.name}`, { tagging_mode: 'untagged' });
  }
  return db;
}

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
