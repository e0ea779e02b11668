// Subscribe on the emulated switch, as sonic-gnmi's DbClient serves a DB target:
// - STREAM: ON_CHANGE from keyspace notifications (the table, or the key, as one JSON value
//   first; then each changed entry keyed by key, {} for a deleted one), SAMPLE every interval
//   (0 = the 1 s minimum; less is refused), TARGET_DEFINED refused ("unsupported subscription
//   mode"); sync_response once every path was sent once;
// - ONCE: the values, sync_response, end of stream; POLL: the values and sync_response at
//   subscription and after each Poll.
// Refusals end the stream with sonic-gnmi's status codes (NOT_FOUND for paths,
// INVALID_ARGUMENT for modes and intervals).
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { separatorOf } from './messages.ts';
import { GnmiStatusError, isServedDb, json, type Hash, type ReadSpec, type SwitchDb } from './server-db.ts';
import { nowNs } from './server-set.ts';
import type { Notification, Path, SubscribeRequest, SubscribeResponse, Subscription, SubscriptionList, TypedValue } from './types.ts';

const INVALID_ARGUMENT = 3;
const NOT_FOUND = 5;
const ABORTED = 10;
const UNIMPLEMENTED = 12;
const MIN_SAMPLE_MS = 1000;

type Call = ServerDuplexStream<SubscribeRequest, SubscribeResponse>;

interface Resolved {
  readonly sub: Subscription;
  readonly spec: ReadSpec;
}

export function serveSubscribe(sdb: SwitchDb, call: Call, authorize: () => void, log: (msg: string, err?: unknown) => void): void {
  const cleanups: (() => Promise<void> | void)[] = [];
  let list: SubscriptionList | undefined;
  let gotFirst = false;
  let finished = false;
  let resolved: Resolved[] = [];
  let chain = Promise.resolve();

  const cleanup = () => {
    for (const c of cleanups.splice(0)) void Promise.resolve(c()).catch(() => undefined);
  };
  const fail = (e: unknown) => {
    if (finished) return;
    finished = true;
    cleanup();
    const code = e instanceof GnmiStatusError ? e.code : 2;
    call.emit('error', { code, details: (e as Error).message ?? String(e) });
  };
  const end = () => {
    if (finished) return;
    finished = true;
    cleanup();
    call.end();
  };
  const send = (r: SubscribeResponse) => {
    if (!finished && !call.cancelled && !call.destroyed) call.write(r);
  };
  const notify = (prefix: Path | null | undefined, path: Path | null | undefined, val: TypedValue) =>
    send({ update: { timestamp: nowNs(), ...(prefix ? { prefix } : {}), update: [{ path: path ?? null, val }] } satisfies Notification });
  // Every reply of one stream goes out in order, whatever the reads it waits for.
  const queue = (f: () => Promise<void>) => {
    chain = chain.then(f).catch(fail);
    return chain;
  };

  const snapshotAll = async () => {
    for (const { sub, spec } of resolved) notify(list!.prefix, sub.path, await sdb.value(spec, 'db'));
    send({ sync_response: true });
  };

  call.on('cancelled', () => {
    finished = true;
    cleanup();
  });
  call.on('error', () => cleanup());
  call.on('end', () => {
    // The client half-closed: a STREAM goes on (sonic-gnmi waits for the connection to end);
    // ONCE and POLL are over.
    if (!gotFirst) fail(new GnmiStatusError(ABORTED, 'stream EOF received before init'));
    else void queue(async () => {
      if (list && list.mode !== 'STREAM') end();
    });
  });
  call.on('data', (req: SubscribeRequest) => {
    if (finished) return;
    if (gotFirst) {
      if (req.request === 'poll' || req.poll) void queue(async () => (list?.mode === 'POLL' ? snapshotAll() : undefined));
      return; // sonic-gnmi ignores anything else after the subscription
    }
    gotFirst = true;
    void queue(async () => {
      authorize();
      if (!req.subscribe) throw new GnmiStatusError(INVALID_ARGUMENT, 'first message must be SubscriptionList');
      list = req.subscribe;
      resolved = await resolveAll(sdb, list);
      if (list.mode === 'ONCE') {
        await snapshotAll();
        end();
      } else if (list.mode === 'POLL') await snapshotAll();
      else await startStream(sdb, list, resolved, { notify, send, queue, cleanups, log });
    });
  });
}

