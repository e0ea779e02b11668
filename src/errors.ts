// Every operational error code (exit code 1), in one place: docs/errors.md lists exactly these
// and the fabric file diagnostics (a test keeps them in sync).
import { BRINGUP_ERROR_CODES } from './bringup/errors.ts';
import { LAB_ERROR_CODES } from './lab/errors.ts';
import { SWITCH_ERROR_CODES } from './transport/transport.ts';

export const OPERATIONAL_ERROR_CODES: Readonly<Record<string, string>> = {
  ...SWITCH_ERROR_CODES,
  INVENTORY_INVALID: 'the inventory file is missing, unreadable, not for this fabric, or fails its schema',
  ROUTING_DAEMON_DOWN: 'vtysh says a routing daemon (zebra, bgpd) of the switch is not running: its STATE_DB sessions and APPL_DB routes are stale (a drift finding; verify fails those checks)',
  ...LAB_ERROR_CODES,
  ...BRINGUP_ERROR_CODES,
  RUN_LOCKED: 'another apply, bringup or rollback (CLI or clos serve) holds the fabric; the message names it (pid, host, command, run, since)',
  STATE_DIR_UNWRITABLE: 'the state directory (checkpoints, applied scope) cannot be written (ENOSPC, EROFS, EACCES … with the path): apply, rollback and bringup stop before writing anything to a switch',
  STATE_DIR_AMBIGUOUS: 'the unkeyed state directory of an older clos may belong to several fabric files declaring one name; rename it to the keyed name of its file',
  TOKENS_INVALID: 'clos serve: the tokens file is missing or not one clos wrote, or token add got a bad name or role',
};
