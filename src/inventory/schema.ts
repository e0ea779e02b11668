// The inventory file: how to reach each switch of a fabric. Written by `clos lab up` (emulated
// switches) and `clos lab export` (containerlab), or by hand for real switches; read by every
// command that talks to switches. Defined once here; docs/inventory.md describes it.
// Secrets never appear in it: a password is named by the environment variable holding it.
import { z } from 'zod';

const host = z.string().min(1).describe('IPv4 address or host name');
const port = z.number().int().min(1).max(65535);

/** How a command reaches a port that is not directly routable (a container's or VM's
 *  localhost-only redis). */
const via = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('docker-exec'), container: z.string().min(1) }),
  z.strictObject({ kind: z.literal('ssh'), host, port: port.default(22), user: z.string().min(1) }),
]);

const tlsFiles = z.strictObject({
  ca: z.string().min(1).optional().describe('CA certificate file (PEM)'),
  cert: z.string().min(1).optional().describe('client certificate file (PEM), for mutual TLS'),
  key: z.string().min(1).optional().describe('client key file (PEM), for mutual TLS'),
  servername: z.string().min(1).optional().describe('name to verify in the server certificate'),
});

const redis = z.strictObject({
  host,
  port: port.default(6379),
  socket: z.string().min(1).optional().describe('unix socket, preferred when on the same host'),
  username: z.string().min(1).optional(),
  passwordEnv: z.string().min(1).optional().describe('environment variable holding the password (default: CLOS_REDIS_PASSWORD when set)'),
  tls: tlsFiles.optional(),
  via: via.optional(),
});

const gnmi = z.strictObject({
  host,
  port: port.default(8080),
  tls: z
    .union([z.boolean(), tlsFiles])
    .default(false)
    .describe('false: plaintext (sonic-gnmi on 8080); true: TLS with the system CAs; files: TLS (mutual with cert and key)'),
  username: z.string().min(1).optional(),
  passwordEnv: z.string().min(1).optional().describe('environment variable holding the password (default: CLOS_GNMI_PASSWORD when set)'),
  timeoutMs: z.number().int().positive().optional().describe('deadline of each gNMI call in milliseconds (default 10000; a Set gets 6 times it)'),
});

/** How `exec`-style commands (vtysh, show) run on the switch. */
const exec = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('lab'), fabric: z.string().min(1), switch: z.string().min(1) }),
  z.strictObject({ kind: z.literal('docker'), container: z.string().min(1) }),
  z.strictObject({ kind: z.literal('ssh'), host, port: port.default(22), user: z.string().min(1) }),
]);

export const inventorySwitchSchema = z
  .strictObject({
    transport: z.enum(['redis', 'gnmi']),
    mgmt: host.optional(),
    flavour: z.enum(['sonic', 'legacy-vs']).optional().describe('lab and containerlab only'),
    redis: redis.optional(),
    gnmi: gnmi.optional(),
    exec: exec.optional(),
  })
  .refine((s) => s[s.transport] !== undefined, { message: 'the block named by transport is missing' });

export const inventorySchema = z.strictObject({
  version: z.literal(1),
  fabric: z.string().min(1),
  switches: z.record(z.string(), inventorySwitchSchema),
});

export type Inventory = z.infer<typeof inventorySchema>;
export type InventorySwitch = z.infer<typeof inventorySwitchSchema>;
