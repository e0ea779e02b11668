// The emulated switch's gNMI server, serving its own redis as sonic-gnmi does (docs/gnmi.md):
// Capabilities; Get and Subscribe on DB targets (CONFIG_DB, STATE_DB, APPL_DB) with SONiC's
// path rules and JSON shapes; Get with origin sonic-db; Set with origin sonic-db as one
// transaction (server-set.ts); gNOI System.KillProcess to restart a service (the routing
// service, for a switch reached by gNMI only); gNOI SonicService.ConfigSave to save CONFIG_DB to
// the startup config (`config save -y`). Plaintext by default like sonic-gnmi on 8080;
// optional TLS (mutual when a client CA is given) and password auth (username/password
// metadata, UNAUTHENTICATED otherwise).
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { GNMI_VERSION } from './messages.ts';
import { SONIC_DB_ORIGIN } from './paths.ts';
import { gnmiServiceDefinition, sonicServiceDefinition, systemServiceDefinition } from './proto.ts';
import { GnmiStatusError, isServedDb, SwitchDb, type RedisLocation } from './server-db.ts';
import { applySet, nowNs, parseSetRequest, setResponse } from './server-set.ts';
import { serveSubscribe } from './server-subscribe.ts';
import type { CapabilityResponse, ConfigSaveResponse, GetRequest, GetResponse, KillProcessRequest, Notification, SetRequest } from './types.ts';

export interface GnmiServerTls {
  /** PEM server certificate chain and key. */
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /** PEM CA of client certificates: when given, clients must present one it signed. */
  readonly ca?: string | Buffer;
}

export interface GnmiServerOptions {
  readonly switchName: string;
  /** The switch's own redis (socket preferred). Keyspace notifications must be on (AKE). */
  readonly redis: RedisLocation;
  /** host:port to listen on; port 0 picks one. */
  readonly address: string;
  readonly tls?: GnmiServerTls;
  /** Password auth (sonic-gnmi `password` mode): every call must carry these as metadata. */
  readonly auth?: { readonly username: string; readonly password: string };
  /** What `systemctl restart <service>` does on this switch; gNOI KillProcess calls it. */
  readonly restartService?: (service: string) => Promise<void>;
  /** What `config save -y` does on this switch; gNOI SonicService.ConfigSave calls it. */
  readonly saveConfig?: () => Promise<void>;
  readonly log?: Logger;
}

