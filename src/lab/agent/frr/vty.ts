// A client of one FRR daemon's vty socket (<dir>/<daemon>.vty), speaking what vtysh speaks: a
// command is sent NUL-terminated; the daemon answers with the output, three NUL bytes and a
// status byte (0 = success, 1 = warning, 2+ = error). Talking to the socket directly instead of
// spawning vtysh keeps the per-second bgpmon/fpmsyncd polls cheap for many switches.
import net from 'node:net';

export interface VtyReply {
  readonly status: number;
  readonly output: string;
}

export class VtyUnavailable extends Error {
  override readonly name = 'VtyUnavailable';
}

const CMD_SUCCESS = 0;
const CMD_WARNING = 1;
const TRAILER = Buffer.from([0, 0, 0]);

interface Pending {
  readonly cmd: string | readonly string[]; // a batch is answered as an array of replies
  readonly resolve: (r: VtyReply | VtyReply[]) => void;
  readonly reject: (e: Error) => void;
}

export class VtyClient {
  private socket?: net.Socket;
  private connecting?: Promise<net.Socket>;
  private chunks: Buffer[] = [];
  private replies: VtyReply[] = []; // of the batch in flight
  private timer?: NodeJS.Timeout;
  private current?: Pending;
  private readonly queue: Pending[] = [];

  constructor(
    readonly path: string,
    private readonly timeoutMs = 15_000,
  ) {}

  /** Runs one command line (queued behind earlier ones). */
  run(cmd: string): Promise<VtyReply> {
    return new Promise((resolve, reject) => {
      this.queue.push({ cmd, resolve: resolve as (r: VtyReply | VtyReply[]) => void, reject });
      void this.pump();
    });
  }

  /** `show … json` parsed; a warning status (FRR's "no such instance": `{}`) still parses. */
  async json(cmd: string): Promise<unknown> {
    const r = await this.run(cmd);
    if (r.status !== CMD_SUCCESS && r.status !== CMD_WARNING) throw new Error(`${cmd}: ${r.output.trim()}`);
    return JSON.parse(r.output || '{}');
  }

  /** Applies configuration lines in `configure terminal`; returns the lines FRR refused, with
   *  its message. Always leaves config mode, whatever failed. The lines go out in one write and
   *  bgpd executes them in order, one reply each (its vtysh_read runs every NUL-terminated
   *  command of a read): one round trip per push instead of one per line, the same lines and
   *  the same outcome as a line-by-line session. */
  async configure(lines: readonly string[]): Promise<{ line: string; error: string }[]> {
    const cmds = ['configure terminal', ...lines.map((l) => l.trim()), 'end'];
    const replies = await this.runAll(cmds);
    if (replies[0]!.status !== CMD_SUCCESS) throw new Error(`configure terminal: ${replies[0]!.output.trim()}`);
    const errors: { line: string; error: string }[] = [];
    replies.slice(1, -1).forEach((r, i) => {
      if (r.status !== CMD_SUCCESS && r.status !== CMD_WARNING) errors.push({ line: cmds[i + 1]!, error: r.output.trim() });
    });
    return errors;
  }

