// The agent side of the lab's gNMI: one emulated sonic-gnmi server per switch of this agent
// (src/gnmi/server.ts) over the switch's redis socket, started before the switches themselves so
// that it listens by the time the host side sees the switch ready. gNOI's restart of the "bgp"
// service is the agent's own `restart-bgp` (through the switch's control socket), so a switch
// reached by gNMI only can still be brought up; gNOI SonicService.ConfigSave is the agent's
// `config-save`, the same as `config save -y`.
import type { Logger } from 'pino';
import { startGnmiServer, type GnmiServer } from '../../gnmi/server.ts';
import { agentRequest, agentSocket, restartBgp } from '../agent-client.ts';
import type { SwitchRuntime } from '../runtime.ts';

export async function startGnmiServers(switches: readonly SwitchRuntime[], log: (name: string) => Logger): Promise<GnmiServer[]> {
  const servers: GnmiServer[] = [];
  for (const rt of switches) {
    if (!rt.gnmi) continue;
    const l = log(rt.name);
    try {
      servers.push(
        await startGnmiServer({
          switchName: rt.name,
          redis: { socket: rt.redis.socket },
          address: `${rt.gnmi.host}:${rt.gnmi.port}`,
          restartService: async (service) => {
            if (service !== 'bgp') throw new Error(`switch ${rt.name} has no service "${service}" to restart (the lab emulates bgp only)`);
            await restartBgp(rt.name, rt.dir);
          },
          saveConfig: async () => {
            await agentRequest(rt.name, agentSocket(rt.dir), 'config-save');
          },
          log: l.child({ component: 'gnmi' }),
        }),
      );
    } catch (e) {
      // The switch still runs and is reachable over redis; its gNMI address stays dark.
      l.error({ err: e }, 'gNMI server failed to start');
    }
  }
  return servers;
}
