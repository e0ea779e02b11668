// The fabric's cables as drift sees them: both ends with their ports and addresses, and the way
// back from a switch's port, peer address or CONFIG_DB key to the cable.
import { linkId, type SwitchIntent } from '../model.ts';
import { keyParts } from './config.ts';

export interface FabricCable {
  readonly id: string; // linkId(leaf, spine): "leaf1 -- spine1"
  readonly leaf: string;
  readonly leafPort: string;
  readonly leafIp: string;
  readonly spine: string;
  readonly spinePort: string;
  readonly spineIp: string;
}

export type End = 'leaf' | 'spine';

export class CableIndex {
  readonly cables: readonly FabricCable[];
  private readonly byPortKey = new Map<string, { cable: FabricCable; end: End }>();
  private readonly byPeerKey = new Map<string, { cable: FabricCable; end: End }>();

  constructor(intents: readonly SwitchIntent[]) {
    const cables: FabricCable[] = [];
    for (const s of intents) {
      if (s.role !== 'leaf') continue;
      for (const n of s.neighbors) {
        if (n.peerRole !== 'spine') continue;
        const c: FabricCable = { id: linkId(s.name, n.peerName), leaf: s.name, leafPort: n.localPort, leafIp: n.localAddr, spine: n.peerName, spinePort: n.peerPort, spineIp: n.peerIp };
        cables.push(c);
        this.byPortKey.set(`${c.leaf}:${c.leafPort}`, { cable: c, end: 'leaf' });
        this.byPortKey.set(`${c.spine}:${c.spinePort}`, { cable: c, end: 'spine' });
        this.byPeerKey.set(`${c.leaf}|${c.spineIp}`, { cable: c, end: 'leaf' });
        this.byPeerKey.set(`${c.spine}|${c.leafIp}`, { cable: c, end: 'spine' });
      }
    }
    this.cables = cables;
  }

  /** The cable plugged into a switch's port, and which end the switch is. */
  atPort(sw: string, port: string): { cable: FabricCable; end: End } | undefined {
    return this.byPortKey.get(`${sw}:${port}`);
  }

  /** The cable a switch's BGP session with this peer address runs over. */
  toPeer(sw: string, peerIp: string): { cable: FabricCable; end: End } | undefined {
    return this.byPeerKey.get(`${sw}|${peerIp}`);
  }

  /** The cable a CONFIG_DB key of a switch configures (its port, interface, neighbor). */
  linkOfKey(sw: string, key: string): string | null {
    const { table, first, rest } = keyParts(key);
    if (table === 'PORT' || table === 'INTERFACE' || table === 'DEVICE_NEIGHBOR') return this.atPort(sw, first)?.cable.id ?? null;
    if (table === 'BGP_NEIGHBOR') return this.toPeer(sw, rest || first)?.cable.id ?? null;
    return null;
  }
}

export function endOf(c: FabricCable, end: End): { sw: string; port: string; ip: string; peerIp: string } {
  return end === 'leaf' ? { sw: c.leaf, port: c.leafPort, ip: c.leafIp, peerIp: c.spineIp } : { sw: c.spine, port: c.spinePort, ip: c.spineIp, peerIp: c.leafIp };
}