  /** Runs several command lines, written at once, answered in order. */
  runAll(cmds: readonly string[]): Promise<VtyReply[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ cmd: cmds, resolve: resolve as (r: VtyReply | VtyReply[]) => void, reject });
      void this.pump();
    });
  }

  close(): void {
    const s = this.socket;
    this.socket = undefined;
    s?.destroy();
    this.failAll(new VtyUnavailable(`${this.path}: closed`));
  }

  private async pump(): Promise<void> {
    if (this.current || this.queue.length === 0) return;
    const next = this.queue.shift()!;
    this.current = next;
    let socket: net.Socket;
    try {
      socket = await this.connect();
    } catch (e) {
      this.current = undefined;
      next.reject(e as Error);
      void this.pump();
      return;
    }
    this.write(socket, next.cmd);
  }

  /** Sends one command (or a batch); a daemon that does not answer in time loses the
   *  connection. */
  private write(s: net.Socket, cmd: string | readonly string[]): void {
    const cmds = typeof cmd === 'string' ? [cmd] : cmd;
    this.replies = [];
    this.armTimer(s, cmds[0] ?? '');
    s.write(cmds.map((c) => `${c}\0`).join(''));
  }

  private armTimer(s: net.Socket, cmd: string): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.drop(s, new VtyUnavailable(`${this.path}: no answer to '${cmd}' within ${this.timeoutMs} ms`)), this.timeoutMs);
  }

  private connect(): Promise<net.Socket> {
    if (this.socket) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<net.Socket>((resolve, reject) => {
      const s = net.createConnection(this.path);
      const fail = (e: Error) => {
        this.connecting = undefined;
        s.destroy();
        reject(new VtyUnavailable(`${this.path}: ${e.message}`));
      };
      s.once('error', fail);
      s.once('connect', () => {
        s.off('error', fail);
        s.on('error', (e) => this.drop(s, new VtyUnavailable(`${this.path}: ${e.message}`)));
        s.on('close', () => this.drop(s, new VtyUnavailable(`${this.path}: connection closed`)));
        s.on('data', (d: Buffer) => this.onData(d));
        this.socket = s;
        this.connecting = undefined;
        // A new vty starts in view mode: configuration needs enable.
        this.sendRaw(s, 'enable').then(() => resolve(s), fail);
      });
    });
    return this.connecting;
  }

  /** The `enable` handshake, before the socket serves queued commands. */
  private sendRaw(s: net.Socket, cmd: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const prev = this.current;
      this.current = {
        cmd,
        resolve: () => {
          this.current = prev;
          resolve();
        },
        reject: (e) => {
          this.current = prev;
          reject(e);
        },
      };
      this.write(s, cmd);
    });
  }

  /** Replies end with three NUL bytes and the status byte; output never holds a NUL, so the
   *  first `\0\0\0` in the buffer ends the oldest reply (a batch's replies may share a read). */
  private onData(d: Buffer): void {
    this.chunks.push(d);
    const tail = lastBytes(this.chunks, 4);
    if (tail.length < 4 || tail[0] !== 0 || tail[1] !== 0 || tail[2] !== 0) return;
    let buf = Buffer.concat(this.chunks);
    this.chunks = [];
    const cur = this.current;
    const want = Array.isArray(cur?.cmd) ? cur.cmd.length : 1;
    for (let end = buf.indexOf(TRAILER); end >= 0 && end + 4 <= buf.length; end = buf.indexOf(TRAILER)) {
      this.replies.push({ status: buf[end + 3]!, output: buf.subarray(0, end).toString() });
      buf = buf.subarray(end + 4);
    }
    if (buf.length > 0) this.chunks.push(buf);
    if (this.replies.length < want) {
      if (this.socket) this.armTimer(this.socket, String(Array.isArray(cur?.cmd) ? cur.cmd[this.replies.length] : cur?.cmd));
      return;
    }
    clearTimeout(this.timer);
    const replies = this.replies;
    this.replies = [];
    this.current = undefined;
    cur?.resolve(Array.isArray(cur.cmd) ? replies : replies[0]!);
    void this.pump();
  }

  private drop(s: net.Socket, e: Error): void {
    if (this.socket !== s) return;
    clearTimeout(this.timer);
    this.socket = undefined;
    this.chunks = [];
    s.destroy();
    this.failAll(e);
  }

  private failAll(e: Error): void {
    const cur = this.current;
    this.current = undefined;
    cur?.reject(e);
    for (const p of this.queue.splice(0)) p.reject(e);
  }
}

/** The last n bytes of a chunk list, without concatenating the whole reply on every read. */
export function lastBytes(chunks: readonly Buffer[], n: number): number[] {
  const out: number[] = [];
  for (let c = chunks.length - 1; c >= 0 && out.length < n; c--) {
    const b = chunks[c]!;
    for (let i = b.length - 1; i >= 0 && out.length < n; i--) out.unshift(b[i]!);
  }
  return out;
}
