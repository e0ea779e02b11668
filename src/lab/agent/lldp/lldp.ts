// lldpmgrd + lldp_syncd adapter (flavour `sonic` only). lldpmgrd: configure lldpd so each port
// advertises its PORT alias and description, whenever they change or the netdev appears.
// lldp_syncd: poll `lldpcli -f json0 show neighbors` (real lldp_syncd: every 10 s) into APPL_DB
// LLDP_ENTRY_TABLE, removing entries whose neighbour is gone.
import type { Fields } from '../db/keys.ts';
import type { SwitchContext } from '../context.ts';
import { isAlive, readRecords } from '../../processes.ts';
import { run } from '../exec.ts';
import { configuredPorts } from '../portmgr/ports.ts';
import { portArgs, portTakes, systemNameArgs } from './commands.ts';
import { lldpEntries, lldpEntryChanged, localPorts } from './parse.ts';

const TABLE = 'LLDP_ENTRY_TABLE';
/** After ports are configured: when lldpd is asked whether it took the settings. */
export const RECHECK_MS = 2_000;
/** Sends of one setting to a port that is up before lldpmgrd gives up on it, logged (SONiC's
 *  lldpmgrd gives up on a failing command after a few retries too). */
export const MAX_SENDS = 15;
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
    this.confirmSoon(pending.filter((p) => this.configured.get(p.port) === p.id));
  }

  /** Settings sent to ports that are up, not yet seen in lldpd's own view of its ports. lldpcli
   *  answers 0 for a port lldpd has not taken in yet (it takes a netdev in as it comes up, in
   *  its own time): the setting then goes nowhere, and the port keeps its MAC as port id. So
   *  RECHECK_MS after a send lldpd is asked (`show interfaces`), and a setting it does not show
   *  is sent again, until it does (at most MAX_SENDS times). */
  private readonly unconfirmed = new Map<string, { id: string; args: readonly string[]; sends: number }>();
  private confirming = false;

  private confirmSoon(done: readonly { port: string; args: readonly string[]; id: string }[]): void {
    const links = this.ctx.links();
    for (const p of done) {
      const link = links.get(p.port);
      // A port that is down is configured again when it comes up (its state is in the id).
      if (!link?.up || !link.lowerUp) continue;
      const before = this.unconfirmed.get(p.port);
      this.unconfirmed.set(p.port, { id: p.id, args: p.args, sends: (before?.id === p.id ? before.sends : 0) + 1 });
    }
    if (this.confirming || this.unconfirmed.size === 0) return;
    this.confirming = true;
    setTimeout(() => void this.confirm(), RECHECK_MS).unref();
  }

  private async confirm(): Promise<void> {
    const r = await this.lldpcli(['-f', 'json0', 'show', 'interfaces']);
    this.confirming = false;
    let seen: ReturnType<typeof localPorts> | undefined;
    try {
      seen = r.code === 0 ? localPorts(JSON.parse(r.stdout || '{}')) : undefined;
    } catch {
      seen = undefined;
    }
    let resend = false;
    for (const [port, u] of this.unconfirmed) {
      // Superseded by a newer setting (or state), confirmed on its own.
      if (this.configured.get(port) !== u.id) this.unconfirmed.delete(port);
      else if (seen && portTakes(seen.get(port), u.args)) this.unconfirmed.delete(port);
      else if (u.sends >= MAX_SENDS) {
        this.ctx.log.error({ port, args: u.args }, `lldpmgrd: lldpd did not take the port's settings after ${u.sends} sends`);
        this.unconfirmed.delete(port);
      } else {
        this.configured.delete(port); // the next reconcile sends it again
        resend = true;
      }
    }
    // Every port left is sent again: its send asks for the next check.
    if (resend) this.recheck();
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
