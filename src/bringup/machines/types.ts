// Data the bring-up machines exchange with their effects and with the run driver. Plain,
// serialisable, no behaviour.
import type { Steps } from '../stages.ts';

export type SwitchStep = 'reaching' | 'checkingPlatform' | 'checkpointing' | 'linking' | 'checkingCabling' | 'applying' | 'gating' | 'rollingBack' | 'done' | 'failed' | 'rolledBack';

export type SwitchResult = 'done' | 'failed' | 'rolled-back';

export interface Failure {
  readonly step: SwitchStep;
  /** UNREACHABLE, PLATFORM_MISMATCH, CABLING_MISMATCH, LLDP_TIMEOUT, GATE_TIMEOUT, SESSION_LOST,
   *  REJECTED, READBACK_MISMATCH, EXEC_FAILED, ROLLBACK_FAILED… */
  readonly code: string;
  readonly message: string;
}

export interface Budgets {
  /** How long LLDP may take to show every intended neighbour. */
  readonly lldpMs: number;
  /** How long a mismatch must stay the same before it counts (stale LLDP entries). */
  readonly cablingSettleMs: number;
  /** How long a gate may take to pass. */
  readonly gateMs: number;
}

export interface SwitchInput {
  readonly switch: string;
  readonly stage: string;
  readonly steps: Steps;
  readonly budgets: Budgets;
}

/** What an effect is told: which switch, in which stage (effects keep their own state, like
 *  the open link and the plan, keyed by these). */
export interface EffectInput {
  readonly switch: string;
  readonly stage: string;
}

export interface ReachOutput {
  readonly endpoint: string;
  readonly flavour: 'sonic' | 'legacy-vs';
  /** Changes in the run's scope still to make on this switch. */
  readonly changes: number;
  /** Changes of the diff this run leaves alone (outside --racks). */
  readonly left: number;
}

export interface WriteOutput {
  readonly written: number;
  readonly notes?: readonly string[];
}

/** A cabling observation (CABLING.SEEN). */
export interface CablingSeen {
  readonly ok: boolean;
  readonly settled: boolean;
  /** The ports that do not match, in words, naming both ends. */
  readonly detail: string;
}

/** A gate observation (GATE.SEEN). */
export interface GateSeen {
  readonly passed: number;
  readonly total: number;
  readonly failing: readonly string[]; // "spine1: session 10.1.0.9 (leaf5) Established: state=Active"
}

export interface SwitchReport {
  readonly switch: string;
  readonly stage: string;
  readonly result: SwitchResult;
  readonly changed: boolean;
  readonly written?: number;
  readonly failure?: Failure;
  readonly endpoint?: string;
  readonly flavour?: 'sonic' | 'legacy-vs';
  readonly changes?: number;
  readonly left?: number;
  readonly notes: readonly string[];
}

export type SwitchEvent =
  | { type: 'CABLING.SEEN'; seen: CablingSeen }
  | { type: 'GATE.SEEN'; seen: GateSeen }
  | { type: 'GATE.PASSED' }
  | { type: 'SESSION.LOST'; peer: string; seen: string };

/** Sent by a switch machine to its run. */
export type ToRunEvent =
  | { type: 'SWITCH.STEP'; stage: string; switch: string; step: SwitchStep; detail?: string }
  | { type: 'SWITCH.FINISHED'; report: SwitchReport };
