// `clos verify F`: a thin adapter (flags → options → verifyFabric → print). Exit 0 converged,
// 11 not converged, 1 on an operational error before any switch is read (bad inventory).
import type { Command } from 'commander';
import type { VerifyFormat } from '../report/verify-format.ts';
import { withProgress } from '../progress.ts';
import { ValueError, parseDuration } from '../core/values.ts';
import { EXIT } from './exit-codes.ts';
import { sessionOptions } from './live-commands.ts';
import type { Io } from './output.ts';

interface VerifyFlags {
  timeout: string;
  format: string;
  output?: string;
  inventory?: string;
  concurrency: string;
  transport?: string;
}

export function registerVerifyCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('verify')
    .description('convergence of the live fabric from STATE_DB and APPL_DB (FRR for switches without bgpmon): waits on keyspace events within a budget')
    .argument('<fabric>', 'fabric file')
    .option('--timeout <duration>', 'budget of the whole run: 60s, 2m, 500ms, or seconds', '60s')
    .option('--format <format>', 'table | json | junit', 'table')
    .option('-o, --output <file>', 'write the report to FILE; stdout then gets the verdict line only')
    .option('--inventory <file>', 'how to reach the switches (default: the inventory of the fabric\'s running lab)')
    .option('--concurrency <n>', 'switches verified at once', '8')
    .option('--transport <kind>', 'redis | gnmi (default: per switch, the inventory\'s)')
    .action(async (file: string, f: VerifyFlags) => {
      const { VERIFY_FORMATS, formatVerify, verifyVerdict } = await import('../report/verify-format.ts');
      const { checkBuilder } = await import('../core/checks/checks.ts');
      const { writeFileAtomic } = await import('../io/files.ts');
      const { openSession } = await import('../services/session.ts');
      const { verifyFabric } = await import('../services/verify.ts');
      if (!VERIFY_FORMATS.includes(f.format as VerifyFormat)) throw new ValueError(`--format must be ${VERIFY_FORMATS.join(', ')}, not "${f.format}"`);
      const opts = await sessionOptions(f);
      const timeoutMs = parseDuration(f.timeout, '--timeout');

      const session = await openSession(file, { writeLock: false }, opts);
      try {
        session.requireInventoryEntries();
        if (session.loaded.changes.length) {
          io.err(`clos verify: warning: ${session.loaded.changes.length} allocation change(s) pending against the lock: checking the fabric as the file describes it, not as it was applied`);
        }
        // Each switch's checks are built when its turn comes (a million at 1,000 switches).
        const checks = checkBuilder(session.loaded.intents, { flavourOf: (s) => session.inventory.switches[s.name]?.flavour ?? s.flavour });
        // verify lets go of each switch as soon as it is done with it.
        const report = await withProgress('verifying', () =>
          verifyFabric({
            links: async (name) => ({ ...(await session.link(name)), close: () => session.release(name) }),
            checks,
            timeoutMs,
            concurrency: session.concurrency,
            switches: session.switches,
          }),
        );

        const body = formatVerify(report, f.format as VerifyFormat);
        if (f.output) {
          await writeFileAtomic(f.output, body);
          io.out(`${verifyVerdict(report)} (${f.format} report: ${f.output})`);
        } else io.out(body);
        // An unreachable switch is an operational error (spec/cli.md), not a convergence verdict.
        const unreachable = report.switches.some((s) => s.error !== null);
        setExit(unreachable ? EXIT.ERROR : report.converged ? EXIT.OK : EXIT.NOT_CONVERGED);
      } finally {
        await session.close();
      }
    });
}
