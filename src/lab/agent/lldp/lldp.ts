// lldpmgrd + lldp_syncd adapter (flavour `sonic` only). lldpmgrd: configure lldpd so each port
// advertises its PORT alias and description, whenever they change or the netdev appears.
// lldp_syncd: poll `lldpcli -f json0 show neighbors` (real lldp_syncd: every 10 s) into APPL_DB
// LLDP_ENTRY_TABLE, removing entries whose neighbour is gone.
import type { Fields } from '../db/keys.ts';
import type { SwitchContext } from '../context.ts';
import { isAlive, readRecords } from '../../processes.ts';
import { run } from '../exec.ts';
import { configuredPorts } from '../portmgr/ports.ts';
import { portArgs, systemNameArgs } from './commands.ts';
import { lldpEntries, lldpEntryChanged } from './parse.ts';

const TABLE = 'LLDP_ENTRY_TABLE';
export const RECHECK_MS = 2_000;
/** A word lldpcli reads back unchanged between double quotes. */
const PLAIN_WORD = /^[^"\\\r\n]*$/;

export class Lldp {
  /** Port → the lldpcli arguments applied, and to which netdev. */
  private readonly configured = new Map<string, string>();
  private systemNameSet = false;
  /** pid/start time of the lldpd the ports were configured on. */
  private daemon?: string;

  /** `recheck`: asked to run reconcile again (RECHECK_MS after ports were configured). */
  constructor(
    private readonly ctx: SwitchContext,
    private readonly socket: string,
    private readonly recheck: () => void = () => {},
  ) {}

  private lldpcli(args: readonly string[]) {
    return run('lldpcli', ['-u', this.socket, ...args], { timeoutMs: 5_000 });
  }

  async reconcile(): Promise<void> {
    const { ctx } = this;
    if (!this.systemNameSet) {
      const r = await this.lldpcli(systemNameArgs(ctx.rt.name));
      if (r.code === 0) this.systemNameSet = true;
      else ctx.log.error({ error: r.stderr.trim() }, 'lldpmgrd: setting the system name failed');
    }
    const links = ctx.links();
    const pending: { port: string; args: string[]; id: string }[] = [];
    for (const [port, fields] of configuredPorts(ctx.cfg)) {
      const link = links.get(port);
      if (!link) continue;
      const args = portArgs(port, fields);
      // lldpd takes a port into its list as the netdev comes up: a port configured before that
      // may be one lldpd does not have yet (the setting then goes nowhere and the port keeps
      // its MAC as port id). Configured again whenever its admin or carrier state changes.
      const id = `${link.ifindex} ${link.up} ${link.lowerUp} ${JSON.stringify(args)}`;
      if (this.configured.get(port) !== id) pending.push({ port, args, id });
    }
    // One lldpcli for every port whose words can be quoted plainly (it reads commands from
    // stdin): a switch's 32 ports cost one process, not 32. A word with a quote, backslash or
    // line break, or a batch lldpcli complains about, goes port by port, each failure logged.
    const plain = pending.filter((p) => p.args.every((a) => PLAIN_WORD.test(a)));
    let single = pending.filter((p) => !plain.includes(p));
    if (plain.length > 1) {
      const r = await run('lldpcli', ['-u', this.socket], { input: plain.map((p) => `${p.args.map((a) => `"${a}"`).join(' ')}\n`).join(''), timeoutMs: 5_000 });
      if (r.code === 0 && r.stderr.trim() === '') for (const p of plain) this.done(p);
      else single = pending;
    } else single = pending;
    for (const p of single) {
      const r = await this.lldpcli(p.args);
      if (r.code !== 0) {
        ctx.log.error({ port: p.port, error: r.stderr.trim() }, 'lldpmgrd: lldpcli configure ports failed');
        continue;
      }
      this.done(p);
    }
    this.recheckSoon(pending.filter((p) => this.configured.get(p.port) === p.id));
  }

  /** Per port, the setting last sent once more (one entry per port, however often it changes). */
  private readonly rechecked = new Map<string, string>();

  /** Each setting is sent once more RECHECK_MS later (once per port and setting): lldpd may
   *  have been adding the netdev while it was first sent. */
  private recheckSoon(done: readonly { port: string; id: string }[]): void {
    const fresh = done.filter((p) => this.rechecked.get(p.port) !== p.id);
    if (fresh.length === 0) return;
    setTimeout(() => {
      for (const p of fresh) {
        this.rechecked.set(p.port, p.id);
        if (this.configured.get(p.port) === p.id) this.configured.delete(p.port);
      }
      this.recheck();
    }, RECHECK_MS).unref();
  }

  private done(p: { port: string; args: string[]; id: string }): void {
    this.configured.set(p.port, p.id);
    this.ctx.log.debug({ port: p.port, args: p.args }, 'lldpmgrd: port configured');
  }

  /** True when the switch's recorded lldpd is another process than the one configured so far
   *  (the host side restarted it): everything lldpmgrd set is then set again. */
  async daemonReplaced(): Promise<boolean> {
    const records = await readRecords(this.ctx.rt.processRecords);
    const live = records.find((r) => r.switch === this.ctx.rt.name && r.name === 'lldpd' && isAlive(r));
    const id = live ? `${live.pid}/${live.startTime}` : undefined;
    if (id === undefined || id === this.daemon) return false;
    const replaced = this.daemon !== undefined;
    this.daemon = id;
    if (replaced) {
      this.configured.clear();
      this.systemNameSet = false;
    }
    return replaced;
  }

  async poll(): Promise<void> {
    const r = await this.lldpcli(['-f', 'json0', 'show', 'neighbors']);
    if (r.code !== 0) return; // lldpd not answering: keep what we have
    const desired = new Map<string, Fields>();
    for (const [port, fields] of lldpEntries(JSON.parse(r.stdout || '{}'))) {
      const old = this.ctx.appl.get(`${TABLE}:${port}`);
      desired.set(port, old && !lldpEntryChanged(old, fields) ? old : fields);
    }
    await this.ctx.appl.sync(TABLE, desired);
  }
}
