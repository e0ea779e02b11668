// bgpcfgd adapter (flavour `sonic` only): runs plan.ts's decisions against bgpd's vty and keeps
// STATE_DB BGP_PEER_CONFIGURED_TABLE, the signal that a neighbor's intent was consumed.
import type { SwitchContext } from '../context.ts';
import { VtyUnavailable } from '../frr/vty.ts';
import { type KnownPeer, type NeighborAction, planNeighbors, stateKey } from './plan.ts';
import { parseNeighborKey } from './preconditions.ts';

const TABLE = 'BGP_PEER_CONFIGURED_TABLE';

export class BgpCfgd {
  private readonly known = new Map<string, KnownPeer>();
  private readonly waitingFor = new Map<string, string>();
  private paused = false;

  constructor(private readonly ctx: SwitchContext) {}

  /** An agent restarted while FRR kept running: the neighbors FRR already has are "existing"
   *  peers (bgpcfgd's load_peers), so their next CONFIG_DB SET goes the update path. */
  async adoptFromFrr(): Promise<void> {
    // `<vrf>|<ip>` → the local AS of the instance holding it.
    let inFrr: Map<string, string>;
    try {
      const vrfs = (await this.ctx.frr.bgpd.json('show bgp vrfs json')) as { vrfs?: Record<string, unknown> };
      inFrr = new Map();
      for (const vrf of Object.keys(vrfs.vrfs ?? {})) {
        const peers = (await this.ctx.frr.bgpd.json(`show bgp vrf ${vrf} neighbors json`)) as Record<string, { localAs?: number }>;
        for (const [ip, p] of Object.entries(peers)) inFrr.set(`${vrf}|${ip}`, String(p.localAs ?? ''));
      }
    } catch (e) {
      this.ctx.log.warn({ err: e }, 'bgpcfgd: could not read FRR neighbors; treating all as new');
      return;
    }
    for (const key of this.ctx.cfg.table('BGP_NEIGHBOR').keys()) {
      const p = parseNeighborKey(key);
      const asn = inFrr.get(`${p.vrf}|${p.ip}`);
      if (asn !== undefined) this.known.set(key, { data: {}, pushed: true, ...(asn ? { asn } : {}) });
    }
  }

  /** While FRR restarts nothing is pushed; CONFIG_DB changes are handled once it is back. A
   *  reconcile in progress stops after the action at hand (the bgp container stopping stops
   *  bgpcfgd mid-work): pushing the rest to a bgpd about to stop would only delay the stop. */
  pause(): void {
    this.paused = true;
  }

  /** After FRR restarted with a fresh config: every neighbor is new again. */
  resumeAfterRestart(): void {
    for (const [key, k] of this.known) this.known.set(key, { data: k.data, pushed: false });
    // (the ASN is that of the new instance once pushed again)
    this.waitingFor.clear();
    this.paused = false;
  }

  async reconcile(): Promise<void> {
    if (this.paused) return;
    for (const action of planNeighbors(this.ctx.cfg, this.known)) {
      if (this.paused) return; // what is left is planned again after the restart
      try {
        await this.apply(action);
      } catch (e) {
        if (e instanceof VtyUnavailable) {
          // bgpd is not answering (restarting, or died): what was not applied stays pending.
          this.ctx.log.warn({ err: e.message }, 'bgpcfgd: bgpd unavailable; will retry');
          return;
        }
        throw e;
      }
    }
    // Entries left from a run of FRR whose neighbors were not pushed again.
    const pushed = new Set([...this.known].filter(([, k]) => k.pushed).map(([key]) => stateKey(parseNeighborKey(key))));
    for (const key of this.ctx.state.keys(TABLE)) if (!pushed.has(key)) await this.ctx.state.del(TABLE, key);
  }

  private async apply(a: NeighborAction): Promise<void> {
    const { ctx } = this;
    switch (a.kind) {
      case 'wait':
        this.known.set(a.key, { data: a.data, pushed: false });
        if (this.waitingFor.get(a.key) !== a.waitingFor) ctx.log.debug({ neighbor: a.key, waitingFor: a.waitingFor }, 'bgpcfgd: neighbor waits');
        this.waitingFor.set(a.key, a.waitingFor);
        return;
      case 'push':
      case 'admin': {
        const errors = await ctx.frr.bgpd.configure(a.lines);
        for (const e of errors) ctx.log.error({ neighbor: a.key, line: e.line, error: e.error }, 'bgpcfgd: FRR refused a line');
        const asn = a.kind === 'push' ? a.asn : this.known.get(a.key)?.asn;
        this.known.set(a.key, { data: a.data, pushed: true, ...(asn ? { asn } : {}) });
        this.waitingFor.delete(a.key);
        await ctx.state.set(TABLE, stateKey(a.peer), a.state);
        ctx.log.info({ neighbor: a.key, fields: a.data }, a.kind === 'push' ? 'bgpcfgd: neighbor pushed to FRR' : 'bgpcfgd: admin_status applied');
        return;
      }
      case 'refuse':
        this.known.set(a.key, { ...this.known.get(a.key), data: a.data, pushed: true });
        ctx.log.warn({ neighbor: a.key }, a.message);
        return;
      case 'delete': {
        const errors = await ctx.frr.bgpd.configure(a.lines);
        for (const e of errors) ctx.log.error({ neighbor: a.key, line: e.line, error: e.error }, 'bgpcfgd: FRR refused a line');
        this.known.delete(a.key);
        await ctx.state.del(TABLE, stateKey(a.peer));
        ctx.log.info({ neighbor: a.key }, 'bgpcfgd: neighbor removed');
        return;
      }
      case 'forget':
        this.known.delete(a.key);
        this.waitingFor.delete(a.key);
        return;
    }
  }
}
