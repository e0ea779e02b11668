// Reaching a localhost-only redis (a sonic-vm's, a docker-sonic-vs container's) through a
// stdio stream: a local TCP listener hands each connection to `ssh -W 127.0.0.1:6379` or to
// `docker exec -i` running bash's /dev/tcp, and pipes bytes both ways.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';

export interface Tunnel {
  readonly port: number;
  close(): Promise<void>;
}

/** The bash bridge run inside the container. Remote → stdout in the foreground, so the stream
 *  ends when redis closes the connection; the background copy needs its explicit `<&0` (bash
 *  gives background jobs /dev/null otherwise). */
export const BRIDGE = 'exec 3<>"/dev/tcp/$1/$2" || exit 1; cat <&0 >&3 & cat <&3; kill $! 2>/dev/null';

/** argv of a command whose stdin/stdout is a byte stream to the remote port. */
export function tunnelCommand(via: { kind: 'ssh'; host: string; port: number; user: string } | { kind: 'docker-exec'; container: string }, host: string, port: number): string[] {
  // `--` ends the options of ssh and docker before the first positional argument, and the
  // script is constant: host and port reach bash as its $1 and $2, never as shell text.
  if (via.kind === 'ssh') return ['ssh', '-p', String(via.port), '-o', 'BatchMode=yes', '-W', `${host}:${port}`, '--', `${via.user}@${via.host}`];
  return ['docker', 'exec', '-i', '--', via.container, 'bash', '-c', BRIDGE, 'bash', host, String(port)];
}

export async function openTunnel(argv: readonly string[]): Promise<Tunnel> {
  const open = new Set<() => void>();
  const server: Server = createServer((socket) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'ignore'] });
    socket.pipe(child.stdin);
    child.stdout.pipe(socket);
    const end = () => {
      open.delete(end);
      socket.destroy();
      child.kill();
    };
    open.add(end);
    socket.on('close', end);
    socket.on('error', end);
    child.on('exit', end);
    child.on('error', end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    // Closing the tunnel ends every stream still open through it (and its ssh/docker process).
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const end of [...open]) end();
      }),
  };
}
