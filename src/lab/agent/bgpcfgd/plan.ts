// bgpcfgd's BGP_NEIGHBOR state machine, pure: from the CONFIG_DB view and what was already
// pushed, decide what to tell FRR. Mirrors sonic-bgpcfgd's BGPPeerMgrBase:
//  - a new key is pushed only once every precondition holds, else it waits silently;
//  - a SET on a pushed neighbor applies ONLY admin_status (`[no] neighbor X shutdown`) and then
//    rewrites BGP_PEER_CONFIGURED_TABLE with the new fields — when admin_status is absent the
//    update is refused with "Can't update the peer" and nothing is written. Other changed fields
//    (asn, timers, local_addr) never reach FRR: that takes a DEL then a new SET;
//  - a DEL of a pushed neighbor sends `no neighbor X` and removes the STATE_DB copy.
import { type Fields, sameFields } from '../db/keys.ts';
import type { ConfigView } from '../db/snapshot.ts';
import { localAsn, neighborReadiness, type NeighborKey, parseNeighborKey } from './preconditions.ts';
import { adminStatusLines, neighborAddLines, neighborDeleteLines } from './render.ts';

export interface KnownPeer {
  /** The CONFIG_DB fields last handled for this key. */
  readonly data: Fields;
  /** True once the neighbor was pushed to FRR. */
  readonly pushed: boolean;
  /** The `router bgp` ASN it was pushed under: later commands for it go to that instance even
   *  when DEVICE_METADATA's bgp_asn has since changed or gone (bgpcfgd would fail there). */
  readonly asn?: string;
}

export type NeighborAction =
  | {
      readonly kind: 'push';
      readonly key: string;
      readonly peer: NeighborKey;
      readonly data: Fields;
      readonly asn: string;
      readonly lines: string[];
      readonly state: Fields;
    }
  | { readonly kind: 'admin'; readonly key: string; readonly peer: NeighborKey; readonly data: Fields; readonly lines: string[]; readonly state: Fields }
  | { readonly kind: 'refuse'; readonly key: string; readonly data: Fields; readonly message: string }
  | { readonly kind: 'wait'; readonly key: string; readonly data: Fields; readonly waitingFor: string }
  | { readonly kind: 'delete'; readonly key: string; readonly peer: NeighborKey; readonly lines: string[] }
  | { readonly kind: 'forget'; readonly key: string };

/** STATE_DB BGP_PEER_CONFIGURED_TABLE key: bare ip in the default VRF, `<vrf>|<ip>` otherwise. */
export function stateKey(peer: NeighborKey): string {
  return peer.vrf === 'default' ? peer.ip : `${peer.vrf}|${peer.ip}`;
}

/** bgpcfgd stores local_addr without its prefix length before copying the fields to STATE_DB. */
export function consumedFields(data: Fields): Fields {
  if (data.local_addr === undefined) return data;
  return { ...data, local_addr: data.local_addr.split('/')[0] ?? data.local_addr };
}

export function planNeighbors(cfg: ConfigView, known: ReadonlyMap<string, KnownPeer>): NeighborAction[] {
  const actions: NeighborAction[] = [];
  const table = cfg.table('BGP_NEIGHBOR');
  for (const [key, data] of table) {
    const peer = parseNeighborKey(key);
    const k = known.get(key);
    if (!k?.pushed) {
      const r = neighborReadiness(cfg, key, data);
      if (!r.ready) {
        actions.push({ kind: 'wait', key, data, waitingFor: r.waitingFor });
        continue;
      }
      actions.push({ kind: 'push', key, peer, data, asn: localAsn(cfg)!, lines: neighborAddLines(cfg, peer, data), state: consumedFields(data) });
      continue;
    }
    if (sameFields(k.data, data)) continue;
    actions.push(updateAction(cfg, key, peer, k, data));
  }
  for (const [key, k] of known) {
    if (table.has(key)) continue;
    const asn = k.asn ?? localAsn(cfg);
    if (k.pushed && asn) {
      const peer = parseNeighborKey(key);
      actions.push({ kind: 'delete', key, peer, lines: neighborDeleteLines(asn, peer) });
    } else {
      actions.push({ kind: 'forget', key });
    }
  }
  return actions;
}

function updateAction(cfg: ConfigView, key: string, peer: NeighborKey, known: KnownPeer, data: Fields): NeighborAction {
  const ignored = changedFields(known.data, data).filter((f) => f !== 'admin_status');
  const note = ignored.length ? ` (not applied: ${ignored.join(', ')})` : '';
  const asn = known.asn ?? localAsn(cfg);
  const admin = data.admin_status;
  if (admin === undefined || !asn) {
    return {
      kind: 'refuse',
      key,
      data,
      message: `Peer '(${peer.vrf}|${peer.ip})': Can't update the peer. Only 'admin_status' attribute is supported${note}`,
    };
  }
  if (admin !== 'up' && admin !== 'down') {
    return {
      kind: 'refuse',
      key,
      data,
      message: `Peer '${peer.vrf}|${peer.ip}': Can't update the peer. It has wrong attribute value attr['admin_status'] = '${admin}'${note}`,
    };
  }
  return { kind: 'admin', key, peer, data, lines: adminStatusLines(asn, peer, admin === 'down'), state: consumedFields(data) };
}

function changedFields(a: Fields, b: Fields): string[] {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...names].filter((n) => a[n] !== b[n]).sort();
}
