// `clos serve [F…] [--dir DIR] [--host H] [--port 8080] [--tokens FILE] [--tls-cert F --tls-key F]
// [--watch 30s] [--metrics-public]` and `clos serve token add NAME --role R --tokens FILE`.
// Runs until SIGTERM/SIGINT; exit 1 on a start error.
import type { Command } from 'commander';
import { ValueError, parseDuration } from '../core/values.ts';
import { EXIT } from './exit-codes.ts';
import { sessionOptions, withSwitchOptions } from './live-commands.ts';
import type { Io } from './output.ts';

interface ServeFlags {
  dir?: string;
  host: string;
  port: string;
  tokens?: string;
  tlsCert?: string;
  tlsKey?: string;
  watch?: string;
  metricsPublic?: boolean;
  inventory?: string;
  concurrency?: string;
  transport?: string;
}

export function registerServeCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  const cmd = withSwitchOptions(
    program
      .command('serve')
      .description('HTTP API (/api/v1/…), Server-Sent Events, /metrics, /api/openapi.json and the dashboard at /')
      .argument('[fabric...]', 'fabric files to serve')
      .option('--dir <dir>', 'also serve every *.fabric.yaml in DIR')
      .option('--host <host>', 'address to bind', '127.0.0.1')
      .option('--port <port>', 'port', '8080')
      .option('--tokens <file>', 'bearer tokens (clos serve token add); required off loopback')
      .option('--tls-cert <file>', 'TLS certificate (PEM)')
      .option('--tls-key <file>', 'TLS private key (PEM)')
      .option('--watch <duration>', 'drift every DURATION: live on /api/v1/events, the dashboard and /metrics')
      .option('--metrics-public', '/metrics without a token'),
  ).action(async (files: string[], f: ServeFlags) => {
    const port = Number(f.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ValueError(`--port must be 0-65535, not "${f.port}"`);
    const watchMs = f.watch ? parseDuration(f.watch, '--watch') : undefined;
    if (watchMs !== undefined && watchMs < 1000) throw new ValueError(`--watch must be at least 1s, not "${f.watch}"`);
    const { createLogger } = await import('../log.ts');
    const { serve } = await import('../serve/server.ts');
    const log = createLogger('clos-serve');
    const server = await serve({
      files,
      ...(f.dir ? { dir: f.dir } : {}),
      host: f.host,
      port,
      ...(f.tokens ? { tokens: f.tokens } : {}),
      ...(f.tlsCert ? { tlsCert: f.tlsCert } : {}),
      ...(f.tlsKey ? { tlsKey: f.tlsKey } : {}),
      ...(watchMs ? { watchMs } : {}),
      ...(f.metricsPublic ? { metricsPublic: true } : {}),
      session: await sessionOptions(f),
      log,
    });
    io.err(`clos serve: listening on ${server.url}`);
    await new Promise<void>((resolve) => {
      const stop = (sig: string) => {
        io.err(`clos serve: ${sig}: finishing running switch writes, then exiting`);
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onInt);
        void server.close().then(resolve, resolve);
      };
      const onTerm = () => stop('SIGTERM');
      const onInt = () => stop('SIGINT');
      process.on('SIGTERM', onTerm);
      process.on('SIGINT', onInt);
    });
    setExit(EXIT.OK);
  });

  cmd
    .command('token')
    .description('manage the tokens file')
    .command('add')
    .description('add a token and print it (once: the file keeps only its hash)')
    .argument('<name>', 'who the token is for')
    .requiredOption('--role <role>', 'read | operate')
    .option('--tokens <file>', 'the tokens file (created, mode 0600)')
    .action(async (name: string, _f: unknown, c: Command) => {
      // `--tokens` after `token add` is parsed by `serve`, which has the same option.
      const f = c.optsWithGlobals<{ role: string; tokens?: string }>();
      if (!f.tokens) throw new Error('clos serve token add: --tokens FILE is required');
      const { addToken } = await import('../serve/tokens.ts');
      const token = await addToken(f.tokens, name, f.role);
      io.out(token);
      io.err(`clos serve: token ${name} (${f.role}) added to ${f.tokens}; it is shown only now`);
      setExit(EXIT.OK);
    });
}
