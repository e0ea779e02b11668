// A minimal RESP2 connection: a switch's whole change set as ONE write (MULTI … EXEC) with its
// replies parsed in one go, and reads as such transactions (list the keys, read them).
// ioredis's per-command machinery (a Command, a promise and a timer per command) costs two to
// three times what redis itself spends on a few thousand commands; here a request is one
// buffer, one timer, one parse. Keyspace watches use it too (a subscribed connection's
// notifications arrive through onPush).
import { isAscii } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { connections } from './budget.ts';

export type Reply = string | number | null | RespError | Reply[] | Hash;

/** A hash's fields and values (field, value, … on the wire) as a parser of shape 'hashes'
 *  makes it: field → value. */
export type Hash = Record<string, string>;

/** What a reply is known to hold, so that it is decoded into its final form as it is parsed.
 *  'hashes': an array (a transaction's EXEC) whose arrays are hashes (HGETALL's replies), each
 *  made an object, an empty one NO_HASH; its other elements (an OK, a count, an error) as they
 *  are. 'keys': an array (EXEC) of lists of keys, each string its own copy, not a slice of the
 *  chunk it came in (sorting slices costs three times as much). */
export type ReplyShape = 'hashes' | 'keys';

/** A hash's fields as an object: its prototype holds nothing and ends the chain (no field
 *  name finds an inherited property, a `__proto__` field is a field), yet, made by a
 *  constructor, it stays in V8's fast mode, shared by every hash with the same fields. An
 *  `Object.create(null)` object is a hash table from the start: spreading, iterating and
 *  comparing hashes made so was five to ten times slower (plan's diff, verify's checks). */
function HashFields(this: Hash): void {}
HashFields.prototype = Object.create(null) as object;

/** An empty object for a hash's fields (see HashFields). */
export function hashFields(): Hash {
  return new (HashFields as unknown as new () => Hash)();
}

/** An empty hash in a 'hashes' reply: HGETALL of a key that does not exist. */
export const NO_HASH: Hash = Object.freeze(Object.create(null) as Hash);

/** An error reply of the server (`-ERR …`, `-EXECABORT …`). */
export class RespError extends Error {
  override readonly name = 'RespError';
}

/** The server went silent: nothing arrived for the timeout while a request waited for its
 *  reply (the bytes sent are in the server's hands). `received`: bytes that came in between the
 *  request's sending and the silence (0: no reply began). */
export class RespTimeout extends Error {
  override readonly name = 'RespTimeout';
  constructor(
    readonly silentMs: number,
    readonly received = 0,
  ) {
    super('');
    this.message = this.words();
  }

  /** In words: no reply at all within the timeout, or one that stopped coming. `to`: what it
   *  answers (' to PSUBSCRIBE'). */
  words(to = ''): string {
    return this.received ? `the reply${to} stopped: nothing for ${this.silentMs} ms after ${this.received.toLocaleString('en')} bytes of it` : `no reply${to} within ${this.silentMs} ms`;
  }
}

/** The connection closed (or broke: the message names the errno) before every reply arrived. */
export class RespClosed extends Error {
  override readonly name: string = 'RespClosed';
}

/** Closed while idle to keep within the descriptor budget (budget.ts): nothing was lost, a new
 *  connection may be opened at once. */
export class RespEvicted extends RespClosed {
  override readonly name = 'RespEvicted';
}

export function encodeCommands(cmds: readonly (readonly string[])[]): Buffer {
  // ASCII (SONiC's keys and values, nearly always) is written straight into one buffer: a
  // character is a byte, and nothing else is allocated (a string built and then encoded cost
  // nine times the bytes sent, most of an apply's garbage). Anything else goes through UTF-8.
  return encodeAscii(cmds) ?? Buffer.from(encodeUtf8(cmds));
}

const digitsOf = (n: number) => (n < 10 ? 1 : n < 100 ? 2 : n < 1_000 ? 3 : n < 10_000 ? 4 : String(n).length);

function putInt(buf: Buffer, at: number, n: number): number {
  const end = at + digitsOf(n);
  for (let i = end - 1; i >= at; i--, n = Math.floor(n / 10)) buf[i] = 48 + (n % 10);
  return end;
}

