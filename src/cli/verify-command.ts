// `clos verify F`: a thin adapter (flags → options → verifyFabric → print). Exit 0 converged,
// 11 not converged, 1 on an operational error before any switch is read (bad inventory).
import type { Command } from 'commander';
import type { VerifyFormat } from '../report/verify-format.ts';
import type { TransportKind } from '../transport/connect.ts';
import { withProgress } from '../progress.ts';
import { parseDuration } from './duration.ts';
import { EXIT } from './exit-codes.ts';
import type { Io } from './output.ts';

const TRANSPORTS: readonly TransportKind[] = ['redis', 'gnmi'];

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
      const { buildChecks } = await import('../core/checks/checks.ts');
      const { InventoryError, findInventory } = await import('../inventory/load.ts');
      const { loadFabric } = await import('../io/fabric.ts');
      const { writeFileAtomic } = await import('../io/files.ts');
      const { verifyFabric } = await import('../services/verify.ts');
      const { connectSwitch } = await import('../transport/connect.ts');
      const bad = (msg: string) => {
        io.err(`clos verify: ${msg}`);
        setExit(EXIT.ERROR);
      };
      if (!VERIFY_FORMATS.includes(f.format as VerifyFormat)) return bad(`--format must be ${VERIFY_FORMATS.join(', ')}, not "${f.format}"`);
      if (f.transport !== undefined && !TRANSPORTS.includes(f.transport as TransportKind)) return bad(`--transport must be redis or gnmi, not "${f.transport}"`);
      const concurrency = Number(f.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1) return bad(`--concurrency must be a whole number of at least 1, not "${f.concurrency}"`);
      let timeoutMs: number;
      try {
        timeoutMs = parseDuration(f.timeout, '--timeout');
      } catch (e) {
        return bad((e as Error).message);
      }

      const loaded = await loadFabric(file, { writeLock: false });
      const { inventory, file: inventoryFile } = findInventory(loaded.fabric.name, f.inventory);
      const names = loaded.intents.map((s) => s.name);
      const missing = names.filter((n) => !inventory.switches[n]);
      if (missing.length) throw new InventoryError(`${inventoryFile}: no entry for ${missing.join(', ')} of fabric ${loaded.fabric.name}`);
      if (loaded.changes.length) {
        io.err(`clos verify: warning: ${loaded.changes.length} allocation change(s) pending against the lock: checking the fabric as the file describes it, not as it was applied`);
      }

      const checks = buildChecks(loaded.intents, { flavourOf: (s) => inventory.switches[s.name]?.flavour ?? s.flavour });
      const override = f.transport as TransportKind | undefined;
      const report = await withProgress('verifying', () =>
        verifyFabric({
          links: (name) => connectSwitch(name, inventory.switches[name]!, override),
          checks,
          timeoutMs,
          concurrency,
          switches: names,
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
    });
}
