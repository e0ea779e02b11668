// Exit codes of shared/spec/cli.md.
export const EXIT = {
  OK: 0,
  ERROR: 1, // operational: unreachable switch, rejected write, bad inventory
  INVALID: 2, // the fabric file is invalid
  PENDING: 10, // plan: changes pending
  NOT_CONVERGED: 11,
  DRIFT: 12,
  ROLLED_BACK: 13,
} as const;
