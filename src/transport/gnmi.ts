// The gNMI transport: SONiC's databases over sonic-gnmi (or the emulated switch's server). Reads
// are table-level Gets on the DB target; one switch's change set is ONE SetRequest with origin
// sonic-db (all-or-nothing on the switch); watches are STREAM ON_CHANGE subscriptions whose
// initial snapshot is skipped (the Redis transport reports changes only) and which re-subscribe
// with backoff when the stream breaks. The routing-service restart goes through gNOI
// System.KillProcess, as sonic-gnmi offers it.
import { readFileSync } from 'node:fs';
import type { Change } from '../core/diff/diff.ts';
import type { Fields } from '../core/diff/flat.ts';
import { GnmiClient, GnmiError, type GnmiTls } from '../gnmi/client.ts';
import {
  decodeDatabase,
  decodeTables,
  getDatabaseRequest,
  getTablesRequest,
  keysOfNotification,
  restartServiceRequest,
  setRequestFor,
  subscribeTablesRequest,
} from '../gnmi/messages.ts';
import { knownFailure } from './net-errors.ts';
import { SwitchError, type DbName, type ExecChannel, type ExecResult, type Transport, type Unwatch } from './transport.ts';

export interface GnmiEndpoint {
  readonly host: string;
  readonly port: number;
  /** true: TLS with the system's CAs; files (PEM paths): TLS with these. */
  readonly tls?: boolean | { readonly ca?: string; readonly cert?: string; readonly key?: string; readonly servername?: string };
  readonly username?: string;
  /** The password itself, resolved by the caller from the environment; never logged. */
  readonly password?: string;
  /** Deadline of each read or write (default 10 s; a Set gets 6 times that: GCU is slow). */
  readonly deadlineMs?: number;
}

export function describeGnmi(e: GnmiEndpoint): string {
  return `gnmi ${e.host}:${e.port}${e.tls ? ' (TLS)' : ''}`;
}

const GRPC_NOT_FOUND = 5;
const GRPC_UNIMPLEMENTED = 12;
const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAUTHENTICATED = 16;
const GRPC_PERMISSION_DENIED = 7;

function tlsFiles(tls: GnmiEndpoint['tls']): boolean | GnmiTls {
  if (tls === undefined || typeof tls === 'boolean') return tls ?? false;
  return {
    ...(tls.ca ? { ca: readFileSync(tls.ca) } : {}),
    ...(tls.cert ? { cert: readFileSync(tls.cert) } : {}),
    ...(tls.key ? { key: readFileSync(tls.key) } : {}),
    ...(tls.servername ? { servername: tls.servername } : {}),
  };
}

export class GnmiTransport implements Transport {
  readonly endpoint: string;
  readonly client: GnmiClient;
  private readonly deadlineMs: number;
  private readonly unwatchers = new Set<Unwatch>();

  constructor(
    readonly switchName: string,
    private readonly target: GnmiEndpoint,
  ) {
    this.endpoint = describeGnmi(target);
    this.deadlineMs = target.deadlineMs ?? 10_000;
    let tls: boolean | GnmiTls;
    try {
      tls = tlsFiles(target.tls);
    } catch (e) {
      throw new SwitchError('UNREACHABLE', switchName, this.endpoint, `cannot read a TLS file: ${(e as Error).message}`, { cause: e });
    }
    this.client = new GnmiClient({
      host: target.host,
      port: target.port,
      tls,
      ...(target.username !== undefined ? { username: target.username } : {}),
      ...(target.password !== undefined ? { password: target.password } : {}),
      deadlineMs: this.deadlineMs,
    });
  }

  /** A gRPC failure as a SwitchError naming the switch, the endpoint and the gRPC status. */
  switchError(what: string, e: unknown): SwitchError {
    if (e instanceof SwitchError) return e;
    if (!(e instanceof GnmiError)) return new SwitchError('REJECTED', this.switchName, this.endpoint, `${what} failed: ${(e as Error).message ?? e}`, { cause: e });
    const status = `gRPC ${e.codeName} (${e.code}): ${e.details}`;
    if (e.code === GRPC_UNAVAILABLE) {
      // gRPC keeps the socket's errno only in its details ("connect ECONNREFUSED …"): say it.
      const why = knownFailure(new Error(e.details), { host: this.target.host, port: this.target.port, tls: !!this.target.tls });
      return new SwitchError('UNREACHABLE', this.switchName, this.endpoint, `${what} failed, switch unreachable${why ? ` (${why.words})` : ''}: ${status}`, { cause: e });
    }
    if (e.code === GRPC_DEADLINE_EXCEEDED) return new SwitchError('TIMEOUT', this.switchName, this.endpoint, `${what} failed, no answer in time: ${status}`, { cause: e });
    if (e.code === GRPC_UNAUTHENTICATED || e.code === GRPC_PERMISSION_DENIED) {
      return new SwitchError('REJECTED', this.switchName, this.endpoint, `${what} failed, authentication refused: ${status}`, { cause: e });
    }
    return new SwitchError('REJECTED', this.switchName, this.endpoint, `${what} refused: ${status}`, { cause: e });
  }

