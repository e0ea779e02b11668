// plan (live), apply and rollback: flags → options → one service call → print.
import type { Command } from 'commander';
import type { SessionOptions } from '../services/session.ts';
import { withProgress } from '../progress.ts';
import { allocOptions } from './compile-commands.ts';
import type { Io } from './output.ts';
import { ValueError, parseDuration } from '../core/values.ts';
import { EXIT } from './exit-codes.ts';

interface LiveFlags {
  inventory?: string;
  concurrency?: string;
  transport?: string;
  allowRenumber?: boolean;
  prune?: boolean;
  json?: boolean;
  /** commander's negation of --no-save: false when given. */
  save?: boolean;
}

/** The lab's inventory lookup and exec channel, imported when a live command runs. */
async function labHandles() {
  const [{ labExecRunner }, { labInventoryPath }] = await Promise.all([import('../lab/exec.ts'), import('../lab/state.ts')]);
  return { labExecRunner, labInventoryPath };
}

export async function sessionOptions(f: LiveFlags): Promise<SessionOptions> {
  const lab = await labHandles();
  if (f.transport && f.transport !== 'redis' && f.transport !== 'gnmi') throw new ValueError(`--transport must be redis or gnmi, not "${f.transport}"`);
  const concurrency = f.concurrency === undefined ? 8 : Number(f.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new ValueError(`--concurrency must be a positive whole number, not "${f.concurrency}"`);
  return {
    ...(f.inventory ? { inventory: f.inventory } : {}),
    ...(f.transport ? { transport: f.transport as 'redis' | 'gnmi' } : {}),
    concurrency,
    // The lab is the CLI's to hand in: the controller below imports nothing of it.
    defaultInventory: (fabric) => lab.labInventoryPath(fabric),
    labExec: lab.labExecRunner,
  };
}

export function withSwitchOptions(cmd: Command): Command {
  return cmd
    .option('--inventory <file>', 'how to reach each switch (default: the running lab\'s inventory)')
    .option('--concurrency <n>', 'switches worked on at once', '8')
    .option('--transport <kind>', 'redis | gnmi: override the inventory for every switch');
}

export function registerLiveCommands(program: Command, io: Io, setExit: (code: number) => void): void {
  withSwitchOptions(
    program
      .command('apply')
      .description('apply the plan: per switch checkpoint, one transaction, read back; writes the lock')
      .argument('<fabric>', 'fabric file')
      .option('--yes', 'do not ask for confirmation')
      .option('--allow-renumber', 'accept moves of existing allocations')
      .option('--prune', 'release what removed racks still reserve')
      .option('--timeout <duration>', "deadline of each switch's operation (and again of its restore after a failure)", '60s')
      .option('--no-save', 'do not save the written config to the startup config (config save): a reload or reboot brings back the old one')
      .option('--json', 'print JSON'),
  ).action(async (file: string, flags: LiveFlags & { yes?: boolean; timeout: string }) => {
    const timeoutMs = parseDuration(flags.timeout, '--timeout');
    const { openSession } = await import('../services/session.ts');
    const { planFabric } = await import('../services/plan.ts');
    const { applyFabric } = await import('../services/apply.ts');
    const { formatApply, formatPlan } = await import('../report/plan-format.ts');
    const { takeRunLock } = await import('../io/run-lock.ts');
    const { newCheckpointId } = await import('../io/state-dir.ts');
    const session = await openSession(file, { writeLock: false, ...allocOptions(flags) }, await sessionOptions(flags));
    const runId = newCheckpointId();
    let lock: { release(): void } | undefined;
    try {
      // Nothing is written (run lock, lock file, switches) when the state directory cannot be.
      session.state.probe();
      lock = takeRunLock(session.state.dir, session.loaded.fabric.name, 'clos apply', runId, (m) => io.err(`clos apply: ${m}`));
      const plans = await withProgress('planning', () => planFabric(session));
      if (!flags.json) io.out(formatPlan(plans, session.loaded.changes));
      if (!flags.yes && process.stdin.isTTY) {
        const ok = await confirm('Apply these changes? [y/N] ');
        if (!ok) {
          io.err('clos apply: nothing applied.');
          setExit(EXIT.ERROR);
          return;
        }
      }
      // The lock is written once the user goes ahead: the allocation is now in use.
      await session.writeLock();
      const outcomes = await withProgress('applying', () => applyFabric(session, plans, { checkpointId: runId, timeoutMs, save: flags.save !== false }));
      io.out(flags.json ? JSON.stringify({ outcomes }, null, 2) : `\n${formatApply(outcomes)}`);
      if (!flags.json && flags.save === false) io.err('clos apply: --no-save: nothing was saved to the startup config; a config reload or reboot brings back the old one (clos drift reports it as unsaved).');
      setExit(outcomes.some((o) => o.status === 'failed' || o.status === 'failed-to-save') ? EXIT.ERROR : EXIT.OK);
    } finally {
      lock?.release();
      await session.close();
    }
  });

  withSwitchOptions(
    program
      .command('rollback')
      .description('restore switches to a checkpoint taken by apply')
      .argument('<fabric>', 'fabric file')
      .option('--switch <name>', 'only this switch')
      .option('--to <id>', 'the checkpoint to restore (default: the newest)')
      .option('--list', 'list the checkpoints kept (oldest first) and restore nothing')
      .option('--timeout <duration>', "deadline of each switch's restore", '60s')
      .option('--no-save', 'do not save the restored config to the startup config (config save)')
      .option('--json', 'print JSON'),
  ).action(async (file: string, flags: LiveFlags & { switch?: string; to?: string; list?: boolean; timeout: string }) => {
    const { openSession } = await import('../services/session.ts');
    const { rollbackFabric } = await import('../services/rollback.ts');
    const { table } = await import('../report/table.ts');
    const { takeRunLock } = await import('../io/run-lock.ts');
    const { newCheckpointId } = await import('../io/state-dir.ts');
    const timeoutMs = parseDuration(flags.timeout, '--timeout');
    if (flags.list && flags.to) throw new ValueError('--list restores nothing: it takes no --to');
    const session = await openSession(file, { writeLock: false, render: false }, await sessionOptions(flags));
    let lock: { release(): void } | undefined;
    try {
      if (flags.list) {
        const all = await session.state.listCheckpoints();
        const kept = all.map((c) => ({ ...c, switches: c.switches.filter((s) => !flags.switch || s.switch === flags.switch) })).filter((c) => c.switches.length > 0);
        if (flags.json) io.out(JSON.stringify({ stateDir: session.state.dir, checkpoints: kept }, null, 2));
        else io.out(kept.length === 0 ? `no checkpoints in ${session.state.dir}` : table(['checkpoint', 'taken', 'switches', 'keys'], kept.map((c) => [c.id, c.switches[0]!.at, c.switches.map((s) => s.switch).join(','), String(c.switches.reduce((n, s) => n + s.keys, 0))])));
        setExit(EXIT.OK);
        return;
      }
      // Nothing is written (run lock, switches) when the state directory cannot be.
      session.state.probe();
      lock = takeRunLock(session.state.dir, session.loaded.fabric.name, 'clos rollback', newCheckpointId(), (m) => io.err(`clos rollback: ${m}`));
      const outcomes = await withProgress('rolling back', () => rollbackFabric(session, { timeoutMs, ...(flags.switch ? { switch: flags.switch } : {}), ...(flags.to ? { to: flags.to } : {}), save: flags.save !== false }));
      if (flags.json) io.out(JSON.stringify({ outcomes }, null, 2));
      else io.out(table(['switch', 'result', 'checkpoint', 'changes', 'notes'], outcomes.map((o) => [o.switch, o.status, o.checkpoint ?? '', String(o.changes), o.error ? `${o.error.code}: ${o.error.message}` : [o.restarted ? 'bgp restarted' : '', o.saved === 'saved' ? 'config saved' : o.saved === 'no-save' ? 'not saved (--no-save)' : ''].filter(Boolean).join(', ')])));
      setExit(outcomes.some((o) => o.status === 'failed') ? EXIT.ERROR : EXIT.OK);
    } finally {
      lock?.release();
      await session.close();
    }
  });
}

/** `clos plan F` against the switches. */
export async function livePlan(io: Io, file: string, flags: LiveFlags): Promise<number> {
  const { openSession } = await import('../services/session.ts');
  const { hasWork, isRefused, planFabric } = await import('../services/plan.ts');
  const { formatPlan, planJson } = await import('../report/plan-format.ts');
  const session = await openSession(file, { writeLock: false, ...allocOptions(flags) }, await sessionOptions(flags));
  try {
    const plans = await withProgress('planning', () => planFabric(session));
    io.out(flags.json ? JSON.stringify(planJson(plans, session.loaded.changes), null, 2) : formatPlan(plans, session.loaded.changes));
    if (plans.some((p) => p.error)) return EXIT.ERROR;
    if (plans.some(isRefused)) return EXIT.REFUSED;
    return plans.some(hasWork) || session.loaded.changes.length > 0 ? EXIT.PENDING : EXIT.OK;
  } finally {
    await session.close();
  }
}

async function confirm(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