async function resolveAll(sdb: SwitchDb, list: SubscriptionList): Promise<Resolved[]> {
  const subs = list.subscription ?? [];
  if (subs.length === 0) throw new GnmiStatusError(NOT_FOUND, 'Invalid subscription path: No Subscription');
  const origin = list.prefix?.origin || subs.find((s) => s.path?.origin)?.path?.origin || '';
  const target = list.prefix?.target ?? '';
  if (origin) throw new GnmiStatusError(UNIMPLEMENTED, `Unsupported origin: ${origin} (this switch streams DB targets only)`);
  if (!target) throw new GnmiStatusError(UNIMPLEMENTED, 'Empty target data not supported');
  if (!isServedDb(target)) throw new GnmiStatusError(NOT_FOUND, `Invalid target dbName ${target}`);
  const out: Resolved[] = [];
  for (const sub of subs) {
    const names = [...(list.prefix?.elem ?? []), ...(sub.path?.elem ?? [])].map((e) => e.name);
    out.push({ sub, spec: await sdb.resolve(target, names) });
  }
  return out;
}

interface StreamIo {
  notify(prefix: Path | null | undefined, path: Path | null | undefined, val: TypedValue): void;
  send(r: SubscribeResponse): void;
  queue(f: () => Promise<void>): Promise<void>;
  readonly cleanups: (() => Promise<void> | void)[];
  log(msg: string, err?: unknown): void;
}

function sampleMs(sub: Subscription): number {
  const ns = BigInt(sub.sample_interval ?? '0');
  if (ns === 0n) return MIN_SAMPLE_MS;
  const ms = Number(ns / 1_000_000n);
  if (ms < MIN_SAMPLE_MS) throw new GnmiStatusError(INVALID_ARGUMENT, `invalid interval: ${ms}ms. It cannot be less than 1s`);
  return ms;
}

async function startStream(sdb: SwitchDb, list: SubscriptionList, resolved: readonly Resolved[], io: StreamIo): Promise<void> {
  // Refuse the whole request before anything is sent, as sonic-gnmi does.
  const intervals = resolved.map(({ sub }) => {
    if (sub.mode === 'ON_CHANGE') return 0;
    if (sub.mode === 'SAMPLE') return sampleMs(sub);
    throw new GnmiStatusError(INVALID_ARGUMENT, `unsupported subscription mode, ${sub.mode ?? 'TARGET_DEFINED'}`);
  });
  const updatesOnly = list.updates_only === true;
  for (const [i, { sub, spec }] of resolved.entries()) {
    const interval = intervals[i]!;
    const sep = separatorOf(spec.db);
    const changed = new Map<string, Hash | null>(); // SAMPLE with updates_only: since the last tick
    let last = new Map<string, string>(); // ON_CHANGE: what was sent per key
    const short = (key: string) => key.slice(spec.table.length + sep.length);
    const onKey = (key: string) =>
      io.queue(async () => {
        const h = (await sdb.readHashes(spec.db, [key])).get(key) ?? null;
        if (spec.field !== undefined) {
          const v = h?.[spec.field] ?? '';
          if (interval === 0 && last.get(key) !== v) {
            last.set(key, v);
            io.notify(list.prefix, sub.path, { string_val: v });
          }
          return;
        }
        if (interval > 0) {
          changed.set(key, h);
          return;
        }
        // The entry as it is now (SONiC reads it at the notification too); a deletion once.
        const sig = h ? JSON.stringify(h) : '';
        if (last.get(key) === sig) return;
        last.set(key, sig);
        io.notify(list.prefix, sub.path, spec.key !== undefined ? json(h ?? {}) : json({ [short(key)]: h ?? {} }));
      });
    const hub = sdb.hub(spec.db);
    const stop = await hub.listen(spec.key !== undefined ? { key: spec.key } : { table: spec.table, sep }, (key) => void onKey(key));
    io.cleanups.push(stop);
    // Runs inside the stream's queue: events that arrive meanwhile are handled after it.
    const first = await sdb.value(spec, 'db');
    if (spec.key === undefined && spec.field === undefined) {
      const entries = JSON.parse(new TextDecoder().decode(first.json_ietf_val)) as Record<string, Hash>;
      last = new Map(Object.entries(entries).map(([k, h]) => [`${spec.table}${sep}${k}`, JSON.stringify(h)]));
    } else if (spec.field !== undefined && spec.key) last.set(spec.key, first.string_val ?? '');
    else if (spec.key) last.set(spec.key, new TextDecoder().decode(first.json_ietf_val));
    if (!updatesOnly) io.notify(list.prefix, sub.path, first);
    if (interval > 0) {
      const timer = setInterval(
        () =>
          void io.queue(async () => {
            if (!updatesOnly) io.notify(list.prefix, sub.path, await sdb.value(spec, 'db'));
            else if (changed.size > 0) {
              const batch = Object.fromEntries([...changed].map(([k, h]) => [short(k), h ?? {}]));
              changed.clear();
              io.notify(list.prefix, sub.path, spec.key !== undefined ? json(Object.values(batch)[0] ?? {}) : json(batch));
            }
          }),
        interval,
      );
      io.cleanups.push(() => clearInterval(timer));
    }
  }
  io.send({ sync_response: true });
}
