// Exit codes of shared/spec/cli.md.
export const EXIT = {
  OK: 0,
  ERROR: 1, // operational: unreachable switch, rejected write, bad inventory
  INVALID: 2, // the fabric file is invalid
  PENDING: 10, // plan: changes pending
  NOT_CONVERGED: 11,
  DRIFT: 12,
  ROLLED_BACK: 13,
  /** plan (an addition to shared/spec/cli.md): a switch holds config clos cannot take over
   *  safely; apply would refuse it (docs/adoption.md). */
  REFUSED: 14,
} as const;
