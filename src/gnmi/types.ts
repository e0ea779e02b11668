// gNMI messages as plain objects, in the proto's own field names (proto/gnmi.proto, loaded
// with keepCase): what the pure message builders produce and what the codec in proto.ts encodes
// and decodes. int64/uint64 travel as decimal strings, enums as their names, bytes as
// Uint8Array. Only the fields clos reads or writes are typed; the codec carries the rest.

export type Encoding = 'JSON' | 'BYTES' | 'PROTO' | 'ASCII' | 'JSON_IETF';
export type SubscriptionMode = 'TARGET_DEFINED' | 'ON_CHANGE' | 'SAMPLE';
export type SubscriptionListMode = 'STREAM' | 'ONCE' | 'POLL';

export interface PathElem {
  readonly name: string;
  readonly key?: Readonly<Record<string, string>>;
}

export interface Path {
  readonly origin?: string;
  readonly elem?: readonly PathElem[];
  readonly target?: string;
}

export interface TypedValue {
  readonly string_val?: string;
  readonly int_val?: string;
  readonly uint_val?: string;
  readonly bool_val?: boolean;
  readonly bytes_val?: Uint8Array;
  readonly double_val?: number;
  readonly json_val?: Uint8Array;
  readonly json_ietf_val?: Uint8Array;
  readonly ascii_val?: string;
  readonly proto_bytes?: Uint8Array;
  /** Which member of the oneof is set (decoded messages only). */
  readonly value?: string;
}

export interface Update {
  readonly path?: Path | null;
  readonly val?: TypedValue | null;
  readonly duplicates?: number;
}

export interface Notification {
  readonly timestamp?: string;
  readonly prefix?: Path | null;
  readonly update?: readonly Update[];
  readonly delete?: readonly Path[];
  readonly atomic?: boolean;
}

export interface ModelData {
  readonly name?: string;
  readonly organization?: string;
  readonly version?: string;
}

export interface CapabilityRequest {
  readonly extension?: readonly unknown[];
}

export interface CapabilityResponse {
  readonly supported_models?: readonly ModelData[];
  readonly supported_encodings?: readonly Encoding[];
  readonly gNMI_version?: string;
}

export interface GetRequest {
  readonly prefix?: Path | null;
  readonly path?: readonly Path[];
  readonly type?: 'ALL' | 'CONFIG' | 'STATE' | 'OPERATIONAL';
  readonly encoding?: Encoding;
  readonly use_models?: readonly ModelData[];
}

export interface GetResponse {
  readonly notification?: readonly Notification[];
}

export interface SetRequest {
  readonly prefix?: Path | null;
  readonly delete?: readonly Path[];
  readonly replace?: readonly Update[];
  readonly update?: readonly Update[];
  readonly union_replace?: readonly Update[];
}

export interface UpdateResult {
  readonly path?: Path | null;
  readonly op?: 'INVALID' | 'DELETE' | 'REPLACE' | 'UPDATE' | 'UNION_REPLACE';
}

export interface SetResponse {
  readonly prefix?: Path | null;
  readonly response?: readonly UpdateResult[];
  readonly timestamp?: string;
}

export interface Subscription {
  readonly path?: Path | null;
  readonly mode?: SubscriptionMode;
  /** Nanoseconds, as a decimal string. */
  readonly sample_interval?: string;
  readonly suppress_redundant?: boolean;
  readonly heartbeat_interval?: string;
}

export interface SubscriptionList {
  readonly prefix?: Path | null;
  readonly subscription?: readonly Subscription[];
  readonly mode?: SubscriptionListMode;
  readonly encoding?: Encoding;
  readonly updates_only?: boolean;
  readonly allow_aggregation?: boolean;
  readonly use_models?: readonly ModelData[];
}

export interface SubscribeRequest {
  readonly subscribe?: SubscriptionList | null;
  readonly poll?: Record<string, never> | null;
  /** Which member of the oneof is set (decoded messages only). */
  readonly request?: 'subscribe' | 'poll';
}

export interface SubscribeResponse {
  readonly update?: Notification | null;
  readonly sync_response?: boolean;
  readonly response?: 'update' | 'sync_response' | 'error';
}

/** gNOI System.KillProcess (proto/gnoi_system.proto). */
export interface KillProcessRequest {
  readonly pid?: number;
  readonly name?: string;
  readonly signal?: 'SIGNAL_UNSPECIFIED' | 'SIGNAL_TERM' | 'SIGNAL_KILL' | 'SIGNAL_HUP' | 'SIGNAL_ABRT';
  readonly restart?: boolean;
}

/** gNOI SonicService.ConfigSave (proto/sonic_gnoi.proto): no inputs; output.status 0 = saved. */
export interface ConfigSaveResponse {
  readonly output?: { readonly status?: number; readonly status_detail?: string } | null;
}
