// The agent's input file, validated: a mistake in it is reported by field, not as a crash later.
import { z } from 'zod';
import type { SwitchRuntime } from '../runtime.ts';

const switchRuntime = z.object({
  name: z.string().min(1),
  fabric: z.string().min(1),
  namespace: z.string().min(1),
  flavour: z.enum(['sonic', 'legacy-vs']),
  redis: z.object({ host: z.string(), port: z.number().int(), socket: z.string().min(1) }),
  dir: z.string().min(1),
  lldpdSocket: z.string().optional(),
  bgpmonIntervalMs: z.number().int().positive(),
  processRecords: z.string().min(1),
  gnmi: z.object({ host: z.string().min(1), port: z.number().int() }).optional(),
});

const agentFile = z.object({ switches: z.array(switchRuntime).min(1) });

export function parseAgentFile(json: unknown): { switches: SwitchRuntime[] } {
  return agentFile.parse(json) as { switches: SwitchRuntime[] };
}
