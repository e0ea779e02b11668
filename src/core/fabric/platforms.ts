// Platforms a fabric may use: the built-in catalogue plus those declared under `platforms:`.
import { diag, type Diagnostic } from '../diagnostics.ts';
import type { PortDef, Platform } from '../model.ts';
import { BUILTIN_PLATFORMS, makePlatform } from '../platform/catalogue.ts';
import { expandPortRange, portNumber } from '../platform/ports.ts';
import type { RawPlatform } from './schema.ts';

interface PortEntry {
  name: string;
  alias?: string | undefined;
  lanes?: string | undefined;
  speed?: number | undefined;
}

export function resolvePlatforms(
  declared: Readonly<Record<string, RawPlatform>> | undefined,
  out: Diagnostic[],
): Map<string, Platform> {
  const platforms = new Map(BUILTIN_PLATFORMS);
  for (const [name, raw] of Object.entries(declared ?? {})) {
    const path = ['platforms', name];
    if (platforms.has(name)) {
      out.push(diag('DUPLICATE_NAME', path, `platform ${name} is built in and cannot be redeclared`, 'give your platform another name', 'key'));
      continue;
    }
    const lanesPerPort = raw['lanes-per-port'] ?? 4;
    const specs = typeof raw.ports === 'string' ? [raw.ports] : raw.ports;
    const ports: PortDef[] = [];
    const seen = new Set<string>();
    specs.forEach((spec, i) => {
      const specPath = typeof raw.ports === 'string' ? [...path, 'ports'] : [...path, 'ports', i];
      const entries: PortEntry[] | undefined = typeof spec === 'string' ? expandPortRange(spec)?.map((n) => ({ name: n })) : [spec];
      if (!entries) {
        out.push(diag('BAD_PORT_RANGE', specPath, `platform ${name}: port range "${String(spec)}" cannot be expanded`, 'write EthernetFIRST-EthernetLAST/STEP with LAST reachable from FIRST by STEP'));
        return;
      }
      for (const e of entries) {
        if (seen.has(e.name)) {
          out.push(diag('PORT_REUSED', specPath, `platform ${name}: port ${e.name} is declared twice`));
          continue;
        }
        seen.add(e.name);
        const n = portNumber(e.name);
        const lanes = e.lanes ?? Array.from({ length: lanesPerPort }, (_, k) => n + k).join(',');
        const speed = e.speed ?? raw.speed;
        const alias = e.alias ?? e.name;
        ports.push({ name: e.name, alias, lanes, index: ports.length, speed });
      }
    });
    platforms.set(name, makePlatform(name, raw.speed, ports));
  }
  return platforms;
}
