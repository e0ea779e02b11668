// portmgrd/portsyncd, intfmgrd and vlanmgrd decisions, pure: CONFIG_DB view + kernel view in,
// commands and table entries out.
import { describe, expect, it } from 'vitest';
import { ConfigSnapshot } from '../../src/lab/agent/db/snapshot.ts';
import { applAddressEntry, applInterfaceEntry, planInterfaces, stateInterfaceEntry } from '../../src/lab/agent/intfmgr/interfaces.ts';
import type { LinkInfo } from '../../src/lab/agent/net/links.ts';
import { applPortEntry, linkSetArgs, portSettings, statePortEntry } from '../../src/lab/agent/portmgr/ports.ts';
import { planVlans } from '../../src/lab/agent/vlanmgr/vlans.ts';

const link = (over: Partial<LinkInfo> = {}): LinkInfo => ({ name: 'Ethernet0', ifindex: 5, up: true, lowerUp: true, mtu: 9100, ...over });

describe('portmgrd / portsyncd', () => {
  it('defaults a PORT to admin down, mtu 9100 (portmgr.cpp)', () => {
    expect(portSettings({})).toEqual({ admin: 'down', mtu: 9100 });
    expect(portSettings({ admin_status: 'up', mtu: '1500' })).toEqual({ admin: 'up', mtu: 1500 });
  });

  it('changes only what differs on the netdev', () => {
    expect(linkSetArgs('Ethernet0', { admin: 'up', mtu: 9100 }, link())).toBeUndefined();
    expect(linkSetArgs('Ethernet0', { admin: 'down', mtu: 9100 }, link())).toEqual(['link', 'set', 'dev', 'Ethernet0', 'down']);
    expect(linkSetArgs('Ethernet0', { admin: 'up', mtu: 1500 }, link({ up: false }))).toEqual(['link', 'set', 'dev', 'Ethernet0', 'mtu', '1500', 'up']);
  });

  it('mirrors the netdev into STATE_DB: IFF_UP → admin_status, carrier → netdev_oper_status', () => {
    expect(statePortEntry(link())).toEqual({ state: 'ok', netdev_oper_status: 'up', admin_status: 'up', mtu: '9100' });
    expect(statePortEntry(link({ lowerUp: false }))).toMatchObject({ netdev_oper_status: 'down', admin_status: 'up' });
  });

  it('writes APPL_DB PORT_TABLE as the config plus oper_status', () => {
    const cfg = { alias: 'fortyGigE0/0', speed: '40000', lanes: '25,26,27,28', description: 'spine1:Ethernet0', admin_status: 'up' };
    expect(applPortEntry(cfg, link())).toEqual({ ...cfg, mtu: '9100', oper_status: 'up' });
    expect(applPortEntry(cfg, link({ lowerUp: false })).oper_status).toBe('down');
    expect(applPortEntry(cfg, undefined).oper_status).toBe('down');
  });
});

describe('intfmgrd', () => {
  const cfg = (tables: Record<string, Record<string, Record<string, string>>>) => ConfigSnapshot.fromJson(tables);
  const all = () => true;

  it('applies an address only while its bare interface exists', () => {
    const withBare = planInterfaces(cfg({ INTERFACE: { Ethernet0: {}, 'Ethernet0|10.0.0.1/31': {} } }), all, new Set());
    expect([...withBare.addresses.keys()]).toEqual(['Ethernet0|10.0.0.1/31']);
    const noBare = planInterfaces(cfg({ INTERFACE: { 'Ethernet0|10.0.0.1/31': {} } }), all, new Set());
    expect(noBare.interfaces.size).toBe(0);
    expect(noBare.addresses.size).toBe(0);
  });

  it('waits for the parent port or VLAN; a loopback is always ready and is its own netdev', () => {
    const p = planInterfaces(
      cfg({
        INTERFACE: { Ethernet0: {}, 'Ethernet0|10.0.0.1/31': {} },
        VLAN_INTERFACE: { Vlan1000: {}, 'Vlan1000|192.168.0.1/26': {} },
        LOOPBACK_INTERFACE: { Loopback0: {}, 'Loopback0|10.1.0.1/32': {} },
      }),
      (n) => n === 'Vlan1000',
      new Set(),
    );
    expect([...p.interfaces.keys()].sort()).toEqual(['Loopback0', 'Vlan1000']);
    expect([...p.addresses.keys()].sort()).toEqual(['Loopback0|10.1.0.1/32', 'Vlan1000|192.168.0.1/26']);
    expect([...p.loopbacks]).toEqual(['Loopback0']);
  });

  it('keeps a created interface whose bare key went while addresses remain', () => {
    const p = planInterfaces(cfg({ INTERFACE: { 'Ethernet0|10.0.0.1/31': {} } }), all, new Set(['Ethernet0']));
    expect([...p.addresses.keys()]).toEqual(['Ethernet0|10.0.0.1/31']);
    const gone = planInterfaces(cfg({}), all, new Set(['Ethernet0']));
    expect(gone.interfaces.size).toBe(0);
  });

  it('writes SONiC’s entries: vrf "" for the interface, scope/family for an address, a zero router MAC', () => {
    expect(stateInterfaceEntry({})).toEqual({ vrf: '' });
    expect(stateInterfaceEntry({ vrf_name: 'Vrf1' })).toEqual({ vrf: 'Vrf1' });
    expect(applInterfaceEntry({})).toEqual({ mac_addr: '00:00:00:00:00:00' });
    expect(applAddressEntry('IPv4')).toEqual({ scope: 'global', family: 'IPv4' });
    const p = planInterfaces(cfg({ LOOPBACK_INTERFACE: { Loopback0: {}, 'Loopback0|FC00:1::32/128': {} } }), all, new Set());
    expect(p.addresses.get('Loopback0|FC00:1::32/128')?.family).toBe('IPv6');
  });
});

describe('vlanmgrd', () => {
  const cfg = ConfigSnapshot.fromJson({
    VLAN: { Vlan1000: { vlanid: '1000' }, Vlan2000: {} },
    VLAN_MEMBER: {
      'Vlan1000|Ethernet8': { tagging_mode: 'untagged' },
      'Vlan1000|Ethernet12': { tagging_mode: 'untagged' },
      'Vlan2000|Ethernet16': { tagging_mode: 'tagged' },
      'Vlan3000|Ethernet20': { tagging_mode: 'untagged' },
    },
  });

  it('takes VLANs by vlanid or name, members whose port exists, never members of unknown VLANs', () => {
    const p = planVlans(cfg, (port) => port !== 'Ethernet12');
    expect([...p.vlans].map(([n, v]) => [n, v.vid])).toEqual([
      ['Vlan1000', 1000],
      ['Vlan2000', 2000],
    ]);
    expect([...p.members.keys()]).toEqual(['Vlan1000|Ethernet8']);
  });

  it('reports tagged members as not emulated instead of applying them untagged', () => {
    expect(planVlans(cfg, () => true).unsupported).toEqual(['Vlan2000|Ethernet16']);
  });
});
