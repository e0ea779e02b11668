// bgpmon adapter: polls bgpd every runtime.bgpmonIntervalMs (real bgpmon: 15 s, and only when
// frr.log changed) and keeps STATE_DB NEIGH_STATE_TABLE equal to FRR's peers: written on
// change, stale peers removed. A failed poll (bgpd not answering) changes nothing, as in bgpmon.
import type { SwitchContext } from '../context.ts';
import { neighStates } from './parse.ts';

const TABLE = 'NEIGH_STATE_TABLE';

export class BgpMon {
  constructor(private readonly ctx: SwitchContext) {}

  async poll(): Promise<void> {
    let summary: unknown;
    try {
      // No BGP instance: `{}` with a warning status, which vtysh still exits 0 for; bgpmon
      // then sees no peers and removes them all.
      summary = await this.ctx.frr.bgpd.json('show bgp summary json');
    } catch {
      return; // bgpd down (restarting) or garbled output: keep the last known states
    }
    await this.ctx.state.sync(TABLE, neighStates(summary));
  }

  /** bgpmon starts with the bgp container by deleting every NEIGH_STATE_TABLE entry. */
  async reset(): Promise<void> {
    await this.ctx.state.sync(TABLE, new Map());
  }
}
