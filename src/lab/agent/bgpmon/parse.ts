// bgpmon's reading of FRR's `show bgp summary json` (sonic-bgpcfgd bgpmon/bgpmon.py): one
// STATE_DB NEIGH_STATE_TABLE|<peer> per peer of the IPv4 and IPv6 unicast families, with FRR's
// state string as is ("Established", "Idle (Admin)", …) and peerType i-BGP when the peer's AS is
// the local AS.
import type { Fields } from '../db/keys.ts';

interface SummaryFamily {
  readonly peers?: Record<string, { readonly state?: string; readonly remoteAs?: number | string; readonly localAs?: number | string }>;
}

/** Peer ip → NEIGH_STATE_TABLE fields. Unknown shapes yield no peers rather than throwing. */
export function neighStates(summary: unknown): Map<string, Fields> {
  const out = new Map<string, Fields>();
  if (!summary || typeof summary !== 'object') return out;
  for (const family of ['ipv4Unicast', 'ipv6Unicast'] as const) {
    const peers = (summary as Record<string, SummaryFamily | undefined>)[family]?.peers;
    if (!peers || typeof peers !== 'object') continue;
    for (const [ip, p] of Object.entries(peers)) {
      if (typeof p?.state !== 'string') continue;
      const ibgp = p.remoteAs !== undefined && String(p.remoteAs) === String(p.localAs);
      out.set(ip, { state: p.state, peerType: ibgp ? 'i-BGP' : 'e-BGP' });
    }
  }
  return out;
}
