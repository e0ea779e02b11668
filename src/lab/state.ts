// The lab state file, /run/clos/lab/<fabric>/state.json: every resource `up` is about to
// create is written here BEFORE it is created, so `down` can remove it even after a crash or
// a half-finished `up`. Processes are in the records file next to it (processes.ts).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Flavour, Role } from '../core/model.ts';
import { LAB_ROOT, fabricDir, statePath } from './paths.ts';

export interface SwitchState {
  readonly name: string;
  readonly role: Role;
  readonly hwsku: string;
  readonly flavour: Flavour;
  readonly namespace: string;
  readonly dir: string;
  readonly address: string; // redis at address:6379
  readonly mac: string;
  readonly mgmt?: string;
  /** The agent (index into `agents`) that plays this switch's SONiC daemons. */
  agent?: number;
}

export interface CableState {
  readonly a: string;
  readonly aPort: string;
  readonly b: string;
  readonly bPort: string;
}

export interface AgentState {
  readonly id: number;
  readonly config: string;
  readonly switches: readonly string[];
}

export interface LabState {
  readonly version: 1;
  readonly fabric: string;
  readonly fabricFile: string;
  readonly dir: string;
  readonly records: string;
  readonly inventory: string;
  readonly switches: Record<string, SwitchState>;
  readonly cables: CableState[];
  readonly agents: AgentState[];
}

export function newState(fabric: string, fabricFile: string, root = LAB_ROOT): LabState {
  const dir = fabricDir(fabric, root);
  return {
    version: 1,
    fabric,
    fabricFile,
    dir,
    records: join(dir, 'processes.jsonl'),
    inventory: join(dir, 'inventory.yaml'),
    switches: {},
    cables: [],
    agents: [],
  };
}

export function readState(fabric: string, root = LAB_ROOT): LabState | undefined {
  const file = statePath(fabric, root);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as LabState;
}

/** Atomic (write then rename): a crash leaves the old state or the new, never half of one. */
export function writeState(state: LabState): void {
  mkdirSync(state.dir, { recursive: true });
  const file = join(state.dir, 'state.json');
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** States of every lab on this host (other fabrics' addresses must not be reused). */
export function allStates(root = LAB_ROOT): LabState[] {
  if (!existsSync(root)) return [];
  const out: LabState[] = [];
  for (const entry of readdirSync(root)) {
    const file = join(root, entry, 'state.json');
    try {
      out.push(JSON.parse(readFileSync(file, 'utf8')) as LabState);
    } catch {
      // not a lab directory, or a state being replaced right now
    }
  }
  return out;
}

/** The inventory of the fabric's running lab, if one is up: commands that talk to switches use
 *  it when no --inventory is given. */
export function labInventoryPath(fabricName: string, root = LAB_ROOT): string | undefined {
  const state = readState(fabricName, root);
  return state && existsSync(state.inventory) ? state.inventory : undefined;
}
