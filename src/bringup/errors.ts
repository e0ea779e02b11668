// The codes a bring-up reports (in its record, its report and on exit code 13 or 1), besides the
// switch errors of the transports (UNREACHABLE, REJECTED, …). docs/errors.md lists them.
export const BRINGUP_ERROR_CODES = {
  UNKNOWN_RACK: '--racks names a rack the fabric file does not have',
  NOTHING_TO_RESUME: '--resume, but no bring-up run of this fabric is unfinished',
  NOTHING_IN_SCOPE: 'the run would touch no switch',
  PLATFORM_MISMATCH: 'the switch is not the intended platform: another hwsku, a port missing from CONFIG_DB PORT, or other lanes (checked before anything is written)',
  REFUSED: 'the switch holds config clos cannot take over safely (a PortChannel, VRF or VXLAN on a fabric port, a pool address on the management interface: docs/adoption.md); checked before anything is written',
  CABLING_MISMATCH: 'an LLDP neighbour is not the intended one (the report names both ends); nothing but ports was written, and that is rolled back',
  LLDP_TIMEOUT: 'LLDP did not show every intended neighbour within the budget (unplugged cable, far end down)',
  GATE_TIMEOUT: 'a gate (sessions Established, prefixes present) did not pass within --timeout: the switch is rolled back',
  SESSION_LOST: 'an existing session left Established while the switch was changed: the switch is rolled back at once',
  ROLLBACK_FAILED: 'a switch could not be put back to its checkpoint (exit 1): see `clos rollback F --to <run-id>`',
} as const;

export type BringupErrorCode = keyof typeof BRINGUP_ERROR_CODES;
