// lldpmgrd's decisions, lldpcli recorded instead of run: a port's settings (port id = its PORT
// alias) are sent once, sent again when the netdev's admin or carrier state changes (lldpd takes
// a port in as it comes up: a setting sent before that is lost, and the port keeps its MAC as
// port id), and, for a port that is up, checked RECHECK_MS after each send against what lldpd
// says it advertises: sent again while lldpd does not show it, no more once it does. The real
// lldpd is in the lab tests (agent-fabric, e2e factory-t1, e2e drift's swapped cables).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SwitchContext } from '../../src/lab/agent/context.ts';
import { ConfigSnapshot } from '../../src/lab/agent/db/snapshot.ts';
import type { LinkInfo } from '../../src/lab/agent/net/links.ts';

const sent = vi.hoisted(() => [] as string[]);
/** What lldpd says it advertises per port (`show interfaces`): port id type and value, description. */
const advertised = vi.hoisted(() => new Map<string, { type: string; value: string; descr?: string }>());
const shown = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../src/lab/agent/exec.ts', () => ({
  run: async (_cmd: string, args: readonly string[], opts: { input?: string } = {}) => {
    if (args.includes('show') && args.includes('interfaces')) {
      shown.count++;
      const interfaces = [...advertised].map(([name, p]) => ({ name, port: [{ id: [{ type: p.type, value: p.value }], ...(p.descr ? { descr: [{ value: p.descr }] } : {}) }] }));
      return { code: 0, stdout: JSON.stringify({ lldp: [{ interface: interfaces }] }), stderr: '' };
    }
    // One invocation: its command words, or the commands it was given on stdin.
    for (const line of (opts.input ?? args.slice(2).join(' ')).split('\n')) if (line.trim()) sent.push(line.replaceAll('"', ''));
    return { code: 0, stdout: '', stderr: '' };
  },
}));
const { Lldp, MAX_SENDS, RECHECK_MS } = await import('../../src/lab/agent/lldp/lldp.ts');

const errors: string[] = [];
const quiet = { error: (_o: unknown, msg: string) => errors.push(msg), warn() {}, info() {}, debug() {} };
let links: Map<string, LinkInfo>;
const link = (name: string, over: Partial<LinkInfo> = {}): LinkInfo => ({ name, ifindex: 7, up: false, lowerUp: false, mtu: 9100, ...over });
const portsSent = () => sent.filter((l) => l.startsWith('configure ports'));

function lldpmgrd(recheck = () => {}) {
  const ctx = {
    rt: { name: 'spine1' },
    log: quiet,
    cfg: ConfigSnapshot.fromJson({ PORT: { Ethernet16: { alias: 'fortyGigE0/16', description: 'leaf5:Ethernet120' } } }),
    links: () => links,
  } as unknown as SwitchContext;
  return new Lldp(ctx, '/nonexistent/lldpd.sock', recheck);
}

describe('lldpmgrd', () => {
  beforeEach(() => {
    sent.length = 0;
    errors.length = 0;
    advertised.clear();
    shown.count = 0;
    links = new Map([['Ethernet16', link('Ethernet16')]]);
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('sends a port its settings once while nothing changes', async () => {
    const l = lldpmgrd();
    await l.reconcile();
    await l.reconcile();
    expect(portsSent()).toEqual(['configure ports Ethernet16 lldp portidsubtype local fortyGigE0/16 description leaf5:Ethernet120']);
    expect(sent).toContain('configure system hostname spine1');
  });

  it('sends them again when the port comes up, and when its carrier does', async () => {
    const l = lldpmgrd();
    await l.reconcile();
    links.set('Ethernet16', link('Ethernet16', { up: true }));
    await l.reconcile();
    links.set('Ethernet16', link('Ethernet16', { up: true, lowerUp: true }));
    await l.reconcile();
    await l.reconcile();
    expect(portsSent()).toHaveLength(3);
  });

  it('asks lldpd RECHECK_MS after a send to a port that is up; sends again while it shows the MAC, no more once it shows the alias', async () => {
    links.set('Ethernet16', link('Ethernet16', { up: true, lowerUp: true }));
    advertised.set('Ethernet16', { type: 'mac', value: 'b6:17:9f:99:17:e5' });
    const l = lldpmgrd(() => void l.reconcile()); // the agent runs reconcile when asked
    await l.reconcile();
    expect(portsSent()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(RECHECK_MS - 1);
    expect(shown.count).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(shown.count).toBe(1);
    expect(portsSent()).toHaveLength(2); // lldpd had not taken the port in: sent again
    await vi.advanceTimersByTimeAsync(RECHECK_MS);
    expect(portsSent()).toHaveLength(3);
    // lldpd took it: checked once more, then never again.
    advertised.set('Ethernet16', { type: 'local', value: 'fortyGigE0/16', descr: 'leaf5:Ethernet120' });
    await vi.advanceTimersByTimeAsync(RECHECK_MS);
    expect(shown.count).toBe(3);
    await vi.advanceTimersByTimeAsync(10 * RECHECK_MS);
    await l.reconcile();
    expect(portsSent()).toHaveLength(3);
    expect(shown.count).toBe(3);
  });

  it('a description lldpd does not show is not taken either', async () => {
    links.set('Ethernet16', link('Ethernet16', { up: true, lowerUp: true }));
    advertised.set('Ethernet16', { type: 'local', value: 'fortyGigE0/16' });
    const l = lldpmgrd(() => void l.reconcile());
    await l.reconcile();
    await vi.advanceTimersByTimeAsync(RECHECK_MS);
    expect(portsSent()).toHaveLength(2);
  });

  it('does not ask about a port that is down (it is sent again when it comes up)', async () => {
    const l = lldpmgrd(() => void l.reconcile());
    await l.reconcile();
    await vi.advanceTimersByTimeAsync(10 * RECHECK_MS);
    expect(shown.count).toBe(0);
    expect(portsSent()).toHaveLength(1);
  });

  it('gives up after MAX_SENDS sends, saying so', async () => {
    links.set('Ethernet16', link('Ethernet16', { up: true, lowerUp: true }));
    const l = lldpmgrd(() => void l.reconcile()); // lldpd never lists the port
    await l.reconcile();
    await vi.advanceTimersByTimeAsync((MAX_SENDS + 5) * RECHECK_MS);
    expect(portsSent()).toHaveLength(MAX_SENDS);
    expect(errors).toEqual([`lldpmgrd: lldpd did not take the port's settings after ${MAX_SENDS} sends`]);
  });
});
