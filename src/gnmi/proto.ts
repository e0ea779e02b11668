// Loads proto/gnmi.proto (+ gnmi_ext.proto), proto/gnoi_system.proto and proto/sonic_gnoi.proto
// with protobufjs and
// turns them into gRPC method definitions for @grpc/grpc-js: the one place that knows how a
// plain message object (types.ts) becomes bytes on the wire and back.
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { fileURLToPath } from 'node:url';

const PROTO_DIR = fileURLToPath(new URL('../../proto/', import.meta.url));

/** How decoded messages look: proto field names, int64 as strings, enum names, bytes as Buffer,
 *  the set member of each oneof named, defaults filled in (so `mode` STREAM = 0 is present). */
const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: String, bytes: Buffer, oneofs: true, defaults: true };

let root: protobuf.Root | undefined;

function loadRoot(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  // Our protos import each other by bare file name; google/protobuf/* are protobufjs built-ins.
  r.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : `${PROTO_DIR}${target.slice(target.lastIndexOf('/') + 1)}`);
  r.loadSync(['gnmi.proto', 'gnoi_system.proto', 'sonic_gnoi.proto'], { keepCase: true });
  r.resolveAll();
  root = r;
  return r;
}

export function messageType(name: string): protobuf.Type {
  return loadRoot().lookupType(name);
}

export function encodeMessage(type: protobuf.Type, obj: unknown): Buffer {
  return Buffer.from(type.encode(type.fromObject(obj as Record<string, unknown>)).finish());
}

export function decodeMessage<T>(type: protobuf.Type, buf: Buffer): T {
  return type.toObject(type.decode(buf), TO_OBJECT) as T;
}

function method(service: string, name: string, requestType: string, responseType: string, requestStream: boolean, responseStream: boolean): MethodDefinition<unknown, unknown> {
  const req = messageType(requestType);
  const res = messageType(responseType);
  return {
    path: `/${service}/${name}`,
    requestStream,
    responseStream,
    requestSerialize: (m: unknown) => encodeMessage(req, m),
    requestDeserialize: (b: Buffer) => decodeMessage(req, b),
    responseSerialize: (m: unknown) => encodeMessage(res, m),
    responseDeserialize: (b: Buffer) => decodeMessage(res, b),
    originalName: name,
  };
}

let gnmiService: ServiceDefinition | undefined;
let systemService: ServiceDefinition | undefined;
let sonicService: ServiceDefinition | undefined;

/** gnmi.gNMI: Capabilities, Get, Set (unary) and Subscribe (bidirectional stream). */
export function gnmiServiceDefinition(): ServiceDefinition {
  gnmiService ??= {
    Capabilities: method('gnmi.gNMI', 'Capabilities', 'gnmi.CapabilityRequest', 'gnmi.CapabilityResponse', false, false),
    Get: method('gnmi.gNMI', 'Get', 'gnmi.GetRequest', 'gnmi.GetResponse', false, false),
    Set: method('gnmi.gNMI', 'Set', 'gnmi.SetRequest', 'gnmi.SetResponse', false, false),
    Subscribe: method('gnmi.gNMI', 'Subscribe', 'gnmi.SubscribeRequest', 'gnmi.SubscribeResponse', true, true),
  };
  return gnmiService;
}

/** gnoi.system.System, the KillProcess call only. */
export function systemServiceDefinition(): ServiceDefinition {
  systemService ??= {
    KillProcess: method('gnoi.system.System', 'KillProcess', 'gnoi.system.KillProcessRequest', 'gnoi.system.KillProcessResponse', false, false),
  };
  return systemService;
}

/** gnoi.sonic.SonicService, the ConfigSave call only (sonic-gnmi's `config save`). */
export function sonicServiceDefinition(): ServiceDefinition {
  sonicService ??= {
    ConfigSave: method('gnoi.sonic.SonicService', 'ConfigSave', 'gnoi.sonic.ConfigSaveRequest', 'gnoi.sonic.ConfigSaveResponse', false, false),
  };
  return sonicService;
}
