// How a live plan and an apply are shown to people.
import { fieldsText } from '../results/change-text.ts';
import type { AllocationChange } from '../core/model.ts';
import type { ApplyOutcome } from '../services/apply.ts';
import type { SwitchPlan } from '../services/plan.ts';
import { table } from './table.ts';

const IMPACT_TEXT: Record<string, string> = {
  none: '',
  'session-removed': 'session removed',
  'session-reset': 'session reset',
  restart: 'restart: all sessions of this switch reset',
};

export function formatPlan(plans: readonly SwitchPlan[], allocation: readonly AllocationChange[]): string {
  const out: string[] = [];
  out.push(allocation.length === 0 ? 'Allocation: no changes.' : `Allocation: ${allocation.length} change(s) (the lock is written by apply).`);
  for (const p of plans) {
    out.push('');
    if (p.error) {
      out.push(`${p.switch} (${p.endpoint}): ERROR ${p.error.code}: ${p.error.message}`);
      continue;
    }
    const flavour = p.flavour === 'legacy-vs' ? 'no bgpcfgd: BGP through vtysh' : 'bgpcfgd';
    const head = `${p.switch} (${p.endpoint}) [${flavour}, ${p.flavourSource}]`;
    const frrNote = p.frr?.pending ? `; vtysh: ${p.frr.lines.length} lines (missing peers: ${p.frr.missing.join(', ') || 'none'}${p.frr.extra.length ? `; unexpected: ${p.frr.extra.join(', ')}` : ''})` : '';
    if (p.refusals?.length) {
      // Refused: apply writes nothing to this switch, so its changes are not the plan.
      out.push(`${head}: REFUSED, apply writes nothing (docs/adoption.md)`);
      out.push(table(['key', 'reason'], p.refusals.map((r) => [r.key, r.reason])));
      continue;
    }
    if (p.changes.length === 0) {
      out.push(`${head}: up to date${frrNote}`);
      continue;
    }
    // Without bgpcfgd there is no routing service that renders CONFIG_DB: apply uses vtysh.
    const owedSave = p.saveOwed ? `; config save owed (${p.saveOwed})` : '';
    const restart = p.restartOwed ? `; routing service restart owed by an earlier run (${p.restartOwed})` : p.firstBringUp && p.flavour !== 'legacy-vs' ? '; first bring-up: routing service restart after the write' : '';
    out.push(`${head}: ${p.changes.length} change(s), impact ${p.impact}${restart}${owedSave}${frrNote}`);
    out.push(table(['#', 'op', 'key', 'fields', 'impact'], p.changes.map((c, i) => [String(i + 1), c.op, c.key, fieldsText(c), IMPACT_TEXT[c.impact] ?? c.impact])));
    if (p.adoption?.length) {
      const n = p.adoption.reduce((s, g) => s + g.keys.length, 0);
      out.push('', `  adoption: factory/foreign config removed (${n} of the changes above; clos owns this scope, docs/adoption.md):`);
      out.push(indent(table(['removed', 'changes', 'impact'], p.adoption.map((g) => [g.text, String(g.keys.length), IMPACT_TEXT[g.impact] || 'none']))));
    }
  }
  const refused = plans.filter((p) => !p.error && p.refusals?.length).length;
  const pending = plans.filter((p) => !p.error && !p.refusals?.length && (p.changes.length > 0 || p.frr?.pending)).length;
  const failed = plans.filter((p) => p.error).length;
  out.push('', `${pending} switch(es) with changes pending, ${plans.length - pending - failed - refused} up to date${refused ? `, ${refused} refused` : ''}${failed ? `, ${failed} unreachable or failed` : ''}.`);
  return out.join('\n');
}

export function planJson(plans: readonly SwitchPlan[], allocation: readonly AllocationChange[]): unknown {
  return {
    allocationChanges: allocation,
    switches: plans.map((p) => ({
      switch: p.switch,
      endpoint: p.endpoint,
      flavour: p.flavour ?? null,
      flavourSource: p.flavourSource ?? null,
      firstBringUp: p.firstBringUp,
      restartOwed: p.restartOwed ?? null,
      saveOwed: p.saveOwed ?? null,
      impact: p.impact,
      changes: p.changes.map((c) => ({ op: c.op, key: c.key, set: c.set ?? null, unset: c.unset ?? [], before: c.before ?? null, after: c.after ?? null, impact: c.impact, why: c.why ?? null, foreign: c.foreign ?? false })),
      frr: p.frr ?? null,
      adoption: p.adoption ?? [],
      refusals: p.refusals ?? [],
      error: p.error ?? null,
    })),
  };
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

export function formatApply(outcomes: readonly ApplyOutcome[]): string {
  const rows = outcomes.map((o) => [
    o.switch,
    o.status,
    String(o.changes),
    [o.restarted ? 'bgp restarted' : '', o.frrConfigured ? 'FRR via vtysh' : '', o.saved === 'saved' ? 'config saved' : o.saved === 'no-save' ? 'not saved (--no-save)' : ''].filter(Boolean).join(', '),
    `${(o.ms / 1000).toFixed(1)}s`,
    // A failure says whether the switch was restored; when it was not, the notes say why.
    o.error ? [`${o.error.code}: ${o.error.message}${o.restored ? ' (restored to checkpoint)' : ''}`, ...o.notes].join('; ') : o.notes.join('; '),
  ]);
  const failed = outcomes.filter((o) => o.status === 'failed').length;
  const unsaved = outcomes.filter((o) => o.status === 'failed-to-save').length;
  const saveLine = unsaved > 0 ? ` ${unsaved} applied but NOT saved (a config reload or reboot would lose it).` : '';
  return `${table(['switch', 'result', 'changes', 'actions', 'time', 'notes'], rows)}\n\n${outcomes.length - failed - unsaved} switch(es) applied or up to date, ${failed} failed.${saveLine}`;
}
