// The stages of a bring-up run, as data. Pure.
//
// Every run starts with the same two stages, because LLDP needs a link and a link needs both
// ends admin up: `links` (per switch: reach, platform check, checkpoint, then ONLY its PORT
// changes: admin status, MTU, description; no address, no BGP) and `cabling` (LLDP neighbours
// against the intended cabling). A failed `cabling` stage rolls `links` back: a miscabled rack
// leaves every switch exactly as it found it, and no BGP configuration was ever written.
// Then the BGP stages:
// - a rack (`--racks`): its leaves first (they carry no traffic yet), then ONE spine at a time,
//   each gated on its new sessions (both ends) and on its existing sessions staying Established;
// - the whole fabric: spines, then leaves, in waves of `concurrency` switches.
import type { SwitchIntent } from '../core/model.ts';
import { compareNames } from '../core/names.ts';
import { switchInScope, type Scope } from './scope.ts';

export type StageKind = 'links' | 'cabling' | 'configure';

/** What a gate waits for. `ready`: the switch's own side (ports up, addresses, neighbours
 *  consumed by bgpcfgd); `sessions`: that, plus the sessions in scope Established at both ends
 *  and the peers' loopbacks routed. */
export type GateKind = 'none' | 'ready' | 'sessions';

/** The steps a switch goes through in a stage (its machine skips the others). */
export interface Steps {
  readonly platform: boolean;
  readonly checkpoint: boolean;
  readonly links: boolean;
  readonly cabling: boolean;
  readonly apply: boolean;
  readonly gate: GateKind;
}

export interface StageSpec {
  readonly id: string; // "links", "cabling", "leaves", "spine spine1", "spines 1/2", "leaves 2/3"
  readonly kind: StageKind;
  /** Switches started together; the next wave starts when the previous one has passed. */
  readonly waves: readonly (readonly string[])[];
  readonly steps: Steps;
  /** Stages whose switches are rolled back too when this one fails. */
  readonly undoes: readonly string[];
  readonly why: string;
}

const LINKS: Steps = { platform: true, checkpoint: true, links: true, cabling: false, apply: false, gate: 'none' };
const CABLING: Steps = { platform: false, checkpoint: false, links: false, cabling: true, apply: false, gate: 'none' };
const configure = (gate: GateKind): Steps => ({ platform: false, checkpoint: true, links: false, cabling: false, apply: true, gate });

export function planStages(intents: readonly SwitchIntent[], scope: Scope, concurrency: number): StageSpec[] {
  const touched = intents.filter((s) => switchInScope(scope, s));
  const spines = touched.filter((s) => s.role === 'spine').map((s) => s.name);
  const leaves = touched.filter((s) => s.role === 'leaf').map((s) => s.name).sort(compareNames);
  const all = [...spines, ...leaves];
  const stages: StageSpec[] = [
    { id: 'links', kind: 'links', waves: chunk(all, concurrency), steps: LINKS, undoes: [], why: 'ports up on both ends of every cable in scope, nothing else: LLDP needs a link' },
    { id: 'cabling', kind: 'cabling', waves: chunk(all, concurrency), steps: CABLING, undoes: ['links'], why: 'LLDP neighbours against the intended cabling, before any BGP configuration' },
  ];
  if (scope.racks) {
    stages.push(...waves('leaves', leaves, concurrency, configure('ready'), 'new leaves first: they carry no traffic yet'));
    for (const s of spines) {
      stages.push({ id: `spine ${s}`, kind: 'configure', waves: [[s]], steps: configure('sessions'), undoes: [], why: 'one spine at a time: its new sessions Established, its existing sessions never leave Established' });
    }
  } else {
    stages.push(...waves('spines', spines, concurrency, configure('ready'), 'spines first: leaves peer with them'));
    stages.push(...waves('leaves', leaves, concurrency, configure('sessions'), 'leaves: sessions to every spine Established, spine loopbacks routed'));
  }
  return stages;
}

function waves(name: string, switches: readonly string[], size: number, steps: Steps, why: string): StageSpec[] {
  const parts = chunk(switches, size);
  return parts.map((w, i) => ({ id: parts.length > 1 ? `${name} ${i + 1}/${parts.length}` : name, kind: 'configure' as const, waves: [w], steps, undoes: [], why }));
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += Math.max(1, size)) out.push(items.slice(i, i + Math.max(1, size)));
  return out;
}
