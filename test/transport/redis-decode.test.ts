// What a read's reply becomes: parsed straight into key → fields (shape 'tables'), entries
// sorted by key whatever order they arrive in (the read script sorts them; the server's
// collation may not be ours), in the order given when sorted already, the NULL:NULL filler
// dropped; and the same strings as a plain parse, in any chunking.
import { describe, expect, it } from 'vitest';
import { decodeEntries, READ_SHAPE } from '../../src/transport/redis.ts';
import { RespReader, type Entries, type Reply, type ReplyShape } from '../../src/transport/resp.ts';

type Read = (string | string[])[];
const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
const wire = (reads: readonly Read[]) =>
  Buffer.from(`*${reads.length}\r\n${reads.map((r) => `*${r.length}\r\n${r.map((x) => (Array.isArray(x) ? `*${x.length}\r\n${x.map(bulk).join('')}` : bulk(x))).join('')}`).join('')}`);

function parse(bytes: Buffer, size: number, shape: ReplyShape | undefined): Reply {
  const r = new RespReader();
  let out: Reply | undefined;
  for (let i = 0; out === undefined && i < bytes.length; i += size) {
    r.feed(bytes.subarray(i, i + size));
    out = r.next(shape);
  }
  return out!;
}
const decoded = (reads: readonly Read[], size = 1 << 20) => (parse(wire(reads), size, READ_SHAPE[0]) as Entries[]).map((m) => [...decodeEntries(m)]);

describe('a read reply', () => {
  it('keeps a field named __proto__ as a field (a hash is data, not an object’s prototype)', () => {
    const [[[key, fields]]] = decoded([['A|1', ['__proto__', 'x', 'NULL', 'NULL']]]) as [[[string, Record<string, string>]]];
    expect(key).toBe('A|1');
    expect(Object.keys(fields)).toEqual(['__proto__']);
    expect(fields.__proto__).toBe('x');
  });
  it('keeps a sorted reply in its order, the filler entry dropped', () => {
    expect(decoded([['A|1', ['x', '1', 'y', '2'], 'A|2', ['NULL', 'NULL'], 'B|1', ['z', 'é', 'NULL', 'NULL']], []])).toEqual([
      [
        ['A|1', { x: '1', y: '2' }],
        ['A|2', {}],
        ['B|1', { z: 'é' }],
      ],
      [],
    ]);
  });

  it('sorts a reply that is not sorted (JavaScript string order)', () => {
    const [m] = decoded([['PORT|Ethernet4', ['mtu', '9100'], 'PORTCHANNEL|PortChannel1', ['NULL', 'NULL'], 'PORT|Ethernet0', ['mtu', '1500'], 'ÉTAT|1', ['a', 'b']]]);
    expect(m!.map(([k]) => k)).toEqual(['PORTCHANNEL|PortChannel1', 'PORT|Ethernet0', 'PORT|Ethernet4', 'ÉTAT|1']);
    expect(m![1]).toEqual(['PORT|Ethernet0', { mtu: '1500' }]);
  });

  it('holds what a plain parse holds, equal values repeated or not, in any chunking', () => {
    const routes: Read = [];
    for (let i = 0; i < 300; i++) routes.push(`ROUTE_TABLE:10.0.${i >> 8}.${i & 255}`, ['nexthop', i % 7 ? '10.64.0.1,10.64.0.3' : `10.64.1.${i}`, 'ifname', i % 5 ? 'Ethernet0,Ethernet4' : 'Ethernet8', 'protocol', 'bgp', ...(i % 11 ? [] : ['weight', 'é'])]);
    const plain = parse(wire([routes]), 1 << 20, undefined) as string[][][];
    const want = new Map<string, Record<string, string>>();
    for (let i = 0; i < routes.length; i += 2) {
      const kv = plain[0]![i + 1] as unknown as string[];
      want.set(routes[i] as string, Object.fromEntries(Array.from({ length: kv.length / 2 }, (_, j) => [kv[2 * j]!, kv[2 * j + 1]!])));
    }
    const sorted = [...want].sort(([a], [b]) => (a < b ? -1 : 1));
    for (const size of [7, 100, 4096]) expect(decoded([routes], size)).toEqual([sorted]);
  });

  it('is refused when it is not shaped as one', () => {
    expect(() => parse(Buffer.from('*1\r\n*2\r\n$1\r\nA\r\n$1\r\nx\r\n'), 64, 'tables')).toThrow(/a key without its hash/);
    expect(() => parse(Buffer.from('*1\r\n*2\r\n:1\r\n*0\r\n'), 64, 'tables')).toThrow(/a key that is not a string/);
  });
});
