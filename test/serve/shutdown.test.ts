// Shutting `clos serve` down (what SIGTERM does: app.close()): an apply in flight finishes its
// switch writes and releases the run lock; a bring-up in flight stops where it is, its record
// left resumable, and a new server resumes it to the end.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/bringup/record.ts';
import { RUN_LOCK_FILE } from '../../src/io/run-lock.ts';
import { buildApp } from '../../src/serve/app.ts';
import { bearer, memoryApi, sseEvents } from './fixture.ts';

describe('shutdown', () => {
  it('an apply in flight finishes every switch write; the lock is released', async () => {
    const t = await memoryApi();
    // Writes that take a while, so that the shutdown comes while they are under way.
    for (const sw of t.lab.switches.values()) {
      const write = sw.apply.bind(sw);
      sw.apply = async (changes) => {
        await new Promise((r) => setTimeout(r, 300));
        return write(changes);
      };
    }
    const state = (await t.app.clos.fabrics.reader('dc1')).state.dir;
    const plan = (await t.app.inject({ method: 'POST', url: '/api/v1/fabrics/dc1/plan', headers: bearer(t.operate), payload: {} })).json() as { id: string };
    const a = await t.app.inject({ method: 'POST', url: '/api/v1/fabrics/dc1/apply', headers: bearer(t.operate), payload: { plan: plan.id } });
    expect(a.statusCode).toBe(202);
    const run = t.app.clos.runs.get((a.json() as { run: string }).run)!;
    expect(run.endedAt).toBeNull();
    expect(existsSync(join(state, RUN_LOCK_FILE))).toBe(true);
    await t.close();
    expect(run.state).toBe('done');
    expect((run.result as { outcomes: { status: string }[] }).outcomes.map((o) => o.status)).toEqual(['applied', 'applied', 'applied', 'applied', 'applied', 'applied']);
    expect(existsSync(join(state, RUN_LOCK_FILE))).toBe(false);
  });

  it('a bring-up in flight stops resumable; the next server resumes it to the end', async () => {
    const t = await memoryApi();
    // Writes that take a while: on in-memory switches a whole bring-up can otherwise end
    // between its first event and the shutdown.
    for (const sw of t.lab.switches.values()) {
      const write = sw.apply.bind(sw);
      sw.apply = async (changes) => {
        await new Promise((r) => setTimeout(r, 300));
        return write(changes);
      };
    }
    const b = await t.app.inject({ method: 'POST', url: '/api/v1/fabrics/dc1/bringup', headers: bearer(t.operate), payload: {} });
    expect(b.statusCode).toBe(202);
    const run = t.app.clos.runs.get((b.json() as { run: string }).run)!;
    const stateDir = (await t.app.clos.fabrics.reader('dc1')).state.dir;
    // Into the run: the first stage under way.
    await new Promise<void>((resolve) => run.follow(0, (e) => e.event === 'switch' && resolve()));
    await t.app.close();
    expect(run.state).toBe('interrupted');
    const records = readdirSync(join(stateDir, 'bringup')).filter((f) => f.endsWith('.json'));
    expect(records).toHaveLength(1);
    const rec = JSON.parse(readFileSync(join(stateDir, 'bringup', records[0]!), 'utf8')) as RunRecord;
    expect(rec.status).toBe('running');
    expect(existsSync(join(stateDir, RUN_LOCK_FILE))).toBe(false);

    // A new server on the same fabric and switches: resume.
    const again = await buildApp({ ...t.app.clos.options });
    try {
      const r = await again.inject({ method: 'POST', url: '/api/v1/fabrics/dc1/bringup', headers: bearer(t.operate), payload: { resume: true } });
      expect(r.statusCode).toBe(202);
      const events = sseEvents((await again.inject({ method: 'GET', url: `/api/v1/runs/${(r.json() as { run: string }).run}/events`, headers: bearer(t.read) })).body);
      const done = events.at(-1)!;
      expect(done.event).toBe('done');
      expect(done.data.state).toBe('done');
      expect((done.data.result as { record: RunRecord }).record.id).toBe(rec.id);
      expect((done.data.result as { record: RunRecord }).record.attempts).toHaveLength(2);
    } finally {
      await again.close();
      await t.close();
    }
  }, 120_000);
});
