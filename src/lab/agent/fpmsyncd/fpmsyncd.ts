// fpmsyncd adapter: polls zebra's RIB every runtime.bgpmonIntervalMs and keeps APPL_DB
// ROUTE_TABLE equal to the routes zebra programs (real fpmsyncd is pushed each change over FPM).
// While zebra does not answer, nothing is deleted.
import type { SwitchContext } from '../context.ts';
import { routeTable } from './routes.ts';

export class FpmSyncd {
  constructor(private readonly ctx: SwitchContext) {}

  async poll(): Promise<void> {
    let json: unknown;
    try {
      json = await this.ctx.frr.zebra.json('show ip route json');
    } catch {
      return;
    }
    await this.ctx.appl.sync('ROUTE_TABLE', routeTable(json));
  }
}
