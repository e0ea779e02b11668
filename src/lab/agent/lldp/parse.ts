// lldp_syncd's APPL_DB LLDP_ENTRY_TABLE, from `lldpcli -f json0 show neighbors` (json0 keeps one
// shape whatever the neighbour count). Field names and encodings follow sonic-dbsyncd's
// lldp_syncd: subtypes as LLDP-MIB numbers, capabilities as a "XX 00" bitmap string.
import type { Fields } from '../db/keys.ts';

/** LLDP-MIB LldpPortIdSubtype / LldpChassisIdSubtype for lldpd's subtype names. */
const PORT_ID_SUBTYPE: Record<string, string> = { ifalias: '1', mac: '3', ip: '4', ifname: '5', local: '7' };
const CHASSIS_ID_SUBTYPE: Record<string, string> = { ifalias: '2', mac: '4', ip: '5', ifname: '6', local: '7' };
/** LldpSystemCapabilitiesMap bit positions (bit 0 is the most significant of the first byte). */
const CAPABILITY_BIT: Record<string, number> = {
  other: 0,
  repeater: 1,
  bridge: 2,
  wlan: 3,
  router: 4,
  tel: 5,
  docsis: 6,
  station: 7,
};

/** lldp_syncd only exports front-panel ports and the management port. */
const SONIC_PORT = /^(Ethernet\d+|eth0)$/;

type Values = readonly { readonly value?: string; readonly type?: string; readonly enabled?: boolean }[] | undefined;

interface Json0Interface {
  readonly name?: string;
  readonly rid?: string;
  readonly age?: string;
  readonly chassis?: readonly {
    readonly id?: Values;
    readonly name?: Values;
    readonly descr?: Values;
    readonly 'mgmt-ip'?: Values;
    readonly capability?: Values;
  }[];
  readonly port?: readonly { readonly id?: Values; readonly descr?: Values }[];
}

/** lldpd's age "1 day, 02:03:04" → seconds. */
export function ageSeconds(age: string | undefined): number {
  const m = /^(\d+) days?, (\d+):(\d+):(\d+)$/.exec(age ?? '');
  if (!m) return 0;
  return ((Number(m[1]) * 24 + Number(m[2])) * 60 + Number(m[3])) * 60 + Number(m[4]);
}

export function capabilityBitmap(caps: Values, enabledOnly: boolean): string {
  if (!caps || caps.length === 0) return '';
  let bits = 0;
  for (const c of caps) {
    const bit = CAPABILITY_BIT[(c.type ?? '').toLowerCase()];
    if (bit === undefined || (enabledOnly && !c.enabled)) continue;
    bits |= 128 >> bit;
  }
  return `${bits.toString(16).toUpperCase().padStart(2, '0')} 00`;
}

/** Local port → LLDP_ENTRY_TABLE fields, for every neighbour lldpd knows. */
export function lldpEntries(json0: unknown): Map<string, Fields> {
  const out = new Map<string, Fields>();
  const lldp = (json0 as { lldp?: readonly { interface?: readonly Json0Interface[] }[] } | undefined)?.lldp;
  for (const block of lldp ?? []) {
    for (const itf of block.interface ?? []) {
      if (!itf.name || !SONIC_PORT.test(itf.name)) continue;
      const chassis = itf.chassis?.[0];
      const port = itf.port?.[0];
      const portId = port?.id?.[0];
      const chassisId = chassis?.id?.[0];
      const fields: Record<string, string> = {
        lldp_rem_index: itf.rid ?? '',
        lldp_rem_time_mark: String(ageSeconds(itf.age)),
        lldp_rem_chassis_id_subtype: CHASSIS_ID_SUBTYPE[chassisId?.type ?? ''] ?? '',
        lldp_rem_chassis_id: chassisId?.value ?? '',
        lldp_rem_sys_name: chassis?.name?.[0]?.value ?? '',
        lldp_rem_sys_desc: chassis?.descr?.[0]?.value ?? '',
        lldp_rem_port_id_subtype: PORT_ID_SUBTYPE[portId?.type ?? ''] ?? '',
        lldp_rem_port_id: portId?.value ?? '',
        lldp_rem_port_desc: port?.descr?.[0]?.value ?? '',
        lldp_rem_sys_cap_supported: capabilityBitmap(chassis?.capability, false),
        lldp_rem_sys_cap_enabled: capabilityBitmap(chassis?.capability, true),
      };
      const mgmt = (chassis?.['mgmt-ip'] ?? []).map((m) => m.value).filter((v): v is string => !!v);
      if (mgmt.length) fields.lldp_rem_man_addr = mgmt.join(',');
      out.set(itf.name, fields);
    }
  }
  return out;
}

/** Fields compared to decide whether an entry changed: the time mark is when the entry was last
 *  (re)written, so an ageing neighbour alone does not rewrite it every poll. */
export function lldpEntryChanged(old: Fields | undefined, next: Fields): boolean {
  if (!old) return true;
  const keys = new Set([...Object.keys(old), ...Object.keys(next)]);
  keys.delete('lldp_rem_time_mark');
  for (const k of keys) if (old[k] !== next[k]) return true;
  return false;
}

/** What lldpd advertises for each of its own ports (`lldpcli -f json0 show interfaces`): the port
 *  id and description it sends. A port lldpd has not taken in is not there. */
export function localPorts(json0: unknown): Map<string, { readonly idType: string; readonly id: string; readonly descr: string }> {
  const out = new Map<string, { idType: string; id: string; descr: string }>();
  const lldp = (json0 as { lldp?: readonly { interface?: readonly Json0Interface[] }[] } | undefined)?.lldp;
  for (const block of lldp ?? []) {
    for (const itf of block.interface ?? []) {
      if (!itf.name) continue;
      const port = itf.port?.[0];
      out.set(itf.name, { idType: port?.id?.[0]?.type ?? '', id: port?.id?.[0]?.value ?? '', descr: port?.descr?.[0]?.value ?? '' });
    }
  }
  return out;
}
