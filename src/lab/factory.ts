// The state an emulated switch comes out of the box with, which is also its first startup config
// (`clos lab up --factory vs|t1|l2|FILE`):
// - vs: what docker-sonic-vs boots with (every port admin down, DEVICE_METADATA with the mac);
// - t1, l2: what `config-setup factory` writes on a SONiC switch without a config,
//   `sonic-cfggen -H -k HWSKU --preset t1|l2` (sonic-buildimage config_samples.py): the platform
//   part (-H: platform, mac; -k: hwsku and the PORT table of the hwsku's port_config.ini), the
//   common part (FLEX_COUNTER_TABLE ACL) and the preset's own rules, written here from those rules;
// - FILE: a config_db.json for every switch, or a directory of `<switch>.config_db.json`.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { PortDef } from '../core/model.ts';
import { compareNames } from '../core/names.ts';
import { type ConfigDoc, ConfigFileError, type FileValue, parseConfigFile } from './agent/db/config-file.ts';
import { LabError } from './errors.ts';

export type Factory = { readonly kind: 'vs' | 't1' | 'l2' } | { readonly kind: 'file'; readonly path: string; readonly dir: boolean };

/** What a switch's factory state is built from. */
export interface FactorySwitch {
  readonly name: string;
  readonly hwsku: string;
  readonly ports: readonly PortDef[];
  readonly mac: string;
  readonly mtu: number;
}

/** The platform string sonic-vs reports (`sonic-cfggen -H -v DEVICE_METADATA.localhost.platform`). */
export const VS_PLATFORM = 'x86_64-kvm_x86_64-r0';

/** `--factory` as given: a preset name, or an existing file or directory. */
export function parseFactory(arg: string): Factory {
  if (arg === 'vs' || arg === 't1' || arg === 'l2') return { kind: arg };
  if (!existsSync(arg)) throw new LabError('LAB_BAD_FACTORY', `--factory ${arg}: not vs, t1 or l2, and no such file or directory`);
  return { kind: 'file', path: arg, dir: statSync(arg).isDirectory() };
}

export function factoryConfig(f: Factory, sw: FactorySwitch): ConfigDoc {
  switch (f.kind) {
    case 'vs':
      return vsConfig(sw);
    case 't1':
      return t1Config(sw);
    case 'l2':
      return l2Config(sw);
    case 'file':
      return fileConfig(f, sw.name);
  }
}

function vsConfig(sw: FactorySwitch): ConfigDoc {
  const port: Record<string, Record<string, FileValue>> = {};
  for (const p of sw.ports) {
    port[p.name] = { admin_status: 'down', alias: p.alias, index: String(p.index), lanes: p.lanes, mtu: String(sw.mtu), speed: String(p.speed) };
  }
  return { DEVICE_METADATA: { localhost: { mac: sw.mac } }, PORT: port };
}

/** `sonic-cfggen -H -k HWSKU` before the preset, plus generate_common_config. */
function platformConfig(sw: FactorySwitch): { DEVICE_METADATA: { localhost: Record<string, FileValue> }; PORT: Record<string, Record<string, FileValue>> } & ConfigDoc {
  const port: Record<string, Record<string, FileValue>> = {};
  for (const p of sw.ports) port[p.name] = { alias: p.alias, index: String(p.index), lanes: p.lanes, speed: String(p.speed) };
  return {
    DEVICE_METADATA: { localhost: { hwsku: sw.hwsku, mac: sw.mac, platform: VS_PLATFORM } },
    FLEX_COUNTER_TABLE: { ACL: { FLEX_COUNTER_STATUS: 'disable', POLL_INTERVAL: '10000' } },
    PORT: port,
  };
}

/** The t1 preset: a LeafRouter with AS 65100 and Loopback0 10.1.0.1/32; every port (in natural
 *  order) admin up, mtu 9100, the n-th port 10.0.x.(2n)/31 with one eBGP neighbor at the .(2n+1)
 *  end: the first half of the ports "T2" neighbors in AS 65200, the second half "T0" neighbors
 *  in AS 64001, 64002, … */
export function t1Config(sw: FactorySwitch): ConfigDoc {
  const doc = platformConfig(sw);
  Object.assign(doc.DEVICE_METADATA.localhost, { hostname: 'sonic', type: 'LeafRouter', bgp_asn: '65100' });
  doc.LOOPBACK_INTERFACE = { Loopback0: {}, 'Loopback0|10.1.0.1/32': {} };
  doc.BGP_NEIGHBOR = {};
  doc.DEVICE_NEIGHBOR = {};
  doc.INTERFACE = {};
  const names = Object.keys(doc.PORT).sort(compareNames);
  const half = Math.floor(names.length / 2);
  if (half === 0) throw new LabError('LAB_BAD_FACTORY', `switch ${sw.name}: the t1 preset needs at least 2 ports (hwsku ${sw.hwsku} has ${names.length})`);
  names.forEach((port, n) => {
    Object.assign(doc.PORT[port]!, { admin_status: 'up', mtu: '9100' });
    const local = `10.0.${Math.floor((2 * n) / 256)}.${(2 * n) % 256}`;
    const peer = `10.0.${Math.floor((2 * n) / 256)}.${((2 * n) % 256) + 1}`;
    const upper = n < half;
    doc.INTERFACE![port] = {};
    doc.INTERFACE![`${port}|${local}/31`] = {};
    doc.BGP_NEIGHBOR![peer] = {
      rrclient: 0,
      name: `ARISTA${String(1 + (n % half)).padStart(2, '0')}${upper ? 'T2' : 'T0'}`,
      local_addr: local,
      nhopself: 0,
      holdtime: '180',
      asn: String(upper ? 65200 : 64001 + n - half),
      keepalive: '60',
    };
  });
  return doc;
}

/** The l2 preset (not dual-ToR): Vlan1000 with every port an untagged member, every port admin
 *  up (unless the platform part set it otherwise: it never does). */
export function l2Config(sw: FactorySwitch): ConfigDoc {
  const doc = platformConfig(sw);
  doc.VLAN = { Vlan1000: { vlanid: '1000' } };
  doc.VLAN_MEMBER = {};
  for (const port of Object.keys(doc.PORT).sort(compareNames)) {
    doc.PORT[port]!.admin_status ??= 'up';
    doc.VLAN_MEMBER[`Vlan1000|${port}`] = { tagging_mode: 'untagged' };
  }
  return doc;
}

function fileConfig(f: { path: string; dir: boolean }, name: string): ConfigDoc {
  const file = f.dir ? join(f.path, `${name}.config_db.json`) : f.path;
  if (!existsSync(file)) throw new LabError('LAB_BAD_FACTORY', `switch ${name}: --factory ${f.path} is a directory without ${name}.config_db.json`);
  try {
    return parseConfigFile(readFileSync(file, 'utf8'), file);
  } catch (e) {
    if (e instanceof ConfigFileError) throw new LabError('LAB_BAD_FACTORY', `switch ${name}: ${e.message}`, { cause: e });
    throw e;
  }
}
