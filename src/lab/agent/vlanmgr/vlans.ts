// vlanmgrd, pure. SONiC (cfgmgr/vlanmgr.cpp) builds one VLAN-filtering bridge `Bridge` with a
// `VlanNNNN` 802.1Q device on it per VLAN. The lab builds one plain Linux bridge per VLAN, named
// `VlanNNNN`, with the untagged members enslaved: it needs neither bridge VLAN filtering nor
// the 8021q module, which some kernels lack. Tagged members are therefore not emulated (they
// stay pending, logged). A member is applied only once its port netdev exists.
import { type Fields, splitEntryKey } from '../db/keys.ts';
import type { ConfigView } from '../db/snapshot.ts';

export interface VlanPlan {
  readonly vlans: ReadonlyMap<string, { readonly vid: number; readonly fields: Fields }>;
  /** `VlanNNNN|EthernetX` → member. */
  readonly members: ReadonlyMap<string, { readonly vlan: string; readonly vid: number; readonly port: string }>;
  /** Tagged members the lab cannot emulate: `VlanNNNN|EthernetX`. */
  readonly unsupported: readonly string[];
}

/** `Vlan1000` → 1000 (vlanid field first, as vlanmgrd trusts the key's number). */
export function vlanId(name: string, fields: Fields): number | undefined {
  const n = Number(fields.vlanid ?? name.replace(/^Vlan/, ''));
  return Number.isInteger(n) && n >= 1 && n <= 4094 ? n : undefined;
}

export function planVlans(cfg: ConfigView, portReady: (port: string) => boolean): VlanPlan {
  const vlans = new Map<string, { vid: number; fields: Fields }>();
  for (const [name, fields] of cfg.table('VLAN')) {
    const vid = vlanId(name, fields);
    if (vid !== undefined) vlans.set(name, { vid, fields });
  }
  const members = new Map<string, { vlan: string; vid: number; port: string }>();
  const unsupported: string[] = [];
  for (const [key, fields] of cfg.table('VLAN_MEMBER')) {
    const parts = splitEntryKey(key);
    if (parts.length !== 2) continue;
    const [vlan, port] = parts;
    const v = vlans.get(vlan);
    if (!v || !portReady(port)) continue;
    if (fields.tagging_mode === 'tagged') unsupported.push(key);
    else members.set(key, { vlan, vid: v.vid, port });
  }
  return { vlans, members, unsupported };
}

/** APPL_DB VLAN_TABLE:<vlan>: the config plus vlanmgrd's admin_status/mtu defaults. */
export function applVlanEntry(fields: Fields): Fields {
  return { admin_status: 'up', mtu: '9100', ...fields };
}

export function applMemberEntry(): Fields {
  return { tagging_mode: 'untagged' };
}
