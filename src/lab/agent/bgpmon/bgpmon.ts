// bgpmon adapter: polls bgpd every runtime.bgpmonIntervalMs (real bgpmon: 15 s, and only when
// frr.log changed) and keeps STATE_DB NEIGH_STATE_TABLE equal to FRR's peers: written on
// change, stale peers removed. A failed or refused poll changes nothing, as in bgpmon.
import type { SwitchContext } from '../context.ts';
import { neighStates } from './parse.ts';

const TABLE = 'NEIGH_STATE_TABLE';

export class BgpMon {
  constructor(private readonly ctx: SwitchContext) {}

  async poll(): Promise<void> {
    let reply;
    try {
      reply = await this.ctx.frr.bgpd.run('show bgp summary json');
    } catch {
      return; // bgpd down (restarting): keep the last known states
    }
    if (reply.status !== 0) return; // e.g. no BGP instance yet: bgpmon's vtysh call fails too
    await this.ctx.state.sync(TABLE, neighStates(JSON.parse(reply.output || '{}')));
  }

  /** bgpmon starts with the bgp container by deleting every NEIGH_STATE_TABLE entry. */
  async reset(): Promise<void> {
    await this.ctx.state.sync(TABLE, new Map());
  }
}
