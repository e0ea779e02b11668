// The inventory file: how to reach each switch of a fabric. Written by `clos lab up` (emulated
// switches) and `clos lab export` (containerlab), or by hand for real switches; read by every
// command that talks to switches. Defined once here; docs/inventory.md describes it.
// Secrets never appear in it: a password is named by the environment variable holding it.
import { z } from 'zod';

// Values that end up in the argv of ssh or docker are held to their own syntax, so that none can
// be read as an option ("-oProxyCommand=…") or as shell text: nothing starts with "-", nothing
// holds a space, a quote, ";" or "$". Each pattern is written without overlapping repetitions.
const LABEL = '[A-Za-z0-9](?:-*[A-Za-z0-9])*';
const HOST = new RegExp(`^(?:${LABEL}(?:\\.${LABEL})*|[0-9A-Fa-f]*:[0-9A-Fa-f:.]*)$`);
const USER = /^[A-Za-z_][A-Za-z0-9_.-]*$/; // POSIX portable user names (useradd's rule)
const CONTAINER = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/; // docker's own rule for container names and ids
const NAME = /^[a-z0-9][a-z0-9-]*$/; // a fabric name (the lab's state directory)
const SWITCH = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`); // a switch name (a host name)
const refuse = (what: string) => `must be ${what}; it never starts with "-" and holds no spaces or shell characters`;

const host = z.string().max(253).regex(HOST, refuse('an IPv4 or IPv6 address or a host name')).describe('IPv4 address or host name');
const port = z.number().int().min(1).max(65535);
const user = z.string().max(32).regex(USER, refuse('a user name (letters, digits, "_", ".", "-"; not first "-")'));
const container = z.string().max(128).regex(CONTAINER, refuse('a container name or id (letters, digits, "_", ".", "-")'));

/** How a command reaches a port that is not directly routable (a container's or VM's
 *  localhost-only redis). */
const via = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('docker-exec'), container }),
  z.strictObject({ kind: z.literal('ssh'), host, port: port.default(22), user }),
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
  z.strictObject({
    kind: z.literal('lab'),
    fabric: z.string().max(63).regex(NAME, refuse('a fabric name ([a-z0-9-])')),
    switch: z.string().max(63).regex(SWITCH, refuse('a switch name (a host name)')),
  }),
  z.strictObject({ kind: z.literal('docker'), container }),
  z.strictObject({ kind: z.literal('ssh'), host, port: port.default(22), user }),
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
