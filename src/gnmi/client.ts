// A gNMI client over @grpc/grpc-js: Capabilities, Get, Set, Subscribe (STREAM with ON_CHANGE or
// SAMPLE, ONCE, POLL) and gNOI System.KillProcess, on one HTTP/2 channel. Plaintext, TLS or
// mutual TLS; username/password as gRPC metadata (sonic-gnmi's `password` auth mode); a
// deadline on every unary call; STREAM subscriptions re-subscribe with exponential backoff when
// the stream breaks after it was synchronised. Builds no messages itself (messages.ts does).
import * as grpc from '@grpc/grpc-js';
import { gnmiServiceDefinition, sonicServiceDefinition, systemServiceDefinition } from './proto.ts';
import type {
  CapabilityResponse,
  ConfigSaveResponse,
  GetRequest,
  GetResponse,
  KillProcessRequest,
  Notification,
  SetRequest,
  SetResponse,
  SubscribeRequest,
  SubscribeResponse,
  SubscriptionList,
} from './types.ts';

export interface GnmiTls {
  /** PEM of the CA that signed the server certificate (default: the system's CAs). */
  readonly ca?: string | Buffer;
  /** PEM client certificate and key, for mutual TLS. */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** Name to verify in the server certificate, when it is not the host dialled. */
  readonly servername?: string;
}

export interface GnmiClientOptions {
  readonly host: string;
  readonly port: number;
  /** TLS: true for the system's CAs, or the files' contents; absent/false: plaintext. */
  readonly tls?: boolean | GnmiTls;
  readonly username?: string;
  /** The password itself; never logged. */
  readonly password?: string;
  /** Deadline of each unary call (default 10 s). */
  readonly deadlineMs?: number;
  /** Reconnect backoff of STREAM subscriptions (default 100 ms doubling up to 5 s). */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
}

const STATUS_NAMES = new Map<number, string>(Object.entries(grpc.status).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v as number, k]));

export function statusName(code: number): string {
  return STATUS_NAMES.get(code) ?? `CODE_${code}`;
}

/** A gRPC call that ended with a status other than OK. */
export class GnmiError extends Error {
  constructor(
    readonly rpc: string,
    readonly code: number,
    readonly details: string,
    options?: { cause?: unknown },
  ) {
    super(`${rpc}: gRPC ${statusName(code)} (${code}): ${details}`, options);
    this.name = 'GnmiError';
  }

  get codeName(): string {
    return statusName(this.code);
  }
}

function toGnmiError(rpc: string, e: unknown): GnmiError {
  if (e instanceof GnmiError) return e;
  const err = e as Partial<grpc.ServiceError>;
  return new GnmiError(rpc, typeof err.code === 'number' ? err.code : grpc.status.UNKNOWN, err.details || (e as Error)?.message || String(e), { cause: e });
}

/** Codes after which re-subscribing cannot help: the request itself is refused. */
const PERMANENT = new Set<number>([
  grpc.status.INVALID_ARGUMENT,
  grpc.status.NOT_FOUND,
  grpc.status.UNAUTHENTICATED,
  grpc.status.PERMISSION_DENIED,
  grpc.status.UNIMPLEMENTED,
  grpc.status.FAILED_PRECONDITION,
]);

export interface SubscribeHandlers {
  /** Every notification; `synced` tells whether the initial sync_response came already. */
  onNotification?(n: Notification, synced: boolean): void;
  /** Each sync_response (after the initial data, after each POLL, after a re-subscribe). */
  onSync?(): void;
  /** The subscription ended for good with this error (no more reconnects). */
  onError?(e: GnmiError): void;
  /** The stream broke; a new one is opened after delayMs. */
  onReconnecting?(attempt: number, e: GnmiError, delayMs: number): void;
}

export interface Subscription {
  /** The first sync_response; rejects when the first stream fails before it. */
  readonly synced: Promise<void>;
  /** The subscription is over: server ended it (ONCE), a permanent error, or close(). */
  readonly done: Promise<void>;
  /** POLL mode: asks for the next snapshot. */
  poll(): void;
  close(): void;
}

