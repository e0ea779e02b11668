// What a read's reply becomes: entries sorted by key whatever order they arrive in (the read
// script sorts them; the server's collation may not be ours), in the order given when sorted
// already, the NULL:NULL filler dropped.
import { describe, expect, it } from 'vitest';
import { decodeEntries } from '../../src/transport/redis.ts';

describe('decodeEntries', () => {
  it('keeps a sorted reply in its order, the filler entry dropped', () => {
    const m = decodeEntries(['A|1', ['x', '1', 'y', '2'], 'A|2', ['NULL', 'NULL'], 'B|1', ['z', 'é']]);
    expect([...m]).toEqual([
      ['A|1', { x: '1', y: '2' }],
      ['A|2', {}],
      ['B|1', { z: 'é' }],
    ]);
  });

  it('sorts a reply that is not sorted (JavaScript string order)', () => {
    const m = decodeEntries(['PORT|Ethernet4', ['mtu', '9100'], 'PORTCHANNEL|PortChannel1', [], 'PORT|Ethernet0', ['mtu', '1500'], 'ÉTAT|1', ['a', 'b']]);
    expect([...m.keys()]).toEqual(['PORTCHANNEL|PortChannel1', 'PORT|Ethernet0', 'PORT|Ethernet4', 'ÉTAT|1']);
    expect(m.get('PORT|Ethernet0')).toEqual({ mtu: '1500' });
  });
});
