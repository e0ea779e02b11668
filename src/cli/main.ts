// The `clos` command line: commander wiring only; every command is a thin adapter. Only the
// command definitions load up front (`clos --version`, `--help`): each action imports what it
// runs, so a command pays for its own modules and no other's.
import { Command, CommanderError } from 'commander';
import { formatDiagnostic } from '../core/diagnostics.ts';
import { registerCompileCommands, registerPlanCommand } from './compile-commands.ts';
import { registerLiveCommands } from './live-commands.ts';
import { registerLabCommands } from './lab.ts';
import { registerVerifyCommand } from './verify-command.ts';
import { registerDriftCommand } from './drift-command.ts';
import { registerBringupCommand } from './bringup-command.ts';
import { ValueError } from '../core/values.ts';
import { registerDocsCommand } from './docs-command.ts';
import { registerServeCommand } from './serve-command.ts';
import { EXIT } from './exit-codes.ts';
import { processIo, type Io } from './output.ts';
import { LOG_FORMATS, setLogFormat, type LogFormat } from '../terminal.ts';

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('clos')
    .description('SONiC leaf-spine fabric controller: fabric file → allocation → CONFIG_DB → converged fabric')
    .version('0.1.0')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride()
    .option('--log-format <format>', `${LOG_FORMATS.join(' | ')}: log lines on stderr (default: human on a terminal, JSON lines otherwise)`)
    .hook('preAction', (cmd) => {
      const format = cmd.opts<{ logFormat?: string }>().logFormat;
      if (format !== undefined && !LOG_FORMATS.includes(format as LogFormat)) throw new Error(`--log-format must be ${LOG_FORMATS.join(' or ')}, not "${format}"`);
      setLogFormat(format as LogFormat | undefined);
    });
  registerCompileCommands(program, io, setExit);
  registerPlanCommand(program, io, setExit);
  registerLiveCommands(program, io, setExit);
  registerVerifyCommand(program, io, setExit);
  registerDriftCommand(program, io, setExit);
  registerLabCommands(program, io, setExit);
  registerBringupCommand(program, io, setExit);
  registerDocsCommand(program, io, setExit);
  registerServeCommand(program, io, setExit);
  return program;
}

export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code: number = EXIT.OK;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.OK : EXIT.ERROR;
    const { FabricInvalidError } = await import('../io/fabric.ts');
    const { InventoryError } = await import('../inventory/load.ts');
    if (e instanceof FabricInvalidError) {
      for (const d of e.diagnostics) io.err(formatDiagnostic(d));
      io.err(`${e.diagnostics.length} error(s); nothing was written.`);
      return EXIT.INVALID;
    }
    if (e instanceof ValueError) {
      io.err(`clos ${argv[2] ?? ''}: ${e.message}`);
      return EXIT.ERROR;
    }
    if (e instanceof InventoryError) {
      io.err(`clos: ${e.message}`);
      return EXIT.ERROR;
    }
    const err = e as Error & { code?: string };
    io.err(`clos: ${err.code ? `${err.code}: ` : ''}${err.message}`);
    return EXIT.ERROR;
  }
}
