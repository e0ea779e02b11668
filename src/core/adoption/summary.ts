// What plan's adoption section says (docs/adoption.md): the foreign deletes of one switch's
// change set, grouped the way people think of a factory preset (its Loopback0, its port
// addresses, its neighbors, its VLAN), each group with its strongest impact. The changes
// themselves stay in the change set; this only names them.
import { worstImpact, type Change, type Impact } from '../diff/diff.ts';
import { splitKey } from '../diff/flat.ts';
import type { SwitchIntent } from '../model.ts';

export interface AdoptionGroup {
  readonly what: 'loopback' | 'port-addresses' | 'port-interfaces' | 'bgp-neighbors' | 'vlan-members' | 'vlans' | 'neighbor-descriptions';
  /** For people: "Loopback0 10.1.0.1/32", "32 port addresses (2 on ports the fabric uses)". */
  readonly text: string;
  readonly keys: readonly string[];
  readonly impact: Impact;
}

const parts = (full: string) => {
  const { table, key } = splitKey(full);
  const { table: first, key: rest } = splitKey(key);
  return { table, first, rest };
};

function groupOf(table: string, rest: string): AdoptionGroup['what'] {
  if (table === 'LOOPBACK_INTERFACE') return 'loopback';
  if (table === 'INTERFACE') return rest ? 'port-addresses' : 'port-interfaces';
  if (table === 'BGP_NEIGHBOR') return 'bgp-neighbors';
  if (table === 'VLAN_MEMBER') return 'vlan-members';
  if (table === 'VLAN' || table === 'VLAN_INTERFACE') return 'vlans';
  return 'neighbor-descriptions';
}

export function adoptionGroups(changes: readonly Change[], intent: Pick<SwitchIntent, 'neighbors' | 'ports'>): AdoptionGroup[] {
  const foreign = changes.filter((c) => c.foreign);
  const uplinks = new Set(intent.neighbors.map((n) => n.localPort));
  const used = new Set(intent.ports.map((p) => p.def.name));
  const byGroup = new Map<AdoptionGroup['what'], Change[]>();
  for (const c of foreign) {
    const { table, rest } = parts(c.key);
    const g = groupOf(table, rest);
    const same = byGroup.get(g);
    if (same) same.push(c);
    else byGroup.set(g, [c]);
  }
  const ports = (cs: readonly Change[]) => cs.map((c) => parts(c.key)).map((p) => (p.table === 'VLAN_MEMBER' ? p.rest : p.first));
  const onFabric = (cs: readonly Change[]) => {
    const n = ports(cs).filter((p) => used.has(p)).length;
    return n ? ` (${n} on ports the fabric uses)` : '';
  };
  const text = (g: AdoptionGroup['what'], cs: readonly Change[]): string => {
    const n = cs.length;
    switch (g) {
      case 'loopback':
        return cs.map((c) => `Loopback0 ${parts(c.key).rest || '(interface)'}`).join(', ');
      case 'port-addresses':
        return `${n} port address${n === 1 ? '' : 'es'}${onFabric(cs)}`;
      case 'port-interfaces':
        return `${n} routed port interface${n === 1 ? '' : 's'} of ports the fabric does not use`;
      case 'bgp-neighbors':
        return `${n} BGP neighbor${n === 1 ? '' : 's'}`;
      case 'vlan-members': {
        const vlans = [...new Set(cs.map((c) => parts(c.key).first))];
        const up = ports(cs).filter((p) => uplinks.has(p));
        return `${vlans.join(', ')} membership of ${n} port${n === 1 ? '' : 's'}${up.length ? ` (the fabric links ${up.join(', ')} among them)` : ''}`;
      }
      case 'vlans':
        return [...new Set(cs.map((c) => parts(c.key).first))].join(', ') + ' (not declared for this switch)';
      default:
        return `${n} cabling description${n === 1 ? '' : 's'} the fabric file does not declare`;
    }
  };
  const order: AdoptionGroup['what'][] = ['loopback', 'port-addresses', 'port-interfaces', 'bgp-neighbors', 'vlan-members', 'vlans', 'neighbor-descriptions'];
  return order.filter((g) => byGroup.has(g)).map((g) => {
    const cs = byGroup.get(g)!;
    return { what: g, text: text(g, cs), keys: cs.map((c) => c.key), impact: worstImpact(cs) };
  });
}
