// What a read's two transactions' replies become: the keys listed (in whatever order the server
// lists them) sorted per read, then each key's hash parsed straight into an object (shape
// 'hashes'), a key gone since it was listed or not a hash left out, the NULL:NULL filler dropped;
// and the same strings as a plain parse, in any chunking.
import { describe, expect, it } from 'vitest';
import { expectCommands, listCommands, listedKeys, mergeEntries, readEntries, readScope, unexpectedKeys, valueCommands } from '../../src/transport/redis.ts';
import { RespError, RespReader, type Reply, type ReplyShape } from '../../src/transport/resp.ts';

const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
const list = (xs: readonly string[]) => `*${xs.length}\r\n${xs.map(bulk).join('')}`;
/** An EXEC reply: OK, lists, hashes (null: an empty HGETALL), errors. */
const exec = (items: readonly ('OK' | readonly string[] | Error | null)[]) =>
  Buffer.from(`*${items.length}\r\n${items.map((x) => (x === 'OK' ? '+OK\r\n' : x === null ? '*0\r\n' : x instanceof Error ? `-${x.message}\r\n` : list(x))).join('')}`);

function parse(bytes: Buffer, size: number, shape: ReplyShape | undefined): Reply {
  const r = new RespReader();
  let out: Reply | undefined;
  for (let i = 0; out === undefined && i < bytes.length; i += size) {
    r.feed(bytes.subarray(i, i + size));
    out = r.next(shape);
  }
  return out!;
}

