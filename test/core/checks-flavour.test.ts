// Checks depend on what each switch runs: a legacy-vs switch (no bgpcfgd, bgpmon, lldp — like
// docker-sonic-vs release images) is read through FRR, and advertises no LLDP to its peers.
import { describe, expect, it } from 'vitest';
import { buildChecks } from '../../src/core/checks/checks.ts';
import { compileDc1 } from '../support/dc1.ts';

const compiled = compileDc1();

describe('buildChecks with a legacy-vs switch', () => {
  const checks = buildChecks(compiled.intents, { flavourOf: (s) => (s.name === 'leaf4' ? 'legacy-vs' : 'sonic') });
  const lldp = (sw: string) => checks.filter((c) => c.switch === sw && c.kind === 'lldp').map((c) => c.id);

  it('expects no LLDP neighbour from it on the spines, and still every other one', () => {
    for (const spine of ['spine1', 'spine2']) {
      expect(lldp(spine).some((id) => id.includes('leaf4'))).toBe(false);
      expect(lldp(spine)).toHaveLength(3);
    }
  });

  it('reads its sessions from FRR, with no LLDP or bgpcfgd checks of its own', () => {
    const own = checks.filter((c) => c.switch === 'leaf4');
    expect(own.filter((c) => c.kind === 'bgp-session').every((c) => c.db === 'FRR')).toBe(true);
    expect(own.some((c) => c.kind === 'lldp' || c.kind === 'bgp-consumed')).toBe(false);
  });

  it('all sonic: every spine expects LLDP from every leaf', () => {
    const all = buildChecks(compiled.intents);
    expect(all.filter((c) => c.switch === 'spine1' && c.kind === 'lldp')).toHaveLength(4);
  });
});
