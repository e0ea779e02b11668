// End to end with a legacy-vs switch in the fabric (`flavour: legacy-vs` on leaf4: no bgpcfgd,
// bgpmon or lldp, like docker-sonic-vs release images): plan says BGP goes through vtysh,
// apply configures FRR through the exec channel, verify reads its sessions from
// `show bgp summary json`, and the fabric converges as a whole. Fabric t-e2e-legacy, redis on
// 127.0.1.160/28.
import { describe, expect, it } from 'vitest';
import { labExec } from '../../src/lab/exec.ts';
import { formatApply } from '../../src/report/plan-format.ts';
import type { ApplyOutcome } from '../../src/services/apply.ts';
import { runCli } from '../support/cli.ts';
import { e2eLab, failingChecks, labSwitch, liveNextHops, ping, redisOf, STATE_DB, stopwatch, type ApplyJson, type PlanJson } from './helpers.ts';

const FABRIC = 't-e2e-legacy';
const ADDRESSES = '127.0.1.160/28';
const LEGACY = 'leaf4';
const lab = e2eLab(FABRIC, ADDRESSES, {
  edit: (t) => t.replace('leaves: [leaf3, leaf4]', `leaves: [leaf3, {name: ${LEGACY}, flavour: legacy-vs}]`),
  what: `2×4 (${LEGACY} legacy-vs)`,
});
const { loopback, timings } = lab;

const peersOf = (sw: string) => lab.fabric.intents.find((s) => s.name === sw)!.neighbors.map((n) => n.peerIp).sort();

async function frrSummary(sw: string): Promise<{ ipv4Unicast?: { as?: number; peers?: Record<string, { state: string; remoteAs: number; pfxRcd?: number }> } }> {
  const r = await labExec(FABRIC, sw, ['vtysh', '-c', 'show bgp summary json'], { stdio: 'pipe' });
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout || '{}');
}

describe(`a fabric with a legacy-vs leaf (${LEGACY})`, () => {
  it('plan says its BGP goes through vtysh, with the peers FRR lacks', async () => {
    const json = await runCli('plan', lab.file, '--json');
    expect(json.code).toBe(10);
    const plan = JSON.parse(json.stdout) as PlanJson;
    for (const p of plan.switches) expect([p.switch, p.flavour, p.error]).toEqual([p.switch, p.switch === LEGACY ? 'legacy-vs' : 'sonic', null]);
    const legacy = plan.switches.find((p) => p.switch === LEGACY)!;
    expect(legacy.frr?.pending).toBe(true);
    expect([...legacy.frr!.missing].sort()).toEqual(peersOf(LEGACY));
    expect(legacy.frr!.lines).toContain(`router bgp ${lab.fabric.allocation.switches.get(LEGACY)!.asn}`);
    expect(legacy.changes.length).toBeGreaterThan(0); // CONFIG_DB is written all the same
    const table = await runCli('plan', lab.file);
    expect(table.stdout).toMatch(new RegExp(`^${LEGACY} \\(redis unix:\\S+\\) \\[no bgpcfgd: BGP through vtysh, inventory\\]: \\d+ change\\(s\\).*; vtysh: \\d+ lines \\(missing peers: `, 'm'));
    // No routing-service restart is promised where apply configures FRR through vtysh instead.
    expect(table.stdout.match(/first bring-up: routing service restart after the write/g)).toHaveLength(5);
    expect(table.stdout).not.toMatch(new RegExp(`^${LEGACY} .*routing service restart`, 'm'));
  });

  it('apply writes every switch and reports FRR configured through vtysh on the legacy-vs one', async () => {
    const t = stopwatch();
    const r = await runCli('apply', lab.file, '--yes', '--json');
    expect(r.code).toBe(0);
    const { outcomes } = JSON.parse(r.stdout) as ApplyJson;
    expect(outcomes.map((o) => [o.switch, o.status, o.flavour, o.restarted, o.frrConfigured])).toEqual(
      lab.fabric.intents.map((s) => (s.name === LEGACY ? [s.name, 'applied', 'legacy-vs', false, true] : [s.name, 'applied', 'sonic', true, false])),
    );
    timings.push(`apply: ${t()}`);
    // The table an operator reads says so too.
    expect(formatApply(outcomes as unknown as ApplyOutcome[])).toMatch(new RegExp(`^${LEGACY} +applied +\\d+ +FRR via vtysh, config saved `, 'm'));
  });

  it('verify passes, reading the legacy-vs switch\'s sessions from show bgp summary json', async () => {
    const t = stopwatch();
    const r = await runCli('verify', lab.file, '--timeout', '60s', '--format', 'json');
    const report = JSON.parse(r.stdout) as Parameters<typeof failingChecks>[0] & { converged: boolean; summary: { timeToConvergeMs: number } };
    expect(failingChecks(report)).toEqual([]);
    expect(r.code).toBe(0);
    const legacy = report.switches.find((s) => s.name === LEGACY)! as unknown as { checks: { id: string; kind: string; db: string; pass: boolean }[] };
    const sessions = legacy.checks.filter((c) => c.kind === 'bgp-session');
    expect(sessions).toHaveLength(2);
    expect(sessions.every((c) => c.db === 'FRR' && c.pass)).toBe(true);
    expect(legacy.checks.some((c) => c.kind === 'lldp' || c.kind === 'bgp-consumed')).toBe(false);
    timings.push(`verify: converged after ${report.summary.timeToConvergeMs} ms (command ${t()})`);
  }, 70_000);

  it('FRR has the sessions bgpcfgd would have made; no bgpcfgd or bgpmon wrote STATE_DB for it', async () => {
    const summary = await frrSummary(LEGACY);
    expect(summary.ipv4Unicast?.as).toBe(lab.fabric.allocation.switches.get(LEGACY)!.asn);
    const peers = summary.ipv4Unicast?.peers ?? {};
    expect(Object.keys(peers).sort()).toEqual(peersOf(LEGACY));
    for (const p of Object.values(peers)) expect(p.state).toBe('Established');
    const state = redisOf(labSwitch(FABRIC, LEGACY), STATE_DB);
    try {
      await state.connect();
      expect(await state.keys('BGP_PEER_CONFIGURED_TABLE|*')).toEqual([]);
      expect(await state.keys('NEIGH_STATE_TABLE|*')).toEqual([]);
    } finally {
      state.disconnect();
    }
  });

  it('its loopback is reached from leaf1 over both spines, and it reaches leaf1\'s', async () => {
    const l1 = labSwitch(FABRIC, 'leaf1').namespace;
    const l4 = labSwitch(FABRIC, LEGACY).namespace;
    expect(liveNextHops(l1, loopback(LEGACY))).toHaveLength(2);
    expect(liveNextHops(l4, loopback('leaf1'))).toHaveLength(2);
    expect(ping(l1, loopback('leaf1'), loopback(LEGACY), 3)).toBe(true);
    expect(ping(l4, loopback(LEGACY), loopback('leaf1'), 3)).toBe(true);
  });

  it('plan then shows nothing to do, FRR included (exit 0)', async () => {
    const r = await runCli('plan', lab.file, '--json');
    const plan = JSON.parse(r.stdout) as PlanJson;
    expect(plan.switches.flatMap((p) => [...p.changes.map((c) => `${p.switch}: ${c.key}`), ...(p.frr?.pending ? [`${p.switch}: FRR pending`] : [])])).toEqual([]);
    expect(r.code).toBe(0);
  });
});
