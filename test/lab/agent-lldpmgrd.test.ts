// lldpmgrd's decisions, lldpcli recorded instead of run: a port's settings (port id = its PORT
// alias) are sent once, sent again when the netdev's admin or carrier state changes (lldpd takes
// a port in as it comes up: a setting sent before that is lost, and the port keeps its MAC as
// port id), and once more RECHECK_MS after each send — once, not in a loop. The real lldpd is in
// the lab tests (agent-fabric, e2e factory-t1).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SwitchContext } from '../../src/lab/agent/context.ts';
import { ConfigSnapshot } from '../../src/lab/agent/db/snapshot.ts';
import type { LinkInfo } from '../../src/lab/agent/net/links.ts';

const sent = vi.hoisted(() => [] as string[]);
vi.mock('../../src/lab/agent/exec.ts', () => ({
  run: async (_cmd: string, args: readonly string[], opts: { input?: string } = {}) => {
    // One invocation: its command words, or the commands it was given on stdin.
    for (const line of (opts.input ?? args.slice(2).join(' ')).split('\n')) if (line.trim()) sent.push(line.replaceAll('"', ''));
    return { code: 0, stdout: '', stderr: '' };
  },
}));
const { Lldp, RECHECK_MS } = await import('../../src/lab/agent/lldp/lldp.ts');

const quiet = { error() {}, warn() {}, info() {}, debug() {} };
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

  it('sends them once more RECHECK_MS later, and not again after that', async () => {
    const asked: number[] = [];
    const l = lldpmgrd(() => asked.push(Date.now()));
    await l.reconcile();
    await vi.advanceTimersByTimeAsync(RECHECK_MS - 1);
    expect(asked).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(asked).toHaveLength(1);
    await l.reconcile(); // what the agent does when asked
    expect(portsSent()).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(10 * RECHECK_MS);
    expect(asked).toHaveLength(1);
    await l.reconcile();
    expect(portsSent()).toHaveLength(2);
  });
});
