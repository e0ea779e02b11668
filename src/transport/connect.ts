// Opens what a command needs to talk to one switch of the inventory: its transport and its exec
// channel. Secrets come from the environment, named by the inventory; never from the fabric file.
import type { InventorySwitch } from '../inventory/schema.ts';
import { execChannel, type LabExecRunner } from './exec.ts';
import { GnmiTransport, gnoiExecChannel } from './gnmi.ts';
import { RedisTransport } from './redis.ts';
import type { ExecChannel, Transport } from './transport.ts';
import { openTunnel, tunnelCommand, type Tunnel } from './tunnel.ts';

export interface SwitchLink {
  readonly name: string;
  readonly transport: Transport;
  readonly exec?: ExecChannel;
  readonly flavourHint?: 'sonic' | 'legacy-vs';
  close(): Promise<void>;
}

export type TransportKind = 'redis' | 'gnmi';

export async function connectSwitch(name: string, entry: InventorySwitch, override?: TransportKind, env = process.env, lab?: LabExecRunner): Promise<SwitchLink> {
  const kind = override ?? entry.transport;
  let exec = execChannel(name, entry.exec, lab);
  let tunnel: Tunnel | undefined;
  let transport: Transport;
  if (kind === 'redis') {
    const r = entry.redis;
    if (!r) throw new Error(`${name}: the inventory has no redis block for this switch`);
    const password = env[r.passwordEnv ?? 'CLOS_REDIS_PASSWORD'];
    if (r.via) tunnel = await openTunnel(tunnelCommand(r.via, r.host, r.port));
    transport = new RedisTransport(name, {
      ...(tunnel ? { host: '127.0.0.1', port: tunnel.port } : r.socket ? { socket: r.socket } : { host: r.host, port: r.port }),
      ...(r.username ? { username: r.username } : {}),
      ...(password ? { password } : {}),
      ...(r.tls ? { tls: r.tls } : {}),
    });
  } else {
    const g = entry.gnmi;
    if (!g) throw new Error(`${name}: the inventory has no gnmi block for this switch`);
    const username = g.username;
    const password = env[g.passwordEnv ?? 'CLOS_GNMI_PASSWORD'];
    const gnmi = new GnmiTransport(name, {
      host: g.host,
      port: g.port,
      tls: g.tls,
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
      ...(g.timeoutMs ? { deadlineMs: g.timeoutMs } : {}),
    });
    transport = gnmi;
    // The routing-service restart goes through gNOI; other commands through the inventory's exec.
    exec = gnoiExecChannel(gnmi, exec);
  }
  return {
    name,
    transport,
    ...(exec ? { exec } : {}),
    ...(entry.flavour ? { flavourHint: entry.flavour } : {}),
    close: async () => {
      await transport.close();
      await tunnel?.close();
    },
  };
}
