// The inventory of a running lab: each emulated switch reached over redis on its loopback
// address (or its unix socket from this host), `exec` through `clos lab exec`; its gNMI server
// on the same address (used with `--transport gnmi`, or `transport: gnmi` in a copy).
import type { Inventory } from '../inventory/schema.ts';
import { renderInventory } from '../inventory/write.ts';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { GNMI_PORT } from './gnmi.ts';
import { REDIS_PORT } from './redis.ts';
import type { LabState } from './state.ts';
import { join } from 'node:path';

export function labInventory(state: LabState): Inventory {
  const switches: Inventory['switches'] = {};
  for (const s of Object.values(state.switches)) {
    switches[s.name] = {
      transport: 'redis',
      flavour: s.flavour,
      redis: { host: s.address, port: REDIS_PORT, socket: join(s.dir, 'redis.sock') },
      gnmi: { host: s.address, port: GNMI_PORT, tls: false },
      exec: { kind: 'lab', fabric: state.fabric, switch: s.name },
    };
  }
  return { version: 1, fabric: state.fabric, switches };
}

/** Rewrites the file only when its content changes (a no-op `up` changes nothing). */
export function writeLabInventory(state: LabState): void {
  const text = renderInventory(labInventory(state));
  if (existsSync(state.inventory) && readFileSync(state.inventory, 'utf8') === text) return;
  writeFileSync(`${state.inventory}.tmp`, text);
  renameSync(`${state.inventory}.tmp`, state.inventory);
}
