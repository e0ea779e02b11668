// What every emulated daemon of one switch shares: its runtime, CONFIG_DB snapshot, kernel view,
// writers for the tables it owns, and FRR. The daemons are thin adapters around pure modules.
import type { Logger } from 'pino';
import type { SwitchRuntime } from '../runtime.ts';
import type { EntryWriter } from './db/redis.ts';
import type { ConfigSnapshot } from './db/snapshot.ts';
import type { FrrService } from './frr/service.ts';
import type { NamespaceIp } from './net/ip.ts';
import type { LinkInfo } from './net/links.ts';

export interface SwitchContext {
  readonly rt: SwitchRuntime;
  readonly log: Logger;
  readonly cfg: ConfigSnapshot;
  readonly ip: NamespaceIp;
  /** The namespace's links as last read (refreshed on every `ip monitor link` event). */
  links(): ReadonlyMap<string, LinkInfo>;
  /** Re-reads the links now (after the agent changed them) and notifies link watchers. */
  refreshLinks(): Promise<void>;
  readonly state: EntryWriter; // STATE_DB
  readonly appl: EntryWriter; // APPL_DB
  readonly frr: FrrService;
}