export interface GnmiServer {
  /** host:port actually bound. */
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

const S = grpc.status;
const ENCODINGS = ['JSON', 'JSON_IETF', 'PROTO'] as const;

function toStatus(e: unknown, fallback: grpc.status): Partial<grpc.StatusObject> {
  return { code: e instanceof GnmiStatusError ? e.code : fallback, details: (e as Error)?.message ?? String(e) };
}

export async function startGnmiServer(opts: GnmiServerOptions): Promise<GnmiServer> {
  const sdb = new SwitchDb(opts.redis);
  const log = opts.log;
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 256 * 1024 * 1024, 'grpc.max_send_message_length': 256 * 1024 * 1024 });

  const authorize = (md: grpc.Metadata) => {
    if (!opts.auth) return;
    const user = md.get('username')[0]?.toString();
    const pass = md.get('password')[0]?.toString();
    if (user !== opts.auth.username || pass !== opts.auth.password) throw new GnmiStatusError(S.UNAUTHENTICATED, 'Unauthenticated');
  };
  /** A unary handler: authorize, run, answer with the value or the status. */
  const unary =
    <Req, Res>(name: string, fallback: grpc.status, run: (req: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> =>
    (call, callback) => {
      (async () => {
        authorize(call.metadata);
        return run(call.request);
      })().then(
        (res) => callback(null, res),
        (e: unknown) => {
          if (!(e instanceof GnmiStatusError)) log?.warn({ rpc: name, err: e }, 'gNMI call failed');
          callback(toStatus(e, fallback) as grpc.ServerErrorResponse);
        },
      );
    };

  // Serialises Sets like GCU's lock: two change sets never interleave on one switch.
  let setChain = Promise.resolve();

  server.addService(gnmiServiceDefinition(), {
    Capabilities: unary<unknown, CapabilityResponse>('Capabilities', S.UNKNOWN, async () => ({
      supported_models: [{ name: SONIC_DB_ORIGIN, organization: 'SONiC', version: '0.1.0' }],
      supported_encodings: [...ENCODINGS],
      gNMI_version: GNMI_VERSION,
    })),
    Get: unary<GetRequest, GetResponse>('Get', S.NOT_FOUND, async (req) => {
      if ((req.type ?? 'ALL') !== 'ALL') throw new GnmiStatusError(S.UNIMPLEMENTED, `unsupported request type: ${req.type}`);
      const encoding = req.encoding ?? 'JSON';
      if (!(ENCODINGS as readonly string[]).includes(encoding)) throw new GnmiStatusError(S.UNIMPLEMENTED, `unsupported encoding: ${encoding}`);
      const prefix = req.prefix ?? null;
      const paths = req.path ?? [];
      const target = prefix?.target ?? '';
      const origin = prefix?.origin || paths.find((p) => p.origin)?.origin || '';
      // Paths are read concurrently (redis pipelines them), answered in request order.
      const notification: Notification[] = await Promise.all(
        paths.map(async (path): Promise<Notification> => {
          const names = [...(prefix?.elem ?? []), ...(path.elem ?? [])].map((e) => e.name);
          let val;
          if (target) {
            if (!isServedDb(target)) throw new GnmiStatusError(S.NOT_FOUND, `Invalid target dbName ${target}`);
            val = await sdb.value(await sdb.resolve(target, names), 'db');
          } else if (origin === SONIC_DB_ORIGIN) {
            const [db, ns] = names;
            if (!db || !isServedDb(db)) throw new GnmiStatusError(S.NOT_FOUND, `Invalid target: ${db ?? '(none)'}`);
            if (ns !== 'localhost') throw new GnmiStatusError(S.NOT_FOUND, `Unsupported namespace/container ${ns ?? '(none)'}`);
            val = await sdb.value(await sdb.resolveNative(db, names.slice(2)), 'sonic-db');
          } else throw new GnmiStatusError(S.UNIMPLEMENTED, `only DB targets and origin ${SONIC_DB_ORIGIN} are served by this switch`);
          return { timestamp: nowNs(), ...(prefix ? { prefix } : {}), update: [{ path, val }] };
        }),
      );
      return { notification };
    }),
    Set: unary<SetRequest, unknown>('Set', S.UNKNOWN, async (req) => {
      const parsed = parseSetRequest(req);
      const run = setChain.then(() => applySet(sdb, parsed));
      setChain = run.catch(() => undefined);
      await run;
      log?.info({ ops: parsed.ops.length, db: parsed.db }, 'gNMI Set applied');
      return setResponse(req);
    }),
    Subscribe: (call: grpc.ServerDuplexStream<unknown, unknown>) =>
      serveSubscribe(sdb, call as never, () => authorize(call.metadata), (msg, err) => log?.warn({ err }, msg)),
  });

  server.addService(systemServiceDefinition(), {
    KillProcess: unary<KillProcessRequest, unknown>('KillProcess', S.UNKNOWN, async (req) => {
      if (req.pid) throw new GnmiStatusError(S.UNIMPLEMENTED, 'Pid option is not supported');
      if (req.signal !== 'SIGNAL_TERM') throw new GnmiStatusError(S.UNIMPLEMENTED, 'KillProcess only supports SIGNAL_TERM (option 1) for graceful process termination. Please specify SIGNAL_TERM');
      if (!req.restart) throw new GnmiStatusError(S.UNIMPLEMENTED, 'stopping a service is not supported by this switch; set restart');
      if (!opts.restartService) throw new GnmiStatusError(S.UNIMPLEMENTED, 'service control is not available on this switch');
      log?.info({ service: req.name }, 'gNOI KillProcess: restarting service');
      await opts.restartService(req.name ?? '');
      return {};
    }),
  });

  server.addService(sonicServiceDefinition(), {
    ConfigSave: unary<unknown, ConfigSaveResponse>('ConfigSave', S.INTERNAL, async () => {
      if (!opts.saveConfig) throw new GnmiStatusError(S.UNIMPLEMENTED, 'config save is not available on this switch');
      // Saved while no Set is half-applied: the file holds a whole transaction or none of it.
      const run = setChain.then(() => opts.saveConfig!());
      setChain = run.catch(() => undefined);
      await run;
      log?.info('gNOI ConfigSave: CONFIG_DB saved to the startup config');
      return { output: { status: 0, status_detail: '' } };
    }),
  });

  const creds = opts.tls
    ? grpc.ServerCredentials.createSsl(
        opts.tls.ca !== undefined ? Buffer.from(opts.tls.ca) : null,
        [{ private_key: Buffer.from(opts.tls.key), cert_chain: Buffer.from(opts.tls.cert) }],
        opts.tls.ca !== undefined,
      )
    : grpc.ServerCredentials.createInsecure();
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => server.bindAsync(opts.address, creds, (err, p) => (err ? reject(err) : resolve(p))));
  } catch (e) {
    await sdb.close();
    throw new Error(`switch ${opts.switchName}: gNMI server cannot listen on ${opts.address}: ${(e as Error).message}`, { cause: e });
  }
  const host = opts.address.slice(0, opts.address.lastIndexOf(':'));
  log?.info({ address: `${host}:${port}`, tls: Boolean(opts.tls), auth: Boolean(opts.auth) }, 'gNMI server listening');
  return {
    address: `${host}:${port}`,
    port,
    close: async () => {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 500);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      await sdb.close();
    },
  };
}
