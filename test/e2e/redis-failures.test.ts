// End to end, when a switch hangs: leaf3's redis is paused (SIGSTOP) at the moment apply sends
// its transaction. leaf3 fails cleanly, naming switch, endpoint and cause; the other switches
// converge. The MULTI…EXEC that leaf3's redis already holds in its socket buffer runs WHOLE as
// soon as it resumes (SIGCONT) — so apply cannot call it "nothing applied" — and `clos rollback
// --switch leaf3` then puts leaf3's CONFIG_DB back exactly as it was. Fabric t-e2e-fail, redis
// on 127.0.1.32/28.
import { describe, expect, it } from 'vitest';
import { buildChecks, type Check } from '../../src/core/checks/checks.ts';
import { labInventoryPath, readState } from '../../src/lab/state.ts';
import { formatApply } from '../../src/report/plan-format.ts';
import { applyFabric, type ApplyOutcome } from '../../src/services/apply.ts';
import { planFabric } from '../../src/services/plan.ts';
import { openSession, type FabricSession } from '../../src/services/session.ts';
import { verifyFabric } from '../../src/services/verify.ts';
import type { SwitchLink } from '../../src/transport/connect.ts';
import { execChannel } from '../../src/transport/exec.ts';
import { labExecRunner } from '../../src/lab/exec.ts';
import { RedisTransport } from '../../src/transport/redis.ts';
import type { Transport } from '../../src/transport/transport.ts';
import { runCli } from '../support/cli.ts';
import { dumpConfigDb, e2eLab, failingChecks, labSwitch, PausedRedis, stopwatch, waitHolding, type ApplyJson } from './helpers.ts';

const FABRIC = 't-e2e-fail';
const ADDRESSES = '127.0.1.32/28';
const HUNG = 'leaf3';
const TIMEOUT_MS = 2000;
const lab = e2eLab(FABRIC, ADDRESSES);
const hungRedis = new PausedRedis(FABRIC, HUNG);

/** Links as the CLI opens them, with a short command timeout, and leaf3's transport pausing
 *  its redis right before the transaction is sent: the MULTI…EXEC is queued on a hung server. */
function connectFor(session: () => FabricSession) {
  return async (name: string): Promise<SwitchLink> => {
    const entry = session().inventory.switches[name]!;
    const inner = new RedisTransport(name, { socket: entry.redis!.socket!, commandTimeoutMs: TIMEOUT_MS });
    const transport: Transport =
      name === HUNG
        ? {
            endpoint: inner.endpoint,
            read: (db, tables) => inner.read(db, tables),
            watch: (db, tables, cb) => inner.watch(db, tables, cb),
            close: () => inner.close(),
            apply: async (changes) => {
              if (changes.some((c) => c.key === 'DEVICE_METADATA|localhost')) await hungRedis.signal('SIGSTOP');
              return inner.apply(changes);
            },
          }
        : inner;
    const exec = execChannel(name, entry.exec, labExecRunner);
    return { name, transport, ...(exec ? { exec } : {}), ...(entry.flavour ? { flavourHint: entry.flavour } : {}), close: () => transport.close() };
  };
}

/** Checks that do not depend on the hung switch: its own, its sessions and routes on the
 *  others, and the others' ports cabled to it (no carrier while it keeps them shut). */
function checksWithout(checks: readonly Check[], session: FabricSession, sw: string): Check[] {
  const facing = new Set([...session.intents.values()].flatMap((s) => s.neighbors.filter((n) => n.peerName === sw).map((n) => `${s.name} ${n.localPort}`)));
  const word = new RegExp(`\\b${sw}\\b`);
  return checks.filter((c) => c.switch !== sw && !word.test(c.id) && !(c.kind === 'port' && facing.has(`${c.switch} ${/^port (\S+)/.exec(c.id)?.[1]}`)));
}