/** The commands as RESP, or undefined if a character is not ASCII. */
function encodeAscii(cmds: readonly (readonly string[])[]): Buffer | undefined {
  let n = 0;
  for (const c of cmds) {
    n += 3 + digitsOf(c.length);
    for (const a of c) n += 5 + digitsOf(a.length) + a.length;
  }
  const buf = Buffer.allocUnsafe(n);
  let o = 0;
  for (const c of cmds) {
    buf[o++] = 42; // *
    o = putInt(buf, o, c.length);
    buf[o++] = 13;
    buf[o++] = 10;
    for (const a of c) {
      buf[o++] = 36; // $
      o = putInt(buf, o, a.length);
      buf[o++] = 13;
      buf[o++] = 10;
      for (let i = 0; i < a.length; i++) {
        const ch = a.charCodeAt(i);
        if (ch > 127) return undefined;
        buf[o++] = ch;
      }
      buf[o++] = 13;
      buf[o++] = 10;
    }
  }
  return buf;
}

function encodeUtf8(cmds: readonly (readonly string[])[]): string {
  let s = '';
  for (const c of cmds) {
    s += '*' + c.length + '\r\n';
    for (const a of c) s += '$' + Buffer.byteLength(a) + '\r\n' + a + '\r\n';
  }
  return s;
}

/** A timeout that only fires once the I/O that arrived meanwhile has been handled: a timer is
 *  due before the poll phase, so after the event loop was busy for longer than the timeout (a
 *  verify of 1,000 switches judging its checks), a connection or reply that came in time would
 *  otherwise lose the race to its own timer. setImmediate runs after the poll phase. */
function lagSafeTimeout(fn: () => void, ms: number): { cancel(): void } {
  let immediate: NodeJS.Immediate | undefined;
  const timer = setTimeout(() => (immediate = setImmediate(fn)), ms);
  return {
    cancel: () => {
      clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
    },
  };
}

const INCOMPLETE = 0;
const SCALAR = 1;
const ARRAY = 2;

const LIST = 0; // an array
const HASHES = 1; // a 'hashes' reply: its arrays are hashes
const FIELDS = 2; // field, value, … → an object

/** An array being filled. */
class Frame {
  filled = 0;
  readonly arr: Reply[] | undefined;
  readonly obj: Hash | undefined;
  private key = '';

  constructor(
    readonly kind: typeof LIST | typeof HASHES | typeof FIELDS,
    readonly length: number,
  ) {
    this.arr = kind === FIELDS ? undefined : new Array<Reply>(length);
    this.obj = kind === FIELDS ? hashFields() : undefined;
  }

  /** Takes the next element; true once full. */
  put(value: Reply): boolean {
    const i = this.filled++;
    if (this.arr) this.arr[i] = value;
    else if (typeof value !== 'string') throw new RespError('not a hash: a field or value that is not a string');
    else if ((i & 1) === 0) this.key = value;
    else this.obj![this.key] = value;
    return this.filled === this.length;
  }

  get done(): Reply {
    return this.arr ?? this.obj!;
  }
}

/** Incremental RESP2 reply parser: feed chunks, take complete replies. Resumable: a reply that
 *  spans many chunks (a read of 100,000 entries) is parsed once, element by element as its bytes
 *  arrive, never again from its start; only an incomplete last element is kept for the next feed. */
export class RespReader {
  private buf: Buffer = Buffer.alloc(0);
  /** buf as a string, made once per feed when it is all ASCII (nearly always: SONiC's keys and
   *  values), its strings then cut from it (a bulk string a slice, not a call into the runtime
   *  each); null when it is not ASCII (each bulk string then decoded as UTF-8); undefined: not
   *  made yet. */
  private text: string | null | undefined;
  private pos = 0;
  /** Arrays being filled, innermost last. */
  private readonly stack: Frame[] = [];
  private shape: ReplyShape | undefined;
  /** In hashes of a 'hashes' reply: the string last read at each field's position of a hash.
   *  Entries of a table have the same fields: an equal string is that one again, not a new one. */
  private readonly recent: { str: string; buf: Buffer; at: number; len: number }[] = [];
  private value: Reply = null;
  private length = 0;

  feed(chunk: Buffer): void {
    this.buf = this.pos < this.buf.length ? Buffer.concat([this.buf.subarray(this.pos), chunk]) : chunk;
    this.pos = 0;
    this.text = undefined;
  }

