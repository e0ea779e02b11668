// `clos bringup --dry-run`: the stages, and per stage what each switch would get, read from the
// switches as they are now. Writes nothing.
import { poolsOf, refusalText } from '../core/adoption/refusals.ts';
import { describeChange } from '../services/apply.ts';
import { planSwitch } from '../services/plan.ts';
import { inPool } from '../services/pool.ts';
import type { FabricSession } from '../services/session.ts';
import type { DryRunSwitch } from '../report/bringup-format.ts';
import { gateChecks } from './gates.ts';
import { isLinkChange, neighborInScope, scopeChanges } from './scope.ts';
import { scopeFor } from './run.ts';
import { planStages, type StageSpec } from './stages.ts';

export async function planBringup(session: FabricSession, racks: readonly string[] | undefined): Promise<{ stages: StageSpec[]; switches: DryRunSwitch[] }> {
  const scope = scopeFor(session, racks);
  const stages = planStages(session.loaded.intents, scope, session.concurrency);
  const names = [...new Set(stages.flatMap((s) => s.waves.flat()))];
  const switches = await inPool(names, session.concurrency, async (name): Promise<DryRunSwitch> => {
    const intent = session.intents.get(name)!;
    let endpoint = '(not connected)';
    try {
      const link = await session.link(name);
      endpoint = link.transport.endpoint;
      const plan = await planSwitch(link, intent, session.desired.get(name)!, await session.state.lastApplied(name), poolsOf(session.loaded.fabric.underlay));
      // A switch clos would refuse is shown as such: the run would stop there before writing.
      if (plan.refusals?.length) return { switch: name, endpoint, error: `REFUSED, nothing would be written: ${plan.refusals.map(refusalText).join('; ')}`, lines: new Map(), left: 0 };
      const { kept, left } = scopeChanges(scope, intent, plan.changes);
      const lines = new Map<string, string[]>();
      const say = (c: (typeof kept)[number]) => `${describeChange(c)}${c.impact !== 'none' ? ` [${c.impact}]` : ''}`;
      for (const st of stages) {
        if (!st.waves.flat().includes(name)) continue;
        if (st.kind === 'links') lines.set(st.id, kept.filter(isLinkChange).map(say));
        else if (st.kind === 'cabling') {
          const lldp = plan.flavour !== 'legacy-vs';
          lines.set(
            st.id,
            intent.neighbors.filter((n) => neighborInScope(scope, intent, n)).map((n) => `${n.localPort} → ${n.peerName} ${n.peerPort}${lldp ? '' : ' (carrier only: no LLDP on legacy-vs)'}`),
          );
        } else {
          const rest = kept.filter((c) => !isLinkChange(c)).map(say);
          if (plan.firstBringUp && rest.length > 0) rest.push('then: routing service restart (first bring-up)');
          if (plan.flavour === 'legacy-vs') rest.push('then: BGP through vtysh (no bgpcfgd)');
          rest.push(`gate: ${gateChecks(st.steps.gate, name, session.intents, scope).length} check(s) within the budget${st.steps.gate === 'sessions' ? ', existing sessions must stay Established' : ''}`);
          lines.set(st.id, rest);
        }
      }
      return { switch: name, endpoint, lines, left: left.length };
    } catch (e) {
      return { switch: name, endpoint, error: (e as Error).message, lines: new Map(), left: 0 };
    }
  });
  return { stages, switches };
}
