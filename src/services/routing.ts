// Actions on a switch that SONiC only offers as commands, through the exec channel: restart of
// the bgp service, vtysh configuration for switches without bgpcfgd, and `config save -y` (the
// gNMI exec channel turns the restart and the save into gNOI calls: transport/gnmi.ts).
import type { Check } from '../core/checks/checks.ts';
import type { SwitchLink } from '../transport/connect.ts';
import { SwitchError } from '../transport/transport.ts';
import { watchChecks } from './watch/checks.ts';
import { realClock, type Clock } from './watch-kit.ts';

function needExec(link: SwitchLink, what: string) {
  if (!link.exec) throw new SwitchError('EXEC_FAILED', link.name, link.transport.endpoint, `${what} needs an exec channel, and the inventory gives none for this switch`);
  return link.exec;
}

/** `systemctl restart bgp`: the bgp container renders its static configuration (router bgp,
 *  router id, networks) only when it starts. */
export async function restartRouting(link: SwitchLink, signal?: AbortSignal): Promise<void> {
  const exec = needExec(link, 'restarting the routing service');
  const argv = exec.endpoint.startsWith('ssh ') ? ['sudo', 'systemctl', 'restart', 'bgp'] : ['systemctl', 'restart', 'bgp'];
  const r = await exec.run(argv, { timeoutMs: 120_000, ...(signal ? { signal } : {}) });
  if (r.code !== 0) throw new SwitchError('EXEC_FAILED', link.name, exec.endpoint, `restart of the bgp service failed: ${(r.stderr || r.stdout).trim()}`);
}

/** `config save -y`: the running CONFIG_DB written to the startup config
 *  (/etc/sonic/config_db.json), which `config reload` and a reboot load. */
export async function saveConfig(link: SwitchLink): Promise<void> {
  if (!link.exec) throw new SwitchError('SAVE_FAILED', link.name, link.transport.endpoint, 'saving the configuration needs an exec channel (or gNMI), and the inventory gives none for this switch');
  const exec = link.exec;
  const argv = exec.endpoint.startsWith('ssh ') ? ['sudo', 'config', 'save', '-y'] : ['config', 'save', '-y'];
  const r = await exec.run(argv, { timeoutMs: 120_000 }).catch((e: Error) => ({ code: 1, stdout: '', stderr: e.message }));
  if (r.code !== 0) throw new SwitchError('SAVE_FAILED', link.name, exec.endpoint, `config save -y failed: ${(r.stderr || r.stdout).trim() || `exit ${r.code}`}`);
}

/** Applies FRR configuration lines through vtysh in one configure session. */
export async function configureFrr(link: SwitchLink, lines: readonly string[], signal?: AbortSignal): Promise<void> {
  const exec = needExec(link, 'configuring BGP through vtysh');
  const argv = ['vtysh', '-c', 'configure terminal', ...lines.flatMap((l) => ['-c', l.trim()]), '-c', 'end'];
  const r = await exec.run(argv, { timeoutMs: 60_000, ...(signal ? { signal } : {}) });
  if (r.code !== 0 || /% (Unknown|Invalid|Command incomplete)/.test(r.stdout + r.stderr)) {
    throw new SwitchError('EXEC_FAILED', link.name, exec.endpoint, `vtysh rejected the BGP configuration: ${(r.stdout + r.stderr).trim().split('\n').slice(0, 3).join(' | ')}`);
  }
}

/** Waits (the watcher, with a re-read every second in case an event is lost) until bgpcfgd has
 *  consumed one of these neighbors, or the budget ends. */
export async function waitConsumed(link: SwitchLink, peers: readonly string[], budgetMs: number, clock: Clock = realClock): Promise<boolean> {
  const consumed: Check = {
    id: `bgpcfgd consumed one of ${peers.join(', ')}`,
    switch: link.name,
    kind: 'bgp-consumed',
    db: 'STATE_DB',
    expect: { type: 'fields', keys: peers.map((p) => `BGP_PEER_CONFIGURED_TABLE|${p}`), fields: {} },
  };
  // A read that fails ends the wait with that read's error.
  let failure: { e: unknown } | undefined;
  const failed = new AbortController();
  const onError = (_: string, e: unknown) => {
    failure ??= { e };
    failed.abort();
  };
  const w = await watchChecks(new Map([[link.name, link]]), [consumed], { clock, resyncMs: 1000, onError });
  try {
    await w.until(clock.now() + budgetMs, failed.signal);
    if (failure) throw failure.e;
    return w.results[0]!.pass;
  } finally {
    await w.stop();
  }
}