  /** The bytes start…end as a string (UTF-8). */
  private str(start: number, end: number): string {
    if (this.text === undefined) this.text = isAscii(this.buf) ? this.buf.toString('latin1') : null;
    return this.text === null ? this.buf.toString('utf8', start, end) : this.text.slice(start, end);
  }

  /** The bytes start…end as a string of its own (UTF-8). */
  private copy(start: number, end: number): string {
    return this.buf.toString('utf8', start, end);
  }

  /** The next complete reply, or undefined when more data is needed. `shape`: what the next
   *  reply holds, if known (it applies from the reply's first byte on). */
  next(shape?: ReplyShape): Reply | undefined {
    if (this.stack.length === 0) this.shape = shape;
    for (;;) {
      const top = this.stack[this.stack.length - 1];
      const kind = this.element(top?.kind === FIELDS ? top.filled : -1);
      if (kind === INCOMPLETE) return undefined;
      let value = this.value;
      // An array header opens a frame; a value fills the innermost frame, closing full ones.
      if (kind === ARRAY) {
        const inner = !top ? (this.shape === 'hashes' ? HASHES : LIST) : top.kind === HASHES ? FIELDS : LIST;
        if (this.length > 0) {
          this.stack.push(new Frame(inner, this.length));
          continue;
        }
        value = inner === FIELDS ? NO_HASH : [];
      }
      for (;;) {
        const f = this.stack[this.stack.length - 1];
        if (!f) {
          // The reply is whole: the strings kept for sharing point into its chunks, which a
          // connection idle until its next read (a thousand of them) must not hold on to.
          this.recent.length = 0;
          return value;
        }
        if (!f.put(value)) break;
        this.stack.pop();
        value = f.done;
      }
    }
  }

  /** End of the header line starting at `at` (index of its CR), or -1 when incomplete. */
  private eol(at: number): number {
    // A header line is a few bytes: scanned here, not through a call into the runtime.
    const buf = this.buf;
    const last = buf.length - 1;
    for (let i = at; i < last; i++) if (buf[i] === 0x0d) return i;
    return -1;
  }

  /** The integer of a header line (`$12`, `*3`, `:1`), read from the bytes. */
  private int(from: number, cr: number): number {
    let i = from;
    let sign = 1;
    if (this.buf[i] === 0x2d) {
      sign = -1;
      i++;
    }
    let n = 0;
    for (; i < cr; i++) n = n * 10 + (this.buf[i]! - 0x30);
    return sign * n;
  }

  /** The bytes start…end at position `slot` of a hash: the string read there last time if the
   *  bytes are the same (compared with the bytes it was read from). */
  private recentStr(slot: number, start: number, end: number): string {
    const buf = this.buf;
    const n = end - start;
    const last = this.recent[slot];
    if (last !== undefined && last.len === n) {
      const was = last.buf;
      const from = last.at;
      let i = 0;
      while (i < n && buf[start + i] === was[from + i]) i++;
      if (i === n) return last.str;
    }
    const str = this.str(start, end);
    if (last) {
      last.str = str;
      last.buf = buf;
      last.at = start;
      last.len = n;
    } else this.recent[slot] = { str, buf, at: start, len: n };
    return str;
  }

  /** One element at pos: a scalar (in `value`) or an array header (its length in `length`).
   *  No object per element: a read of 100,000 entries has millions of them. `slot`: its
   *  position in a hash of a 'hashes' reply (-1: not in one). */
  private element(slot: number): typeof INCOMPLETE | typeof SCALAR | typeof ARRAY {
    const at = this.pos;
    if (at >= this.buf.length) return INCOMPLETE;
    const type = this.buf[at];
    const cr = this.eol(at);
    if (cr < 0) return INCOMPLETE;
    const end = cr + 2;
    switch (type) {
      case 0x24: {
        // $ (first: by far the most frequent)
        const n = this.int(at + 1, cr);
        if (n < 0) {
          this.pos = end;
          this.value = null;
          return SCALAR;
        }
        if (this.buf.length < end + n + 2) return INCOMPLETE;
        this.pos = end + n + 2;
        this.value = slot >= 0 && (slot & 1) === 0 ? this.recentStr(slot, end, end + n) : this.shape === 'keys' ? this.copy(end, end + n) : this.str(end, end + n);
        return SCALAR;
      }
      case 0x2a: {
        // *
        const n = this.int(at + 1, cr);
        this.pos = end;
        if (n < 0) {
          this.value = null;
          return SCALAR;
        }
        this.length = n;
        return ARRAY;
      }
      case 0x2b: // +
        this.pos = end;
        this.value = this.str(at + 1, cr);
        return SCALAR;
      case 0x2d: // -
        this.pos = end;
        this.value = new RespError(this.buf.toString('utf8', at + 1, cr));
        return SCALAR;
      case 0x3a: // :
        this.pos = end;
        this.value = this.int(at + 1, cr);
        return SCALAR;
      default:
        throw new RespError(`not a RESP reply (byte 0x${(type ?? 0).toString(16)})`);
    }
  }
}

