// The lean RESP path the Redis transport sends transactions over: encoding, and a reply parser
// that takes data in any chunking.
import { describe, expect, it } from 'vitest';
import { encodeCommands, RespError, RespReader, type Reply } from '../../src/transport/resp.ts';

function readAll(chunks: readonly Buffer[]): Reply[] {
  const r = new RespReader();
  const out: Reply[] = [];
  for (const c of chunks) {
    r.feed(c);
    for (let v = r.next(); v !== undefined; v = r.next()) out.push(v);
  }
  return out;
}

const WIRE = Buffer.from('+OK\r\n+QUEUED\r\n-ERR wrong number of arguments\r\n:42\r\n:-1\r\n$-1\r\n*-1\r\n$4\r\nhé!\r\n*3\r\n:1\r\n*2\r\n$5\r\nasn\r\n\r\n$0\r\n\r\n$3\r\nx\ny\r\n*0\r\n');
const EXPECTED: Reply[] = ['OK', 'QUEUED', new RespError('ERR wrong number of arguments'), 42, -1, null, null, 'hé!', [1, ['asn\r\n', ''], 'x\ny'], []];

describe('RESP', () => {
  it('encodes commands as arrays of bulk strings, lengths in bytes', () => {
    expect(encodeCommands([['HSET', 'PORT|Ethernet0', 'description', 'spine1 é'], ['EXEC']]).toString()).toBe(
      '*4\r\n$4\r\nHSET\r\n$14\r\nPORT|Ethernet0\r\n$11\r\ndescription\r\n$9\r\nspine1 é\r\n*1\r\n$4\r\nEXEC\r\n',
    );
  });

  it('encodes ASCII commands of any size the same way: empty, one-digit to five-digit lengths, twelve arguments', () => {
    const long = 'x'.repeat(12_345);
    const args = Array.from({ length: 11 }, (_, i) => `f${i}`);
    const cmds = [['HSET', 'K', '', long], ['HDEL', ...args], ['EXEC']];
    const wire = `*4\r\n$4\r\nHSET\r\n$1\r\nK\r\n$0\r\n\r\n$12345\r\n${long}\r\n*12\r\n$4\r\nHDEL\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}*1\r\n$4\r\nEXEC\r\n`;
    expect(encodeCommands(cmds).toString('latin1')).toBe(wire);
    // One character that is not ASCII, anywhere: the whole request in UTF-8, lengths in bytes.
    expect(encodeCommands([['HSET', 'K', 'a', long], ['SET', 'k', 'ü']]).toString()).toBe(`*4\r\n$4\r\nHSET\r\n$1\r\nK\r\n$1\r\na\r\n$12345\r\n${long}\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nü\r\n`);
  });

  it('parses every reply type, nested arrays and binary-safe bulk strings', () => {
    expect(readAll([WIRE])).toEqual(EXPECTED);
  });

  it('gives the same replies whatever the chunking, down to one byte at a time', () => {
    for (const size of [1, 2, 3, 7, 16]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < WIRE.length; i += size) chunks.push(WIRE.subarray(i, i + size));
      expect(readAll(chunks)).toEqual(EXPECTED);
    }
  });

  it('a reply of many entries over many chunks: each element once, in order', () => {
    const entries = Array.from({ length: 5_000 }, (_, i) => [`ROUTE_TABLE:10.0.${i >> 8}.${i & 255}`, ['nexthop', `10.64.0.${i % 250}`, 'ifname', 'Ethernet0']] as const);
    const wire = Buffer.from(`*1\r\n*${entries.length * 2}\r\n${entries.map(([k, f]) => `$${k.length}\r\n${k}\r\n*4\r\n${f.map((x) => `$${x.length}\r\n${x}\r\n`).join('')}`).join('')}:7\r\n`);
    const chunks: Buffer[] = [];
    for (let i = 0; i < wire.length; i += 997) chunks.push(wire.subarray(i, i + 997));
    expect(readAll(chunks)).toEqual([[entries.flatMap(([k, f]) => [k, [...f]])], 7]);
  });

  it('decodes UTF-8 in any chunk, ASCII chunks and others mixed, a string cut across them', () => {
    const words = ['Ethernet0', 'spine1 é', 'ROUTE_TABLE:10.0.0.1', '“uplink” to spine2', 'x'.repeat(40)];
    const wire = Buffer.from(`*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`);
    for (const size of [5, 13, 29, wire.length]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < wire.length; i += size) chunks.push(wire.subarray(i, i + size));
      expect(readAll(chunks)).toEqual([words]);
    }
  });

  it('refuses what is not RESP', () => {
    const r = new RespReader();
    r.feed(Buffer.from('HTTP/1.1 400\r\n'));
    expect(() => r.next()).toThrow(/not a RESP reply \(byte 0x48\)/);
  });
});