  async read(db: DbName, tables?: readonly string[]): Promise<Map<string, Fields>> {
    if (tables && tables.length === 0) return new Map();
    try {
      if (!tables) return decodeDatabase(db, await this.client.get(getDatabaseRequest(db)));
      try {
        return decodeTables(db, await this.client.get(getTablesRequest(db, tables)));
      } catch (e) {
        // Older sonic-gnmi answers NOT_FOUND for a table without keys: ask table by table,
        // and read such a table as empty.
        if (!(e instanceof GnmiError) || e.code !== GRPC_NOT_FOUND || tables.length === 0) throw e;
        const parts = await Promise.all(
          tables.map((t) =>
            this.client.get(getTablesRequest(db, [t])).then(
              (r) => decodeTables(db, r),
              (err: unknown) => {
                if (err instanceof GnmiError && err.code === GRPC_NOT_FOUND) return new Map<string, Fields>();
                throw err;
              },
            ),
          ),
        );
        return new Map(parts.flatMap((m) => [...m]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      }
    } catch (e) {
      throw this.switchError(`Get of ${db} ${tables ? tables.join(',') : '(all tables)'}`, e);
    }
  }

  async apply(changes: readonly Change[]): Promise<void> {
    if (changes.length === 0) return;
    try {
      await this.client.set(setRequestFor(changes), this.deadlineMs * 6);
    } catch (e) {
      // A Set past its deadline was sent: the switch may still apply it (all or nothing).
      if (e instanceof GnmiError && e.code === GRPC_DEADLINE_EXCEEDED) {
        throw new SwitchError('TIMEOUT', this.switchName, this.endpoint, `state unknown: Set of ${changes.length} change(s) sent, no reply in time: gRPC ${e.codeName} (${e.code}): ${e.details}`, { cause: e, outcome: 'unknown' });
      }
      throw this.switchError(`Set of ${changes.length} change(s), nothing applied`, e);
    }
  }

  async watch(db: DbName, tables: readonly string[], onChange: (key: string) => void): Promise<Unwatch> {
    let resynced = false;
    const sub = this.client.subscribe(subscribeTablesRequest(db, tables), {
      onNotification: (n, synced) => {
        // Before the first sync: the snapshot (not a change). After a re-subscribe: the new
        // snapshot stands for whatever changed while the stream was down.
        if (synced || resynced) for (const k of keysOfNotification(db, n)) onChange(k);
      },
      onReconnecting: () => {
        resynced = true;
      },
      onSync: () => {
        resynced = false;
      },
    });
    try {
      await sub.synced;
    } catch (e) {
      sub.close();
      throw this.switchError(`Subscribe to ${db} ${tables.join(',')}`, e);
    }
    const unwatch: Unwatch = async () => {
      sub.close();
      this.unwatchers.delete(unwatch);
    };
    this.unwatchers.add(unwatch);
    return unwatch;
  }

  /** `systemctl restart <service>` through gNOI System.KillProcess. */
  async restartService(service: string): Promise<void> {
    try {
      await this.client.killProcess(restartServiceRequest(service), 120_000);
    } catch (e) {
      throw this.switchError(`gNOI restart of the ${service} service`, e);
    }
  }

  /** `config save -y` through gNOI SonicService.ConfigSave. */
  async saveConfig(): Promise<void> {
    try {
      await this.client.configSave(120_000);
    } catch (e) {
      throw this.switchError('gNOI ConfigSave', e);
    }
  }

  async close(): Promise<void> {
    for (const u of [...this.unwatchers]) await u();
    this.client.close();
  }
}

/**
 * The exec channel of a switch reached by gNMI: `systemctl restart <service>` and `config save
 * -y` (with or without sudo) go through gNOI (System.KillProcess, SonicService.ConfigSave), so a
 * switch with no shell access can still be brought up and saved; any other command (vtysh)
 * goes to the inventory's exec channel when there is one.
 */
export function gnoiExecChannel(transport: GnmiTransport, fallback?: ExecChannel): ExecChannel {
  const endpoint = `gnoi ${transport.endpoint.replace(/^gnmi /, '')}${fallback ? `, ${fallback.endpoint}` : ''}`;
  return {
    endpoint,
    run: async (argv, opts): Promise<ExecResult> => {
      const args = argv[0] === 'sudo' ? argv.slice(1) : argv;
      const save = args.length === 3 && args[0] === 'config' && args[1] === 'save' && args[2] === '-y';
      if (save || (args.length === 3 && args[0] === 'systemctl' && args[1] === 'restart')) {
        try {
          await (save ? transport.saveConfig() : transport.restartService(args[2]!));
          return { code: 0, stdout: '', stderr: '' };
        } catch (e) {
          // A sonic-gnmi with writes disabled does not register gNOI System / SonicService: use the shell.
          const cause = (e as Error).cause;
          if (fallback && cause instanceof GnmiError && cause.code === GRPC_UNIMPLEMENTED) {
            return fallback.run(fallback.endpoint.startsWith('ssh ') ? ['sudo', ...args] : args, opts);
          }
          return { code: 1, stdout: '', stderr: (e as Error).message };
        }
      }
      if (fallback) return fallback.run(argv, opts);
      return { code: 127, stdout: '', stderr: `${argv.join(' ')}: this switch is reached by gNMI only (no exec channel in the inventory); only "systemctl restart <service>" and "config save -y" are available, through gNOI` };
    },
  };
}
