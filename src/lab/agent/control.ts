// The agent's control channel, one unix socket per switch: how `systemctl restart bgp` inside
// `clos lab exec` reaches the emulated routing service. Line protocol, one request per line:
//   ping\n         → ok\n
//   restart-bgp\n  → ok\n once FRR is back (bgpcfgd then pushes the neighbors again), or error <msg>\n
//   config-save\n  → ok\n once CONFIG_DB is in the startup config file (`config save -y`)
//   config-reload\n → ok\n once CONFIG_DB is reloaded from it and the services restarted
//   reboot\n       → ok\n once the switch is back up (config reload + STATE/APPL_DB, ports)
import { renameSync, rmSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';

/** Where the agent listens for a switch, given the switch's runtime directory. */
export function agentSocketPath(dir: string): string {
  return join(dir, 'agent.sock');
}

export type ControlHandler = (request: string) => Promise<string>;

/** Starts the control server; each line gets exactly one reply line. The socket is bound under
 *  a temporary name and renamed into place once listening: the host side takes the file's
 *  existence as "ready", so it must never exist before it accepts connections. */
export async function serveControl(path: string, handle: ControlHandler): Promise<net.Server> {
  const tmp = join(dirname(path), `.as${process.pid}`); // short: unix socket paths are limited
  rmSync(tmp, { force: true });
  const server = net.createServer((conn) => {
    let buf = '';
    let chain = Promise.resolve();
    conn.on('error', () => conn.destroy());
    conn.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        // Requests on one connection are answered in order.
        chain = chain.then(async () => {
          let reply: string;
          try {
            reply = await handle(line);
          } catch (e) {
            reply = `error ${(e as Error).message.replace(/\s+/g, ' ')}`;
          }
          if (!conn.destroyed) conn.write(`${reply}\n`);
        });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(tmp, () => {
      server.off('error', reject);
      resolve();
    });
  });
  renameSync(tmp, path); // replaces a socket file left by an agent that died
  return server;
}