export interface RespTarget {
  readonly host?: string;
  readonly port?: number;
  readonly socket?: string;
  readonly username?: string;
  readonly password?: string;
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string; readonly servername?: string };
}

/** A request waiting for its replies. */
interface Pending {
  readonly want: number;
  readonly got: Reply[];
  readonly shapes: readonly (ReplyShape | undefined)[] | undefined;
  /** performance.now() when sent, and the connection's bytes received by then. */
  readonly sentAt: number;
  readonly receivedBefore: number;
  readonly resolve: (r: Reply[]) => void;
  readonly reject: (e: Error) => void;
}

/** One connection. Requests (each a batch of commands) are answered in the order sent, so
 *  several may be in flight: those issued in the same tick go out as ONE write (plan's read
 *  of CONFIG_DB and its flavour probe on STATE_DB share one round trip). */
export class RespConnection {
  private readonly reader = new RespReader();
  private readonly pending: Pending[] = [];
  private outgoing: Buffer[] = [];
  private closed: Error | undefined;
  /** Bytes received so far, and when the last came (performance.now()). */
  private received = 0;
  private heardAt = 0;
  /** Armed while requests wait: fails the connection once the server has been silent too long. */
  private watchdog: { cancel(): void } | undefined;

  /** silenceMs: how long the server may stay silent while it owes a reply (see send). */
  private constructor(
    private readonly sock: Socket,
    private readonly silenceMs: number,
  ) {
    sock.on('data', (chunk: Buffer) => this.onData(chunk));
    sock.on('error', (e: NodeJS.ErrnoException) => this.fail(new RespClosed(e.code === 'ECONNRESET' ? 'reset by the server (ECONNRESET)' : (e.code ?? e.message))));
    sock.on('close', () => this.fail(new RespClosed('the server closed the connection')));
  }

