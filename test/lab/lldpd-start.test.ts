// The lab's lldpd start when the control socket is still held by an lldpd that is going away
// (killed, its monitor gone and its child about to notice): the new one must not start into
// "another instance is running", and a start that cannot succeed (something else on the socket,
// an lldpd that exits) says so. A real lldpd in a namespace of this test's own (clos-t-lldpd),
// stopped by its record.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lldpdSocket, lldpdPids, startLldpd } from '../../src/lab/lldpd.ts';
import { createNamespace, deleteNamespace } from '../../src/lab/netns.ts';
import { readRecords, stopRecorded, isAlive } from '../../src/lab/processes.ts';

const NS = 'clos-t-lldpd';
const dir = mkdtempSync(join(tmpdir(), 'clos-lldpd-start-'));
chmodSync(dir, 0o755); // lldpd's own lldpcli (setuid _lldpd) must reach the socket to resume it
const records = join(dir, 'processes.jsonl');

beforeAll(async () => {
  await createNamespace(NS, 'the lldpd start test');
});

afterAll(async () => {
  await stopRecorded(records, () => true, 2_000);
  await deleteNamespace(NS);
  rmSync(dir, { recursive: true, force: true });
});

/** Something answering on the control socket, as the child of a killed lldpd does for a moment. */
function holder(path: string): Promise<Server> {
  return new Promise((resolve) => {
    const s = createServer((c) => c.destroy());
    s.listen(path, () => resolve(s));
  });
}

const ppid = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);

const start = async () => (await startLldpd({ switch: 'sw1', hwsku: 'Force10-S6000', namespace: NS, dir, records })).resumed;

describe('lldpd start in the lab', () => {
  it('waits for a dying instance to let go of the control socket, then runs and answers there', async () => {
    const old = await holder(lldpdSocket(dir));
    const t0 = Date.now();
    setTimeout(() => old.close(), 300);
    await start();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    const running = (await readRecords(records)).filter((r) => r.name === 'lldpd' && isAlive(r));
    expect(running).toHaveLength(1);
    await stopRecorded(records, () => true, 2_000);
  });

  it('started again at once after its recorded process is killed: the new one runs, the old child gone', async () => {
    await start();
    const first = (await readRecords(records)).filter((r) => r.name === 'lldpd' && isAlive(r));
    expect(first).toHaveLength(1);
    process.kill(first[0]!.pid, 'SIGKILL'); // by its record; its child is left to notice
    await start();
    const now = (await readRecords(records)).filter((r) => r.name === 'lldpd' && isAlive(r));
    expect(now).toHaveLength(1);
    expect(now[0]!.pid).not.toBe(first[0]!.pid);
    // The new lldpd is the one in the namespace: its monitor and its child, nothing of the old.
    expect(lldpdPids(NS).sort()).toEqual(lldpdPids(NS).filter((p) => p === now[0]!.pid || ppid(p) === now[0]!.pid).sort());
    expect(lldpdPids(NS)).toHaveLength(2);
    await stopRecorded(records, () => true, 2_000);
  });

  it('an lldpd that cannot take its control socket fails the start, naming the switch and its log', async () => {
    rmSync(lldpdSocket(dir), { force: true });
    mkdirSync(lldpdSocket(dir)); // a directory where the socket goes: lldpd can neither use nor remove it
    try {
      await expect(start()).rejects.toThrow(/^switch sw1: lldpd exited before answering on its control socket \S+lldpd\.sock; see \S+lldpd\.log$/);
      expect((await readRecords(records)).filter((r) => r.name === 'lldpd' && isAlive(r))).toEqual([]);
      expect(lldpdPids(NS)).toEqual([]);
    } finally {
      rmSync(lldpdSocket(dir), { recursive: true, force: true });
    }
  });

  it('refuses to start while something not recorded keeps answering, naming the switch and the socket', async () => {
    rmSync(lldpdSocket(dir), { force: true });
    const stuck = await holder(lldpdSocket(dir));
    try {
      await expect(start()).rejects.toThrow(`switch sw1: an lldpd not recorded by the lab still runs on ${lldpdSocket(dir)}`);
      expect((await readRecords(records)).filter((r) => r.name === 'lldpd' && isAlive(r))).toEqual([]);
    } finally {
      await new Promise((r) => stuck.close(r));
    }
  }, 15_000);
});
