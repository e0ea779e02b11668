// What `clos lab exec` must never run on the host. An emulated switch is a network namespace on
// this machine: `ip netns exec NS reboot` reboots the MACHINE. So, before anything runs:
// - `reboot` (any path, after sudo) and `systemctl reboot` are the emulated switch's reboot;
// - shutdown, poweroff, halt, init/telinit, systemctl's other power verbs, sysrq, and any of
//   these named anywhere in the command line (`bash -c reboot`, `nohup /sbin/halt`, …) are
//   refused with LAB_REFUSED;
// - and every command runs with src/lab/guard first in PATH, whose reboot, shutdown, poweroff,
//   halt, init, telinit and systemctl refuse those acts, for scripts that call them by name;
// - inside the namespace, through guard/enter: PID 1's control endpoints covered with /dev/null
//   and CAP_SYS_BOOT dropped from the bounding set, for programs that go by absolute path.
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabError } from './errors.ts';

export const GUARD_DIR = fileURLToPath(new URL('./guard', import.meta.url));
/** Run by `ip netns exec` before the command (guard/enter). */
export const GUARD_ENTER = `${GUARD_DIR}/enter`;

/** Programs that reboot or stop the machine. */
const POWER = new Set(['reboot', 'shutdown', 'poweroff', 'halt', 'init', 'telinit', 'kexec']);
/** systemctl verbs and targets that do (the guard's systemctl refuses the same list). */
const SYSTEMCTL_POWER =
  /^(reboot|soft-reboot|poweroff|halt|kexec|suspend|hibernate|hybrid-sleep|suspend-then-hibernate|rescue|emergency|isolate|(reboot|soft-reboot|poweroff|halt|kexec|shutdown|ctrl-alt-del|rescue|emergency|runlevel0|runlevel6)\.target)$/;
/** Tools whose arguments are data for the switch, never commands run on the host. */
const DATA_ONLY = new Set(['vtysh', 'redis-cli', 'sonic-db-cli', 'config']);

export type PowerAct = { readonly act: 'reboot' } | { readonly act: 'none' };

function refuse(argv: readonly string[], what: string): never {
  throw new LabError(
    'LAB_REFUSED',
    `clos lab exec: refused '${argv.join(' ')}': ${what} would act on the host, not on the emulated switch (reboot the switch with: clos lab exec F SWITCH -- reboot; stop it with clos lab down)`,
  );
}

/** Words of a command line as a shell would see program names in them (split at spaces and
 *  shell punctuation), for the scan of `bash -c '…'`, `xargs`, `nohup`, `env`, … */
function tokens(words: readonly string[]): string[] {
  return words.flatMap((w) => w.split(/[\s;&|()`$<>'"{}\\=]+/)).filter(Boolean);
}

/** Decides what a command line (sudo already stripped) means for the machine's power. */
export function powerAct(words: readonly string[], argv: readonly string[]): PowerAct {
  const [cmd, ...args] = words;
  const head = basename(cmd ?? '');
  if (head === 'reboot') return { act: 'reboot' };
  if (head === 'systemctl') {
    const verb = args.find((a) => !a.startsWith('-'));
    if (verb === 'reboot') return { act: 'reboot' };
    if (args.some((a) => SYSTEMCTL_POWER.test(a))) refuse(argv, `systemctl ${verb ?? ''}`.trim());
  }
  if (POWER.has(head)) refuse(argv, head);
  if (DATA_ONLY.has(head)) return { act: 'none' };
  for (const t of tokens(words)) {
    if (POWER.has(basename(t))) refuse(argv, basename(t));
    if (t.includes('sysrq-trigger')) refuse(argv, '/proc/sysrq-trigger');
    if (basename(t) === 'systemctl' && tokens(words).some((x) => SYSTEMCTL_POWER.test(x))) refuse(argv, 'systemctl');
  }
  return { act: 'none' };
}

/** `env PATH=<guard>:$PATH`: the prefix every command on a switch runs under. */
export function guardedEnv(path = process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'): string[] {
  return ['env', `PATH=${GUARD_DIR}:${path}`];
}
