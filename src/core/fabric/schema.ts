// The fabric file format (shared/spec/fabric-file.md), defined ONCE. Runtime validation, the
// TypeScript type RawFabric and topologies/fabric.schema.json (for editors) all come from here.
import { z } from 'zod';

const NAME = /^[a-z0-9][a-z0-9-]*$/;
const SWITCH_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const CIDR4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/;
const ASN_RANGE = /^\d+-\d+$/;
const PORT = /^Ethernet\d+$/;
/** `Ethernet0-Ethernet28/4` (step optional, default 1) or one port name. */
const PORT_RANGE = /^Ethernet\d+(-Ethernet\d+(\/\d+)?)?$/;
const LINK = /^\s*[A-Za-z0-9][A-Za-z0-9_.-]*:Ethernet\d+\s+--\s+[A-Za-z0-9][A-Za-z0-9_.-]*:Ethernet\d+\s*$/;

const asn = z.number().int().describe('AS number (asplain, 4-byte allowed)');
const switchName = z.string().regex(SWITCH_NAME).describe('switch name, unique in the fabric');
const hwsku = z.string().min(1).describe('platform name: built in (Force10-S6000) or declared under platforms');
const flavour = z
  .enum(['sonic', 'legacy-vs'])
  .describe('lab only: how the emulated switch behaves (sonic = bgpcfgd/bgpmon/lldp; legacy-vs = docker-sonic-vs release images)');
const portList = z
  .union([z.string().regex(PORT_RANGE), z.array(z.string().regex(PORT_RANGE)).min(1)])
  .describe('a port range "Ethernet0-Ethernet28/4", one port, or a list of either');

/** A CONFIG_DB key as SONiC writes it in Redis: `TABLE|key`, e.g. INTERFACE|Ethernet60|192.0.2.1/31. */
const CONFIG_KEY = /^[A-Z][A-Z0-9_]*\|\S+$/;
const adoption = z
  .strictObject({
    keep: z
      .array(z.string().regex(CONFIG_KEY))
      .min(1)
      .describe('foreign CONFIG_DB entries inside clos\'s scope that stay: "TABLE|key", e.g. "INTERFACE|Ethernet60|192.0.2.1/31" (docs/adoption.md)'),
  })
  .describe('what clos keeps of the config it finds on a switch (factory, brownfield): an addition to the v1 format');

const portSpec = z.union([
  z.string().regex(PORT_RANGE),
  z.strictObject({
    name: z.string().regex(PORT),
    alias: z.string().min(1).optional(),
    lanes: z.string().regex(/^\d+(,\d+)*$/).optional(),
    speed: z.number().int().positive().optional(),
  }),
]);

export const platformSchema = z.strictObject({
  ports: z
    .union([z.string().regex(PORT_RANGE), z.array(portSpec).min(1)])
    .describe('front-panel ports: a range "Ethernet0-Ethernet252/4", or a list of ranges and {name, alias, lanes, speed}'),
  speed: z.number().int().positive().describe('default port speed in Mb/s'),
  'lanes-per-port': z.number().int().min(1).max(8).optional().describe('lanes of a port whose lanes are not given (default 4): EthernetN gets N…N+k-1'),
});

const spineSchema = z.union([
  switchName,
  z.strictObject({
    name: switchName,
    mgmt: z.string().regex(IPV4).optional().describe('management address; an inventory may supply or override it'),
    hwsku: hwsku.optional(),
    loopback: z.string().regex(IPV4).optional().describe('pinned Loopback0 address (from underlay.loopbacks)'),
    flavour: flavour.optional(),
    adoption: adoption.optional(),
  }),
]);

const leafSchema = z.union([
  switchName,
  z.strictObject({
    name: switchName,
    hwsku: hwsku.optional(),
    mgmt: z.string().regex(IPV4).optional(),
    asn: asn.optional().describe('pinned leaf ASN (inside underlay.asn.leaves)'),
    loopback: z.string().regex(IPV4).optional().describe('pinned Loopback0 address'),
    flavour: flavour.optional(),
    adoption: adoption.optional(),
  }),
]);

export const fabricSchema = z.strictObject({
  fabric: z.string().regex(NAME).describe('fabric name, [a-z0-9-]+'),
  description: z.string().optional(),
  underlay: z.strictObject({
    asn: z.strictObject({
      spine: asn.describe('the one ASN every spine shares (RFC 7938)'),
      leaves: z.string().regex(ASN_RANGE).describe('range "65101-65534"; each leaf gets its own ASN'),
    }),
    loopbacks: z.string().regex(CIDR4).describe('pool: one /32 per switch (Loopback0, router id)'),
    p2p: z.string().regex(CIDR4).describe('pool: one /31 per spine-leaf link, the spine takes the even address'),
    servers: z.string().regex(CIDR4).optional().describe('pool for per-leaf server subnets'),
    timers: z
      .strictObject({ keepalive: z.number().int().min(1).max(21845), holdtime: z.number().int().min(3).max(65535) })
      .optional()
      .describe('BGP timers in seconds; default keepalive 3, holdtime 9'),
    mtu: z.number().int().min(1280).max(9216).optional().describe('port MTU; default 9100'),
    'port-speed': z.number().int().positive().optional().describe('port speed in Mb/s; default the platform speed'),
  }),
  defaults: z
    .strictObject({ hwsku: hwsku.optional(), flavour: flavour.optional() })
    .optional()
    .describe('defaults for every switch; hwsku defaults to Force10-S6000'),
  platforms: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/), platformSchema).optional(),
  spines: z.array(spineSchema).min(1),
  racks: z
    .array(
      z.strictObject({
        name: z.string().regex(NAME),
        leaves: z.array(leafSchema).min(1),
        servers: z
          .strictObject({
            vlan: z.number().int().min(2).max(4094),
            ports: portList,
            'prefix-length': z.number().int().min(16).max(30),
          })
          .optional(),
      }),
    )
    .min(1),
  cabling: z.strictObject({
    'leaf-uplinks': z.array(z.string().regex(PORT)).min(1).describe('uplink i of every leaf goes to the i-th spine'),
    'spine-ports': portList.describe('spine ports that may take leaves, handed out in order'),
  }),
  links: z
    .array(z.string().regex(LINK))
    .optional()
    .describe('explicit cables "leaf1:Ethernet120 -- spine1:Ethernet8"; they replace the rule for that pair'),
  adoption: adoption.optional().describe('foreign entries kept on every switch (a switch may add its own)'),
});

export type RawFabric = z.infer<typeof fabricSchema>;
export type RawPlatform = z.infer<typeof platformSchema>;

/** JSON Schema for editors (topologies/fabric.schema.json), generated from the same definition. */
export function fabricJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(fabricSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://clos.dev/schemas/fabric.schema.json',
    title: 'clos fabric file (v1)',
    description: 'A two-tier SONiC leaf-spine fabric: spines, racks of leaves, cabling and address pools.',
  };
}