describe(`${HUNG}'s redis hangs during apply`, () => {
  let snapshot: Record<string, unknown>;
  let outcomes: ApplyOutcome[];
  let session: FabricSession;

  it(`${HUNG} fails with switch, endpoint and cause; the others are applied`, async () => {
    snapshot = await dumpConfigDb(labSwitch(FABRIC, HUNG));
    session = await openSession(lab.file, { writeLock: false }, { defaultInventory: (f) => labInventoryPath(f), connect: (n) => connectFor(() => session)(n) });
    const t = stopwatch();
    outcomes = await applyFabric(session, await planFabric(session));
    lab.timings.push(`apply with ${HUNG} hung: ${t()}`);
    const endpoint = `redis unix:${labSwitch(FABRIC, HUNG).dir}/redis.sock`;
    const hung = outcomes.find((o) => o.switch === HUNG)!;
    lab.timings.push(`${HUNG}: ${hung.error?.message} | ${hung.notes.join(' | ')}`);
    expect(hung.status).toBe('failed');
    expect(hung.endpoint).toBe(endpoint);
    expect(hung.error).toEqual({
      code: 'TIMEOUT',
      message: `${HUNG} (${endpoint}): state unknown: transaction sent, no reply within ${TIMEOUT_MS} ms (redis hung, paused or overloaded): it may still be applied, whole, when the switch answers again`,
    });
    // Never called restored: a restore would race the queued transaction, so none is tried and
    // the report says what the operator can do.
    expect(hung.restored).toBe(false);
    expect(hung.state).toBe('unknown');
    expect(hung.notes).toContain(`not restored: the switch may still apply the transaction; \`clos plan\` reads what it holds, \`clos rollback --switch ${HUNG}\` puts the checkpoint back`);
    expect(hung.checkpoint).toMatch(/^\d{8}T\d{9}Z-\d+$/);
    const table = formatApply(outcomes);
    expect(table).toMatch(new RegExp(`^${HUNG} +failed .*TIMEOUT: ${HUNG} \\(redis unix:\\S+\\): state unknown: transaction sent, no reply within ${TIMEOUT_MS} ms.*not restored`, 'm'));
    expect(table).toContain('5 switch(es) applied or up to date, 1 failed.');
    for (const o of outcomes.filter((x) => x.switch !== HUNG)) expect([o.switch, o.status, o.error ?? null]).toEqual([o.switch, 'applied', null]);
  }, 60_000);

  it('the other switches converge while it is still hung', async () => {
    const t = stopwatch();
    const checks = checksWithout(buildChecks(session.loaded.intents), session, HUNG);
    const others = session.switches.filter((s) => s !== HUNG);
    const report = await verifyFabric({ links: (n) => session.link(n), checks, timeoutMs: 60_000, switches: others });
    expect(failingChecks(report)).toEqual([]);
    expect(report.converged).toBe(true);
    expect(report.summary.checks).toBeGreaterThan(150);
    lab.timings.push(`verify of the 5 others (${report.summary.checks} checks), ${HUNG} still hung: ${t()}`);
  }, 70_000);

  it('once resumed, redis runs the queued transaction whole (never half of it)', async () => {
    await hungRedis.signal('SIGCONT');
    await session.close();
    const desired = session.desired.get(HUNG)!;
    const t = stopwatch();
    // Redis reads what its socket buffer holds as soon as it runs again; bounded wait.
    const after = await waitHolding(FABRIC, HUNG, desired, `${HUNG}'s CONFIG_DB to hold the transaction queued while it was hung`);
    lab.timings.push(`late transaction visible after SIGCONT: ${t()}`);
    expect(after).not.toEqual(snapshot);
  }, 30_000);

  it(`clos rollback --switch ${HUNG} restores its CONFIG_DB exactly as it was before apply`, async () => {
    const t = stopwatch();
    const r = await runCli('rollback', lab.file, '--switch', HUNG, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { outcomes: rb } = JSON.parse(r.stdout) as { outcomes: { switch: string; status: string; checkpoint: string; changes: number; restarted: boolean }[] };
    expect(rb).toHaveLength(1);
    expect(rb[0]).toMatchObject({ switch: HUNG, status: 'restored', checkpoint: outcomes.find((o) => o.switch === HUNG)!.checkpoint, restarted: true });
    expect(rb[0]!.changes).toBe(outcomes.find((o) => o.switch === HUNG)!.changes);
    expect(await dumpConfigDb(labSwitch(FABRIC, HUNG))).toEqual(snapshot);
    lab.timings.push(`rollback: ${t()}`);
  });

  it(`a new apply brings ${HUNG} up as a first bring-up, and the whole fabric converges`, async () => {
    const t = stopwatch();
    const plan = await runCli('plan', lab.file);
    expect(plan.stdout).toMatch(new RegExp(`^${HUNG} .*first bring-up`, 'm'));
    expect(plan.stdout).toContain('1 switch(es) with changes pending, 5 up to date.');
    const r = await runCli('apply', lab.file, '--yes', '--json');
    expect(r.code).toBe(0);
    const { outcomes: again } = JSON.parse(r.stdout) as ApplyJson;
    expect(again.filter((o) => o.status !== 'unchanged').map((o) => [o.switch, o.status, o.restarted])).toEqual([[HUNG, 'applied', true]]);
    const v = await runCli('verify', lab.file, '--timeout', '60s', '--format', 'json');
    expect(failingChecks(JSON.parse(v.stdout))).toEqual([]);
    expect(v.code).toBe(0);
    lab.timings.push(`re-apply ${HUNG} and verify the fabric: ${t()}`);
    expect(readState(FABRIC)).toBeDefined();
  }, 70_000);
});
