// `clos drift F`: a thin adapter (flags → session → driftFabric → print). Exit 0 without drift,
// 12 with, 1 on an operational error before any switch is read (bad inventory, bad flag).
// With --watch: a round every interval, the first printed in full, later ones as what changed;
// every report kept in the state directory; SIGINT stops after the round in progress.
import type { Command } from 'commander';
import { DRIFT_FORMATS, type DriftFormat } from '../report/drift-formats.ts';
import type { DriftReport } from '../results/drift-schema.ts';
import type { FabricSession } from '../services/session.ts';
import { withProgress } from '../progress.ts';
import { ValueError, parseDuration } from '../core/values.ts';
import { EXIT } from './exit-codes.ts';
import { sessionOptions, withSwitchOptions } from './live-commands.ts';
import type { Io } from './output.ts';

interface DriftFlags {
  format: string;
  output?: string;
  watch?: string;
  inventory?: string;
  concurrency?: string;
  transport?: string;
}

export function registerDriftCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  withSwitchOptions(
    program
      .command('drift')
      .description('intent (the fabric file) vs CONFIG_DB vs operational state: one finding per switch and object, with its remediation')
      .argument('<fabric>', 'fabric file')
      .option('--format <format>', DRIFT_FORMATS.join(' | '), 'table')
      .option('-o, --output <file>', 'write the report to FILE; stdout then gets the verdict line')
      .option('--watch <duration>', 'repeat every DURATION (30s, 2m): print what changed, keep every report in the state directory; Ctrl-C stops'),
  ).action(async (file: string, f: DriftFlags) => {
    if (!DRIFT_FORMATS.includes(f.format as DriftFormat)) throw new ValueError(`--format must be ${DRIFT_FORMATS.join(', ')}, not "${f.format}"`);
    const format = f.format as DriftFormat;
    const intervalMs = f.watch === undefined ? undefined : parseDuration(f.watch, '--watch');
    if (intervalMs !== undefined && intervalMs < 1000) throw new ValueError(`--watch must be at least 1s, not "${f.watch}"`);
    const opts = await sessionOptions(f);
    const { openSession } = await import('../services/session.ts');
    const { driftFabric } = await import('../services/drift.ts');
    const session = await openSession(file, { writeLock: false }, opts);
    try {
      session.requireInventoryEntries();
      if (session.loaded.changes.length) {
        io.err(`clos drift: warning: ${session.loaded.changes.length} allocation change(s) pending against the lock: comparing with the fabric as the file describes it`);
      }
      const report = intervalMs === undefined ? await withProgress('reading the fabric', () => driftFabric(session)) : await watch(session, io, format, f.output, intervalMs);
      if (!report) return setExit(EXIT.OK);
      if (intervalMs === undefined) await print(io, report, format, f.output);
      setExit(report.drift ? EXIT.DRIFT : EXIT.OK);
    } finally {
      await session.close();
    }
  });
}

async function print(io: Io, report: DriftReport, format: DriftFormat, output: string | undefined): Promise<void> {
  const { formatDrift } = await import('../report/drift-format.ts');
  const { driftVerdict } = await import('../report/drift-text.ts');
  const { writeFileAtomic } = await import('../io/files.ts');
  const body = formatDrift(report, format);
  if (output) {
    await writeFileAtomic(output, body);
    io.out(`${driftVerdict(report)} (${format} report: ${output})`);
  } else io.out(body);
}

async function watch(session: FabricSession, io: Io, format: DriftFormat, output: string | undefined, intervalMs: number): Promise<DriftReport | undefined> {
  const { watchDrift } = await import('../services/drift-watch.ts');
  const { formatDelta, formatDrift } = await import('../report/drift-format.ts');
  const { writeFileAtomic } = await import('../io/files.ts');
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const { last, rounds } = await watchDrift(session, {
      intervalMs,
      signal: stop.signal,
      onRound: async (report, delta) => {
        if (!delta) await print(io, report, format, output);
        else {
          if (output) await writeFileAtomic(output, formatDrift(report, format));
          const text = formatDelta(delta, format === 'json' ? 'json' : 'table');
          if (text) io.out(text);
        }
      },
    });
    io.err(`clos drift: stopped after ${rounds} round(s); reports kept in ${session.state.dir}/drift/`);
    return last;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
