// The address and ASN plans: every address clos puts on a switch, every ASN it gives one.
import type { SwitchIntent } from '../core/model.ts';
import { csv } from './csv.ts';
import type { Handbook } from './handbook.ts';

export const IP_PLAN_COLUMNS = ['switch', 'interface', 'address', 'role', 'peer'] as const;
export const ASN_PLAN_COLUMNS = ['switch', 'role', 'rack', 'asn'] as const;

export function ipPlanCsv(h: Handbook): string {
  return csv(IP_PLAN_COLUMNS, h.addresses.map((a) => [a.switch, a.interface, a.address, a.role, a.peer]));
}

/** The switches whose ASN the plan lists: every switch, or under --racks only the new leaves
 *  (the spines' shared ASN is not new). */
export function asnSwitches(h: Handbook): SwitchIntent[] {
  return [...(h.scope ? [] : h.spines), ...h.racks.flatMap((r) => r.leaves)];
}

export function asnPlanCsv(h: Handbook): string {
  return csv(ASN_PLAN_COLUMNS, asnSwitches(h).map((s) => [s.name, s.role, s.rack ?? '', s.asn]));
}
