// A restarted lldpd must exchange LLDP again even when it is configured the moment its start
// returns, as the agent's lldpmgrd does once `lab up` tells it lldpd is back (`lldpcli configure
// system hostname`). lldpd stays paused until the lldpcli it runs on its -O file resumes it, and
// a configuration command reads lldpd's whole configuration and writes it back changed: a read
// made while lldpd was still paused, written back after the resume, paused it again for good
// (running, answering, listing its ports, and silent both ways: host-revive's "no LLDP
// neighbour"). The writer here is that command with the gap between its read and its write
// widened to 1.5 s: against the old start (done as soon as the socket answered) it read the
// paused state in every run we made, and lldpd stayed silent from round 1.
// Real lldpds in two namespaces of this test's own (clos-t-lldpr-a, -b: a veth Ethernet0 <->
// Ethernet0) and a third with no port (clos-t-lldpr-c); all stopped by their records.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lldpdPids, lldpdSocket, startLldpd } from '../../src/lab/lldpd.ts';
import { createNamespace, deleteNamespace } from '../../src/lab/netns.ts';
import { isAlive, type ProcessRecord, readRecords, stopRecorded } from '../../src/lab/processes.ts';

const NS = { a: 'clos-t-lldpr-a', b: 'clos-t-lldpr-b', c: 'clos-t-lldpr-c' } as const;
const root = mkdtempSync(join(tmpdir(), 'clos-lldpd-restart-'));
chmodSync(root, 0o755); // lldpcli (setuid _lldpd, lldpd's own too) must reach the sockets
const records = join(root, 'processes.jsonl');
const dir = (sw: 'a' | 'b' | 'c') => join(root, sw);

const start = async (sw: 'a' | 'b' | 'c') => (await startLldpd({ switch: `sw-${sw}`, hwsku: 'Force10-S6000', namespace: NS[sw], dir: dir(sw), records })).resumed;

beforeAll(async () => {
  for (const ns of Object.values(NS)) {
    await deleteNamespace(ns); // left by a run that was killed
    await createNamespace(ns, 'the lldpd restart test');
  }
  execFileSync('ip', ['link', 'add', 'Ethernet0', 'netns', NS.a, 'type', 'veth', 'peer', 'name', 'Ethernet0', 'netns', NS.b]);
  for (const ns of [NS.a, NS.b]) execFileSync('ip', ['-n', ns, 'link', 'set', 'Ethernet0', 'up']);
  for (const sw of ['a', 'b', 'c'] as const) mkdirSync(dir(sw));
  chmodSync(dir('c'), 0o700); // sw-c: a directory lldpd's lldpcli (user _lldpd) cannot enter
  await start('a');
  await start('b');
}, 30_000);

afterAll(async () => {
  await stopRecorded(records, () => true, 2_000);
  for (const ns of Object.values(NS)) await deleteNamespace(ns);
  rmSync(root, { recursive: true, force: true });
});

function lldpcli(sw: 'a' | 'b', ...args: string[]): unknown {
  try {
    return JSON.parse(execFileSync('lldpcli', ['-u', lldpdSocket(dir(sw)), '-f', 'json0', ...args], { encoding: 'utf8', timeout: 5_000 }) || '{}');
  } catch {
    return undefined;
  }
}

/** The system names lldpd hears on Ethernet0. */
function neighbours(sw: 'a' | 'b'): string[] {
  const j = lldpcli(sw, 'show', 'neighbors') as { lldp?: { interface?: { chassis?: { name?: { value: string }[] }[] }[] }[] } | undefined;
  return (j?.lldp ?? []).flatMap((b) => (b.interface ?? []).flatMap((i) => (i.chassis ?? []).flatMap((c) => (c.name ?? []).map((n) => n.value))));
}

/** Frames lldpd sent and took in on Ethernet0 (a paused lldpd neither sends nor takes any). */
function counters(sw: 'a' | 'b'): { tx: number; rx: number } {
  const j = lldpcli(sw, 'show', 'statistics') as { lldp?: { interface?: { name: string; tx?: { tx: string }[]; rx?: { rx: string }[] }[] }[] } | undefined;
  const itf = (j?.lldp ?? []).flatMap((b) => b.interface ?? []).find((i) => i.name === 'Ethernet0');
  return { tx: Number(itf?.tx?.[0]?.tx ?? -1), rx: Number(itf?.rx?.[0]?.rx ?? -1) };
}