describe('a read', () => {
  const reads = [readScope('CONFIG_DB', ['PORT', 'PORTCHANNEL', 'PORT']), readScope('APPL_DB', ['ROUTE_TABLE']), readScope('STATE_DB', undefined)];

  it('lists each database’s tables (once each, literally) in one transaction that ends back on CONFIG_DB', () => {
    expect(listCommands(reads)).toEqual([['MULTI'], ['SELECT', '4'], ['KEYS', 'PORT|*'], ['KEYS', 'PORTCHANNEL|*'], ['SELECT', '0'], ['KEYS', 'ROUTE_TABLE:*'], ['SELECT', '6'], ['KEYS', '*'], ['SELECT', '4'], ['EXEC']]);
    expect(readScope('CONFIG_DB', ['A*B[1]?']).patterns).toEqual(['A\\*B\\[1\\]\\?|*']);
  });

  it('sorts each read’s keys, whatever order they are listed in, and reads them in that order', () => {
    const listed = parse(exec(['OK', ['PORT|Ethernet4', 'PORT|Ethernet0'], ['PORTCHANNEL|PortChannel1'], 'OK', [], 'OK', ['B', 'A'], 'OK']), 64, undefined) as Reply[];
    const keys = listedKeys(reads, listed);
    expect(keys).toEqual([['PORTCHANNEL|PortChannel1', 'PORT|Ethernet0', 'PORT|Ethernet4'], [], ['A', 'B']]);
    // Unordered (ReadOptions.unordered: only looked up): as listed.
    expect(listedKeys([readScope('CONFIG_DB', ['PORT'], undefined, true)], parse(exec(['OK', ['PORT|Ethernet4', 'PORT|Ethernet0'], 'OK']), 64, undefined) as Reply[])).toEqual([['PORT|Ethernet4', 'PORT|Ethernet0']]);
    // A read with no keys selects nothing.
    expect(valueCommands(reads, keys)).toEqual([['MULTI'], ['SELECT', '4'], ['HGETALL', 'PORTCHANNEL|PortChannel1'], ['HGETALL', 'PORT|Ethernet0'], ['HGETALL', 'PORT|Ethernet4'], ['SELECT', '6'], ['HGETALL', 'A'], ['HGETALL', 'B'], ['SELECT', '4'], ['EXEC']]);
  });

  it('leaves out a key gone since it was listed and one that is not a hash; drops the filler; keeps __proto__ a field', () => {
    const keys = [['PORTCHANNEL|PortChannel1', 'PORT|Ethernet0', 'PORT|Ethernet4'], [], ['A', 'CONFIG_DB_INITIALIZED']];
    const values = parse(exec(['OK', ['NULL', 'NULL'], ['mtu', '9100', '__proto__', 'x'], null, 'OK', ['z', 'é', 'NULL', 'NULL'], new Error('WRONGTYPE Operation against a key holding the wrong kind of value'), 'OK']), 5, 'hashes') as Reply[];
    const [config, appl, state] = readEntries(keys, values);
    expect([...config!]).toEqual([
      ['PORTCHANNEL|PortChannel1', {}],
      ['PORT|Ethernet0', Object.fromEntries([['mtu', '9100'], ['__proto__', 'x']])],
    ]);
    expect(Object.keys(config!.get('PORT|Ethernet0')!)).toEqual(['mtu', '__proto__']);
    expect(appl!.size).toBe(0);
    expect([...state!]).toEqual([['A', { z: 'é' }]]);
  });

  it('reads expected keys with the listing; only the others are read after it, and the result is in listed order', () => {
    const wanted = [readScope('CONFIG_DB', ['PORT', 'VLAN'], ['PORT|Ethernet4', 'VLAN|Vlan9', 'PORT|Ethernet0', 'PORT|Ethernet8']), readScope('STATE_DB', ['PORT_TABLE'])];
    // Sent in the same write as the listing: the expected keys of the reads that have any.
    expect(expectCommands(wanted)).toEqual([['MULTI'], ['SELECT', '4'], ['HGETALL', 'PORT|Ethernet4'], ['HGETALL', 'VLAN|Vlan9'], ['HGETALL', 'PORT|Ethernet0'], ['HGETALL', 'PORT|Ethernet8'], ['SELECT', '4'], ['EXEC']]);
    expect(expectCommands([readScope('STATE_DB', ['PORT_TABLE'])])).toBeUndefined();
    const keys = listedKeys(wanted, parse(exec(['OK', ['PORT|Ethernet8', 'PORT|Ethernet0', 'PORT|Ethernet4', 'PORT|Ethernet12'], ['VLAN|Vlan9'], 'OK', ['PORT_TABLE|Ethernet0'], 'OK']), 64, undefined) as Reply[]);
    // Ethernet4 listed, then deleted before its HGETALL; Vlan9 not a hash; Ethernet12 not expected.
    const expectedReply = parse(exec(['OK', null, new Error('WRONGTYPE Operation against a key holding the wrong kind of value'), ['mtu', '9100'], ['NULL', 'NULL'], 'OK']), 7, 'hashes') as Reply[];
    const expectedKeys = wanted.map((r) => new Set(r.expect));
    const early = readEntries(wanted.map((r) => r.expect), expectedReply);
    const rest = keys.map((ks, i) => unexpectedKeys(ks, expectedKeys[i]!));
    expect(rest).toEqual([['PORT|Ethernet12'], ['PORT_TABLE|Ethernet0']]);
    expect(valueCommands(wanted, rest)).toEqual([['MULTI'], ['SELECT', '4'], ['HGETALL', 'PORT|Ethernet12'], ['SELECT', '6'], ['HGETALL', 'PORT_TABLE|Ethernet0'], ['SELECT', '4'], ['EXEC']]);
    const after = readEntries(rest, parse(exec(['OK', ['mtu', '1500'], 'OK', ['state', 'ok'], 'OK']), 64, 'hashes') as Reply[]);
    expect([...mergeEntries(keys[0]!, expectedKeys[0], early[0], after[0]!)]).toEqual([
      ['PORT|Ethernet0', { mtu: '9100' }],
      ['PORT|Ethernet12', { mtu: '1500' }],
      ['PORT|Ethernet8', {}],
    ]);
    expect([...mergeEntries(keys[1]!, expectedKeys[1], early[1], after[1]!)]).toEqual([['PORT_TABLE|Ethernet0', { state: 'ok' }]]);
  });

  it('fails on any other error in its reply (the server’s own words)', () => {
    const values = parse(exec(['OK', new Error('NOPERM this user has no permissions to access one of the keys'), 'OK']), 64, 'hashes') as Reply[];
    expect(() => readEntries([['A']], values)).toThrow(RespError);
    expect(() => readEntries([['A']], values)).toThrow(/NOPERM/);
    const listed = parse(exec(['OK', new Error('ERR no such thing'), 'OK']), 64, undefined) as Reply[];
    expect(() => listedKeys([readScope('CONFIG_DB', ['PORT'])], listed)).toThrow(/no such thing/);
  });

  it('parses hashes into what a plain parse holds, equal field names shared, in any chunking', () => {
    const keys: string[] = [];
    const hashes: string[][] = [];
    for (let i = 0; i < 300; i++) {
      keys.push(`ROUTE_TABLE:10.0.${i >> 8}.${i & 255}`);
      hashes.push(['nexthop', i % 7 ? '10.64.0.1,10.64.0.3' : `10.64.1.${i}`, 'ifname', i % 5 ? 'Ethernet0,Ethernet4' : 'Ethernet8', 'protocol', 'bgp', ...(i % 11 ? [] : ['weight', 'é'])]);
    }
    const wire = exec(['OK', ...hashes, 'OK']);
    const plain = (parse(wire, 1 << 20, undefined) as string[][]).slice(1, -1);
    const want = keys.map((k, i) => [k, Object.fromEntries(Array.from({ length: plain[i]!.length / 2 }, (_, j) => [plain[i]![2 * j]!, plain[i]![2 * j + 1]!]))]);
    for (const size of [7, 100, 4096]) expect([...readEntries([keys], parse(wire, size, 'hashes') as Reply[])[0]!]).toEqual(want);
  });

  it('is refused when a hash is not shaped as one', () => {
    expect(() => parse(Buffer.from('*1\r\n*2\r\n:1\r\n$1\r\nx\r\n'), 64, 'hashes')).toThrow(/not a string/);
  });
});
