import { describe, expect, it } from 'vitest';
import { applyFabric } from '../../src/services/apply.ts';
import { hasWork, planFabric } from '../../src/services/plan.ts';
import { rollbackFabric } from '../../src/services/rollback.ts';
import { memoryFabric } from '../support/memory-fabric.ts';

describe('plan → apply → plan on in-memory switches', () => {
  it('plans the full configuration, applies it, restarts bgp on first bring-up, then finds nothing to do', async () => {
    const { session, switches } = await memoryFabric();
    const plans = await planFabric(session);
    expect(plans.every((p) => p.firstBringUp && p.changes.length > 0)).toBe(true);
    const leaf1 = plans.find((p) => p.switch === 'leaf1')!;
    expect(leaf1.changes.at(-1)!.key).toMatch(/^BGP_NEIGHBOR\|/);
    const outcomes = await applyFabric(session, plans);
    expect(outcomes.map((o) => o.status)).toEqual(Array(6).fill('applied'));
    expect(outcomes.every((o) => o.restarted)).toBe(true);
    expect(switches.get('leaf1')!.commands).toContainEqual(['systemctl', 'restart', 'bgp']);
    const cfg = switches.get('leaf1')!.transport.dbs.CONFIG_DB;
    expect(cfg.get('DEVICE_METADATA|localhost')).toMatchObject({ mac: '52:54:00:00:00:01', bgp_asn: '65101', type: 'ToRRouter' });
    expect(cfg.get('PORT|Ethernet0')).toMatchObject({ admin_status: 'up', description: 'servers:Vlan1000' });
    expect(cfg.get('PORT|Ethernet100')).toMatchObject({ admin_status: 'down' }); // uncabled ports untouched
    const again = await planFabric(session);
    expect(again.filter(hasWork)).toEqual([]);
  });

  it('a switch that rejects the write fails cleanly with switch and endpoint; the others apply', async () => {
    const { session, switches } = await memoryFabric();
    switches.get('leaf2')!.transport.failNextApply = 'READONLY You can\'t write against a read only replica.';
    const before = new Map(switches.get('leaf2')!.transport.dbs.CONFIG_DB);
    const outcomes = await applyFabric(session, await planFabric(session));
    const leaf2 = outcomes.find((o) => o.switch === 'leaf2')!;
    expect(leaf2.status).toBe('failed');
    expect(leaf2.error!.message).toBe("leaf2 (memory:leaf2): READONLY You can't write against a read only replica.");
    expect(switches.get('leaf2')!.transport.dbs.CONFIG_DB).toEqual(before);
    expect(outcomes.filter((o) => o.status === 'applied')).toHaveLength(5);
  });

  it('an unreachable switch is reported and the others go on', async () => {
    const { session, switches } = await memoryFabric();
    switches.get('spine2')!.transport.reachable = false;
    const outcomes = await applyFabric(session, await planFabric(session));
    expect(outcomes.find((o) => o.switch === 'spine2')).toMatchObject({ status: 'failed', error: { code: 'UNREACHABLE' } });
    expect(outcomes.filter((o) => o.status === 'applied')).toHaveLength(5);
  });

  it('rollback restores each switch exactly to its checkpoint', async () => {
    const { session, switches } = await memoryFabric();
    const factory = new Map([...switches].map(([n, s]) => [n, new Map(s.transport.dbs.CONFIG_DB)]));
    await applyFabric(session, await planFabric(session));
    const restored = await rollbackFabric(session, { switch: 'leaf3' });
    expect(restored).toMatchObject([{ switch: 'leaf3', status: 'restored', restarted: true }]);
    expect(switches.get('leaf3')!.transport.dbs.CONFIG_DB).toEqual(factory.get('leaf3'));
    expect(switches.get('leaf4')!.transport.dbs.CONFIG_DB).not.toEqual(factory.get('leaf4'));
  });

  it('a switch without bgpcfgd (legacy-vs) gets its BGP through vtysh, and no restart', async () => {
    const { session, switches } = await memoryFabric({ flavour: 'legacy-vs' });
    const plans = await planFabric(session);
    expect(plans.every((p) => p.flavour === 'legacy-vs' && p.frr?.pending)).toBe(true);
    const outcomes = await applyFabric(session, plans);
    expect(outcomes.every((o) => o.status === 'applied' && o.frrConfigured && !o.restarted)).toBe(true);
    const cmds = switches.get('leaf1')!.commands.find((c) => c[2] === 'configure terminal')!;
    expect(cmds).toContain('router bgp 65101');
    expect(cmds).toContain('neighbor 10.1.0.0 remote-as 65100');
    expect((await planFabric(session)).filter(hasWork)).toEqual([]);
  });

  it('without a flavour hint, a switch whose bgpcfgd never consumes the neighbors falls back to vtysh', async () => {
    const { session } = await memoryFabric({ hint: false });
    const plans = await planFabric(session);
    expect(plans[0]!.flavourSource).toBe('default');
    const outcomes = await applyFabric(session, plans.slice(0, 1), { consumeBudgetMs: 200 });
    expect(outcomes[0]).toMatchObject({ status: 'applied', flavour: 'legacy-vs', frrConfigured: true });
    expect(outcomes[0]!.notes[0]).toContain('bgpcfgd did not consume BGP_NEIGHBOR');
  });
});