async function waitFor<T>(what: string, read: () => T, ok: (v: T) => boolean, ms: number): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = read();
    if (ok(v)) return v;
    if (Date.now() > until) throw new Error(`${what}: still ${JSON.stringify(v)} after ${ms} ms`);
    await sleep(100);
  }
}

/** What `lldpcli configure system …` does on lldpd's control socket (GET_CONFIG, then
 *  SET_CONFIG of the configuration it got, changed), writing back what it read unchanged, `gap`
 *  ms after reading it. Resolves once lldpd acknowledged the write. */
function configWriter(socket: string, gap: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const header = (type: number, len: number) => {
      const h = Buffer.alloc(16); // enum hmsg_type, padding, size_t length
      h.writeInt32LE(type, 0);
      h.writeBigUInt64LE(BigInt(len), 8);
      return h;
    };
    const GET_CONFIG = 1;
    const SET_CONFIG = 2;
    const c = connect({ path: socket });
    let buf = Buffer.alloc(0);
    c.once('error', reject);
    c.once('connect', () => c.write(header(GET_CONFIG, 0)));
    c.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 16) return;
      const type = buf.readInt32LE(0);
      const len = Number(buf.readBigUInt64LE(8));
      if (buf.length < 16 + len) return;
      if (type === GET_CONFIG) {
        const config = Buffer.from(buf.subarray(16, 16 + len));
        buf = Buffer.alloc(0);
        setTimeout(() => c.write(Buffer.concat([header(SET_CONFIG, len), config])), gap);
      } else if (type === SET_CONFIG) {
        c.end();
        resolve();
      } else reject(new Error(`lldpd answered message type ${type}`));
    });
  });
}

const lldpdOf = async (sw: string): Promise<ProcessRecord[]> => (await readRecords(records)).filter((r) => r.name === 'lldpd' && r.switch === sw && isAlive(r));

describe('lldpd restarted in the lab', () => {
  it('the two lldpds hear each other', async () => {
    await waitFor('neighbours of a and b', () => [neighbours('a'), neighbours('b')], ([a, b]) => a!.includes('sw-b') && b!.includes('sw-a'), 20_000);
  }, 30_000);

  it('killed by its record, started again and configured at once: it sends and hears LLDP again', async () => {
    for (let round = 1; round <= 3; round++) {
      const [old] = await lldpdOf('sw-a');
      expect(old, `round ${round}: sw-a's lldpd running`).toBeDefined();
      process.kill(old!.pid, 'SIGKILL');
      await start('a');
      const [now] = await lldpdOf('sw-a');
      expect(now!.pid).not.toBe(old!.pid);
      await configWriter(lldpdSocket(dir('a')), 1_500);
      const after = counters('a');
      await waitFor(`round ${round}: sw-a's frames sent and taken in after the write (from ${JSON.stringify(after)})`, () => counters('a'), (c) => c.tx >= after.tx + 2 && c.rx >= after.rx + 2, 6_000);
      expect(neighbours('a')).toContain('sw-b');
    }
  }, 60_000);

  it('an lldpd that its own lldpcli never resumes fails the start, naming the switch, and is stopped', async () => {
    await expect(start('c')).rejects.toThrow(/^switch sw-c: lldpd was not resumed by its own lldpcli \(configuring it from \S+lldpd\.conf\) within 10 s: it stays paused, no LLDP sent or heard; see \S+lldpd\.log$/);
    expect(await lldpdOf('sw-c')).toEqual([]);
    expect(lldpdPids(NS.c)).toEqual([]);
  }, 30_000);

  it('an lldpd that dies while it waits to be resumed fails the start at once, naming the switch', async () => {
    // sw-c's lldpd answers on its socket but is never resumed: killed then, by its record.
    const started = await startLldpd({ switch: 'sw-c', hwsku: 'Force10-S6000', namespace: NS.c, dir: dir('c'), records });
    const [running] = await lldpdOf('sw-c');
    expect(running).toBeDefined();
    const t0 = Date.now();
    process.kill(running!.pid, 'SIGKILL');
    await expect(started.resumed).rejects.toThrow(/^switch sw-c: lldpd exited while configuring itself from \S+lldpd\.conf; see \S+lldpd\.log$/);
    expect(Date.now() - t0).toBeLessThan(5_000); // not the 10 s deadline
    for (const deadline = Date.now() + 5_000; lldpdPids(NS.c).length > 0 && Date.now() < deadline; ) await sleep(20);
    expect(lldpdPids(NS.c)).toEqual([]);
  }, 30_000);
});