export class GnmiClient {
  readonly address: string;
  private readonly client: grpc.Client;
  private readonly deadlineMs: number;
  private readonly open = new Set<() => void>();

  constructor(private readonly opts: GnmiClientOptions) {
    this.address = `${opts.host}:${opts.port}`;
    this.deadlineMs = opts.deadlineMs ?? 10_000;
    const tls = opts.tls === true ? {} : opts.tls || undefined;
    const creds = tls
      ? grpc.credentials.createSsl(
          tls.ca !== undefined ? Buffer.from(tls.ca) : null,
          tls.key !== undefined ? Buffer.from(tls.key) : null,
          tls.cert !== undefined ? Buffer.from(tls.cert) : null,
        )
      : grpc.credentials.createInsecure();
    const channelOptions: grpc.ChannelOptions = {
      ...(tls?.servername ? { 'grpc.ssl_target_name_override': tls.servername, 'grpc.default_authority': tls.servername } : {}),
      // Table snapshots of a large switch exceed gRPC's 4 MB default.
      'grpc.max_receive_message_length': 256 * 1024 * 1024,
      'grpc.max_send_message_length': 256 * 1024 * 1024,
    };
    this.client = new grpc.Client(this.address, creds, channelOptions);
  }

  private metadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    if (this.opts.username !== undefined) md.set('username', this.opts.username);
    if (this.opts.password !== undefined) md.set('password', this.opts.password);
    return md;
  }

  private unary<Req, Res>(service: grpc.ServiceDefinition, name: string, req: Req, deadlineMs?: number): Promise<Res> {
    const m = service[name]!;
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        m.path,
        m.requestSerialize as (v: Req) => Buffer,
        m.responseDeserialize as (b: Buffer) => Res,
        req,
        this.metadata(),
        { deadline: Date.now() + (deadlineMs ?? this.deadlineMs) },
        (err, res) => (err ? reject(toGnmiError(name, err)) : resolve(res as Res)),
      );
    });
  }

  capabilities(): Promise<CapabilityResponse> {
    return this.unary(gnmiServiceDefinition(), 'Capabilities', {});
  }

  get(req: GetRequest, deadlineMs?: number): Promise<GetResponse> {
    return this.unary(gnmiServiceDefinition(), 'Get', req, deadlineMs);
  }

  set(req: SetRequest, deadlineMs?: number): Promise<SetResponse> {
    return this.unary(gnmiServiceDefinition(), 'Set', req, deadlineMs);
  }

  /** gNOI System.KillProcess (sonic-gnmi: restart or stop a systemd service by name). */
  async killProcess(req: KillProcessRequest, deadlineMs?: number): Promise<void> {
    await this.unary(systemServiceDefinition(), 'KillProcess', req, deadlineMs);
  }

  /** gNOI SonicService.ConfigSave (sonic-gnmi: `config save -y`, CONFIG_DB → the startup
   *  config). A non-zero output status is an error. */
  async configSave(deadlineMs?: number): Promise<void> {
    const res = await this.unary<unknown, ConfigSaveResponse>(sonicServiceDefinition(), 'ConfigSave', { input: {} }, deadlineMs);
    const status = res?.output?.status ?? 0;
    if (status !== 0) throw new GnmiError('ConfigSave', grpc.status.INTERNAL, `config save failed (status ${status}): ${res?.output?.status_detail ?? ''}`);
  }

  /** Collects a ONCE subscription: every notification up to the end of the stream. */
  once(list: SubscriptionList, deadlineMs?: number): Promise<Notification[]> {
    const out: Notification[] = [];
    const sub = this.subscribe({ ...list, mode: 'ONCE' }, { onNotification: (n) => out.push(n) });
    const ms = deadlineMs ?? this.deadlineMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        sub.close();
        reject(new GnmiError('Subscribe', grpc.status.DEADLINE_EXCEEDED, `ONCE subscription not complete within ${ms} ms`));
      }, ms);
    });
    return Promise.race([sub.synced.then(() => sub.done).then(() => out), timeout]).finally(() => clearTimeout(timer));
  }

  subscribe(list: SubscriptionList, handlers: SubscribeHandlers = {}): Subscription {
    const m = gnmiServiceDefinition().Subscribe!;
    const mode = list.mode ?? 'STREAM';
    const initialMs = this.opts.backoff?.initialMs ?? 100;
    const maxMs = this.opts.backoff?.maxMs ?? 5000;
    let closed = false;
    let everSynced = false;
    let call: grpc.ClientDuplexStream<SubscribeRequest, SubscribeResponse> | undefined;
    let retryTimer: NodeJS.Timeout | undefined;
    let attempt = 0;
    let resolveSynced!: () => void;
    let rejectSynced!: (e: GnmiError) => void;
    let resolveDone!: () => void;
    const synced = new Promise<void>((res, rej) => ((resolveSynced = res), (rejectSynced = rej)));
    const done = new Promise<void>((res) => (resolveDone = res));
    synced.catch(() => undefined);

    const finish = (e?: GnmiError) => {
      if (closed) return;
      closed = true;
      this.open.delete(close);
      if (retryTimer) clearTimeout(retryTimer);
      if (e) {
        if (!everSynced) rejectSynced(e);
        handlers.onError?.(e);
      } else if (!everSynced) rejectSynced(new GnmiError('Subscribe', grpc.status.CANCELLED, 'subscription closed before it was synchronised'));
      resolveDone();
    };

    const start = () => {
      let syncedThisStream = false;
      let ended = false;
      const c = this.client.makeBidiStreamRequest(
        m.path,
        m.requestSerialize as (v: SubscribeRequest) => Buffer,
        m.responseDeserialize as (b: Buffer) => SubscribeResponse,
        this.metadata(),
        {},
      );
      call = c;
      c.on('data', (r: SubscribeResponse) => {
        if (r.response === 'sync_response' || r.sync_response) {
          syncedThisStream = true;
          attempt = 0;
          if (!everSynced) {
            everSynced = true;
            resolveSynced();
          }
          handlers.onSync?.();
        } else if (r.update) handlers.onNotification?.(r.update, syncedThisStream);
      });
      const onEnd = (err?: grpc.ServiceError) => {
        if (ended) return;
        ended = true;
        if (closed) return;
        const e = err ? toGnmiError('Subscribe', err) : undefined;
        if (mode !== 'STREAM') return finish(e && e.code !== grpc.status.OK ? e : undefined);
        const broke = e ?? new GnmiError('Subscribe', grpc.status.UNAVAILABLE, 'the target ended the stream');
        // A subscription that never synchronised fails: the caller learns at once that the
        // switch is unreachable or refuses the request, instead of waiting on retries.
        if (!everSynced || PERMANENT.has(broke.code)) return finish(broke);
        attempt++;
        const base = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
        const delay = Math.round(base * (0.8 + Math.random() * 0.4));
        handlers.onReconnecting?.(attempt, broke, delay);
        retryTimer = setTimeout(() => {
          retryTimer = undefined;
          if (!closed) start();
        }, delay);
      };
      c.on('error', (err: grpc.ServiceError) => onEnd(err));
      c.on('status', (s: grpc.StatusObject) => {
        if (s.code === grpc.status.OK) onEnd();
      });
      c.on('end', () => setImmediate(() => onEnd()));
      c.write({ subscribe: list });
    };

    const close = () => {
      if (closed) return;
      closed = true;
      this.open.delete(close);
      if (retryTimer) clearTimeout(retryTimer);
      call?.cancel();
      if (!everSynced) rejectSynced(new GnmiError('Subscribe', grpc.status.CANCELLED, 'subscription closed before it was synchronised'));
      resolveDone();
    };
    this.open.add(close);
    start();
    return {
      synced,
      done,
      poll: () => {
        if (!closed && call) call.write({ poll: {} });
      },
      close,
    };
  }

  close(): void {
    for (const c of [...this.open]) c();
    this.client.close();
  }
}