  /** Connects (rejects with the socket's error, its errno named); AUTH and SELECT are sent and
   *  their answer is `ready`, which rejects with a RespTimeout or the server's RespError (the
   *  connection then closed). Commands sent before it settles go out with them, in
   *  the same write: for those that do not depend on them (a read selects its own databases),
   *  a round trip saved; whatever writes waits for `ready`. */
  static async connect(t: RespTarget, db: number, timeoutMs: number, replyTimeoutMs = timeoutMs): Promise<RespConnection> {
    connections.makeRoom();
    const sock = await new Promise<Socket>((resolve, reject) => {
      const s: Socket = t.socket
        ? netConnect({ path: t.socket })
        : t.tls
          ? tlsConnect({
              host: t.host ?? '127.0.0.1',
              port: t.port ?? 6379,
              ...(t.tls.ca ? { ca: readFileSync(t.tls.ca) } : {}),
              ...(t.tls.cert ? { cert: readFileSync(t.tls.cert) } : {}),
              ...(t.tls.key ? { key: readFileSync(t.tls.key) } : {}),
              ...(t.tls.servername ? { servername: t.tls.servername } : {}),
            })
          : netConnect({ host: t.host ?? '127.0.0.1', port: t.port ?? 6379 });
      const timer = lagSafeTimeout(() => {
        s.destroy();
        reject(Object.assign(new Error(`connect timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
      }, timeoutMs);
      s.once(t.tls && !t.socket ? 'secureConnect' : 'connect', () => {
        timer.cancel();
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (e) => {
        timer.cancel();
        reject(e);
      });
    });
    sock.setNoDelay(true);
    const conn = new RespConnection(sock, replyTimeoutMs);
    connections.touch(conn);
    const hello: string[][] = [];
    if (t.password) hello.push(t.username ? ['AUTH', t.username, t.password] : ['AUTH', t.password]);
    hello.push(['SELECT', String(db)]);
    conn.ready = conn.send(hello).then((replies) => {
      const err = replies.find((r): r is RespError => r instanceof RespError);
      if (err) throw err;
    });
    conn.ready.catch(() => conn.close());
    return conn;
  }

  /** AUTH and SELECT answered (see connect). */
  ready: Promise<void> = Promise.resolve();

  /** Sends the commands (in one write with whatever else is sent this tick); resolves with one
   *  reply per command (decoded to its shape, where one is given). The connection's reply
   *  timeout is how long the server may stay silent while it owes a reply: a large reply still streaming in (a spine's
   *  10,000 entries to a controller on a busy host, or over a slow link) is an answer, not a
   *  hung server. On timeout the connection is destroyed (nothing more may queue behind what the
   *  server has not read) and every request in flight fails with it. */
  send(cmds: readonly (readonly string[])[], shapes?: readonly (ReplyShape | undefined)[]): Promise<Reply[]> {
    if (this.closed) return Promise.reject(this.closed);
    connections.touch(this);
    return new Promise<Reply[]>((resolve, reject) => {
      this.pending.push({ want: cmds.length, got: [], shapes, sentAt: performance.now(), receivedBefore: this.received, resolve, reject });
      this.arm();
      if (this.outgoing.push(encodeCommands(cmds)) === 1) process.nextTick(() => this.flush());
    });
  }

  /** When the server, silent since the later of the oldest waiting request's sending and the
   *  last bytes received, has been silent too long. */
  private get deadline(): number {
    return Math.max(this.pending[0]!.sentAt, this.heardAt) + this.silenceMs;
  }

  /** The watchdog, while requests wait (data arriving does not touch it: it looks again when
   *  due, and waits on if the server spoke meanwhile). */
  private arm(): void {
    if (this.watchdog || this.closed || this.pending.length === 0) return;
    this.watchdog = lagSafeTimeout(() => {
      this.watchdog = undefined;
      if (this.closed || this.pending.length === 0) return;
      if (performance.now() < this.deadline) this.arm();
      else this.fail(new RespTimeout(this.silenceMs, this.received - this.pending[0]!.receivedBefore));
    }, Math.max(0, this.deadline - performance.now()));
  }

  private flush(): void {
    const out = this.outgoing;
    this.outgoing = [];
    if (!this.closed && out.length) this.sock.write(out.length === 1 ? out[0]! : Buffer.concat(out));
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Nothing in flight and no subscription: closing it now loses nothing. */
  get idle(): boolean {
    return !this.closed && this.pending.length === 0 && this.outgoing.length === 0 && !this.onPush;
  }

  evict(): void {
    this.fail(new RespEvicted('closed while idle, to stay within the open-files limit'));
  }

  close(): void {
    this.fail(new RespClosed('closed by clos'));
  }

  /** Receives what the server sends unasked: keyspace notifications (`pmessage`) once the
   *  connection has subscribed (PSUBSCRIBE). */
  onPush: ((message: Reply[]) => void) | undefined;

  private onData(chunk: Buffer): void {
    this.received += chunk.length;
    this.heardAt = performance.now();
    this.reader.feed(chunk);
    let r: Reply | undefined;
    try {
      while ((this.pending.length || this.onPush) && (r = this.reader.next(this.pending[0]?.shapes?.[this.pending[0].got.length])) !== undefined) {
        if (this.onPush && Array.isArray(r) && r[0] === 'pmessage') {
          this.onPush(r);
          continue;
        }
        const p = this.pending[0]!;
        p.got.push(r);
        if (p.got.length === p.want) {
          this.pending.shift();
          if (this.pending.length === 0) this.disarm();
          p.resolve(p.got);
        }
      }
    } catch (e) {
      this.fail(e as Error);
    }
  }

  private disarm(): void {
    this.watchdog?.cancel();
    this.watchdog = undefined;
  }

  private fail(e: Error): void {
    this.closed ??= e;
    this.disarm();
    connections.release(this);
    this.outgoing = [];
    this.sock.destroy();
    for (const p of this.pending.splice(0)) p.reject(e);
  }
}
