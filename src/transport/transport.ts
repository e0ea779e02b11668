// The one small interface every way of reaching a switch implements: Redis (ioredis), gNMI,
// and an in-memory fake for unit tests and dry runs. Everything above it (plan, apply, verify,
// drift, bring-up) is written against this interface only.
import type { Change } from '../core/diff/diff.ts';
import type { Fields } from '../core/diff/flat.ts';

export type DbName = 'CONFIG_DB' | 'STATE_DB' | 'APPL_DB';

/** SONiC's key separator per database (database_config.json). */
export const SEPARATOR: Readonly<Record<DbName, string>> = { CONFIG_DB: '|', STATE_DB: '|', APPL_DB: ':' };
export const DB_ID: Readonly<Record<DbName, number>> = { APPL_DB: 0, CONFIG_DB: 4, STATE_DB: 6 };

export interface Transport {
  /** Where the switch is reached, for messages: "redis 127.0.1.3:6379". Never a secret. */
  readonly endpoint: string;
  /** Entries of the given tables (all tables when omitted), keyed `TABLE<sep>key`, decoded:
   *  the NULL:NULL filler entry dropped, list fields kept as `name@`. */
  read(db: DbName, tables?: readonly string[], opts?: ReadOptions): Promise<Map<string, Fields>>;
  /** Applies one switch's change set all-or-nothing (MULTI/EXEC, or one gNMI SetRequest).
   *  A transport that can read the changed keys back in the same transaction returns them
   *  (saves apply a separate read of every managed table). */
  apply(changes: readonly Change[]): Promise<void | ApplyReceipt>;
  /** Calls onChange with the full key (`TABLE<sep>key`) each time a key of these tables changes.
   *  Resolves once the subscription is active. */
  watch(db: DbName, tables: readonly string[], onChange: (key: string) => void): Promise<Unwatch>;
  close(): Promise<void>;
}

export type Unwatch = () => Promise<void>;

export interface ReadOptions {
  /** Keys the caller expects to find (what it renders, what it applied before, the platform's
   *  ports): a hint, never a filter. The Redis transport reads their values in the same round
   *  trip as it lists the keys, so a read that finds only expected keys is one round trip, not
   *  two. The result is the same with or without it. */
  readonly expect?: Iterable<string>;
  /** The caller only looks keys up: they may come in the server's order (a table's keys
   *  together), not sorted. Sorting verify's million route keys at 1,000 switches was a fifth
   *  of its CPU. Without it, the Redis transport's keys come sorted. */
  readonly unordered?: boolean;
}

export interface ApplyReceipt {
  /** Every key the change set touched, as the switch holds it right after the write (read
   *  atomically with it); a key absent here is absent on the switch. */
  readonly readBack: ReadonlyMap<string, Fields>;
}

/** Runs the few actions SONiC only offers as commands (vtysh, restart of the bgp service). */
export interface ExecChannel {
  readonly endpoint: string;
  /** `signal`: the operation's deadline; the command is killed when it fires. */
  run(argv: readonly string[], opts?: { timeoutMs?: number; signal?: AbortSignal }): Promise<ExecResult>;
}

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export const SWITCH_ERROR_CODES = {
  UNREACHABLE: 'the switch did not accept a connection (address, port, TLS or network)',
  REJECTED: 'the switch refused an operation (authentication, a rejected write: nothing applied)',
  READBACK_MISMATCH: 'what was read back after a write differs from what was written',
  EXEC_FAILED: 'a command on the switch (vtysh, restart of the bgp service) failed or cannot run',
  TIMEOUT: 'the switch stopped answering in the middle of an operation',
  SAVE_FAILED: 'the switch did not save its running CONFIG_DB to its startup config (config save / gNOI ConfigSave): what was written stands, a reload would lose it',
} as const;

export type SwitchErrorCode = keyof typeof SWITCH_ERROR_CODES;

/** A switch could not be reached or refused an operation. Names the switch, the endpoint and
 *  the cause, always. `outcome: 'unknown'`: a write was sent and never answered, so what the
 *  switch holds is not known until it is read again (it may apply the write, whole, later). */
export class SwitchError extends Error {
  readonly outcome?: 'unknown';

  constructor(
    readonly code: SwitchErrorCode,
    readonly switchName: string,
    readonly endpoint: string,
    message: string,
    options?: { cause?: unknown; outcome?: 'unknown' },
  ) {
    super(`${switchName} (${endpoint}): ${message}`, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'SwitchError';
    if (options?.outcome) this.outcome = options.outcome;
  }
}
