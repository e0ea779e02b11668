// `clos bringup F [--racks r5,r6] [--dry-run] [--resume] [--timeout 60s]`: flags → options → the
// bring-up service → progress and report. Exit 0 done, 13 rolled back, 1 error.
import type { Command } from 'commander';
import type { RunRecord } from '../bringup/record.ts';
import { ValueError, parseDuration } from '../core/values.ts';
import { allocOptions } from './compile-commands.ts';
import { EXIT } from './exit-codes.ts';
import { sessionOptions, withSwitchOptions } from './live-commands.ts';
import { processIo, type Io } from './output.ts';

interface BringupFlags {
  racks?: string;
  dryRun?: boolean;
  resume?: boolean;
  timeout: string;
  lldpTimeout?: string;
  inventory?: string;
  concurrency?: string;
  transport?: string;
  allowRenumber?: boolean;
  json?: boolean;
  /** commander's negation of --no-save: false when given. */
  save?: boolean;
}

export function registerBringupCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  withSwitchOptions(
    program
      .command('bringup')
      .description('staged, gated bring-up of the fabric or of new racks, with automatic rollback; writes the lock')
      .argument('<fabric>', 'fabric file')
      .option('--racks <list>', 'only these racks (comma-separated): their leaves first, then one spine at a time')
      .option('--dry-run', 'print the stages and their changes; write nothing')
      .option('--resume', 'continue the last run that did not finish')
      .option('--timeout <duration>', "budget of each gate (sessions Established, prefixes present), and deadline of each switch's write (at least 60s)", '60s')
      .option('--lldp-timeout <duration>', 'how long LLDP may take to show every intended neighbour (default: the gate budget, at most 60s)')
      .option('--allow-renumber', 'accept moves of existing allocations')
      .option('--no-save', 'do not save what each stage (and a rollback) writes to the startup config (config save)')
      .option('--json', 'print the run record as JSON'),
  ).action(async (file: string, flags: BringupFlags) => {
    const { openSession } = await import('../services/session.ts');
    const { formatDryRun, formatReport, progressLines } = await import('../report/bringup-format.ts');
    const timeoutMs = parseDuration(flags.timeout, '--timeout');
    const lldpMs = flags.lldpTimeout ? parseDuration(flags.lldpTimeout, '--lldp-timeout') : undefined;
    const racks = flags.racks ? flags.racks.split(',').map((r) => r.trim()).filter(Boolean) : undefined;
    if (flags.resume && (racks || flags.dryRun)) throw new ValueError('--resume continues the recorded run: it takes neither --racks nor --dry-run');
    const session = await openSession(file, { writeLock: !flags.dryRun, ...allocOptions(flags) }, await sessionOptions(flags));
    try {
      if (flags.dryRun) {
        const { planBringup } = await import('../bringup/dry-run.ts');
        const { stages, switches } = await planBringup(session, racks);
        io.out(flags.json ? JSON.stringify({ stages, switches: switches.map((s) => ({ ...s, lines: Object.fromEntries(s.lines) })) }, null, 2) : formatDryRun(stages, switches, racks));
        setExit(switches.some((s) => s.error) ? EXIT.ERROR : EXIT.OK);
        return;
      }
      const { runBringup } = await import('../bringup/run.ts');
      const { createLogger } = await import('../log.ts');
      const { takeRunLock } = await import('../io/run-lock.ts');
      const { newCheckpointId } = await import('../io/state-dir.ts');
      // Nothing is written (run lock, records, switches) when the state directory cannot be.
      session.state.probe();
      const lock = takeRunLock(session.state.dir, session.loaded.fabric.name, 'clos bringup', newCheckpointId(), (m) => io.err(`clos bringup: ${m}`));
      // Logs only when asked for (CLOS_LOG_LEVEL): they would break the progress display.
      const log = process.env.CLOS_LOG_LEVEL ? createLogger('clos-bringup') : undefined;
      const progress = new Progress(io, progressLines, !flags.json && !log && io === processIo && Boolean(process.stderr.isTTY));
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      let result: { record: RunRecord };
      try {
        result = await runBringup(session, {
          ...(racks ? { racks } : {}),
          ...(flags.resume ? { resume: true } : {}),
          timeoutMs,
          save: flags.save !== false,
          ...(lldpMs !== undefined ? { lldpMs } : {}),
          signal: stop.signal,
          ...(log ? { log } : {}),
          onUpdate: (r) => progress.show(r),
        });
      } finally {
        process.removeListener('SIGINT', onSignal);
        lock.release();
      }
      progress.end(result.record);
      io.out(flags.json ? JSON.stringify(result.record, null, 2) : formatReport(result.record, file));
      if (!flags.json && flags.save === false) io.err('clos bringup: --no-save: nothing was saved to the startup config; a config reload or reboot brings back the old one (clos drift reports it as unsaved).');
      setExit(result.record.status === 'done' ? EXIT.OK : result.record.status === 'rolled-back' ? EXIT.ROLLED_BACK : EXIT.ERROR);
    } finally {
      await session.close();
    }
  });
}

/** On a terminal: the block of progress lines redrawn in place (ANSI). Otherwise: one plain
 *  line per change of a stage or switch. */
class Progress {
  private drawn = 0;
  private said = new Map<string, string>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private last: RunRecord | undefined;

  constructor(
    private readonly io: Io,
    private readonly progressLines: (r: RunRecord, now: number) => string[],
    private readonly tty: boolean,
  ) {}

  show(r: RunRecord): void {
    this.last = r;
    if (this.tty) {
      this.draw(r);
      this.timer ??= setInterval(() => this.last && this.draw(this.last), 500);
      return;
    }
    for (const st of r.stages) {
      this.say(st.spec.id, `stage ${st.spec.id}: ${st.status}`);
      for (const s of st.switches) {
        if (s.step === 'pending') continue;
        const text = `stage ${st.spec.id}: ${s.name} ${s.step}${s.convergeMs !== undefined ? ` (converged in ${(s.convergeMs / 1000).toFixed(1)} s)` : ''}${s.failure ? `: ${s.failure.code}: ${s.failure.message}` : ''}`;
        this.say(`${st.spec.id}/${s.name}`, text);
      }
    }
  }

  private say(key: string, text: string): void {
    if (this.said.get(key) === text) return;
    this.said.set(key, text);
    this.io.err(`${new Date().toISOString().slice(11, 19)} ${text}`);
  }

  private draw(r: RunRecord): void {
    const lines = this.progressLines(r, Date.now());
    const up = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    process.stderr.write(`${up}${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n`);
    this.drawn = lines.length;
  }

  end(r: RunRecord): void {
    if (this.timer) clearInterval(this.timer);
    if (this.tty) this.draw(r);
  }
}
