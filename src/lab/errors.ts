// Operational errors of the lab: typed, with a stable code, naming the switch, the endpoint and
// the cause. The CLI prints `message` and exits 1.

export const LAB_ERROR_CODES = {
  LAB_NOT_ROOT: 'clos lab needs root (namespaces, veth pairs, daemons as other users)',
  LAB_MISSING_PACKAGE: 'a program the lab runs is not installed',
  LAB_SPAWN_FAILED: 'a daemon did not start (exited, or never became ready)',
  LAB_COMMAND_FAILED: 'a host command (ip, sysctl, redis-cli) failed',
  LAB_NOT_UP: 'the fabric has no running lab',
  LAB_UNKNOWN_SWITCH: 'the switch is not part of the running lab',
  LAB_ADDRESSES_EXHAUSTED: 'no free 127.0.1.x address left in the --addresses range',
  LAB_AGENT: 'the switch agent did not answer or refused a request',
  LAB_BAD_FACTORY: '--factory is not vs, t1, l2 or a readable config_db.json (or directory of them)',
  LAB_REFUSED: 'clos lab exec refused a command that would act on the host (reboot, shutdown, poweroff, halt)',
} as const;

export type LabErrorCode = keyof typeof LAB_ERROR_CODES;

export class LabError extends Error {
  override readonly name = 'LabError';
  constructor(
    readonly code: LabErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
