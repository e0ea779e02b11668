// From drift findings to the report every format is made from, and the sentences shared by the
// formats. A config change is shown exactly as `clos plan` shows it (fieldsText).
import type { Change } from '../core/diff/diff.ts';
import type { Finding } from '../core/drift/finding.ts';
import { fieldsText } from './plan-format.ts';
import type { ChangeJson, DriftReport, FindingJson, LinkState } from './drift-schema.ts';

const IMPACT: Record<Change['impact'], string> = {
  none: '',
  'session-removed': ' (session removed)',
  'session-reset': ' (session reset)',
  restart: ' (restart: all sessions of this switch reset)',
};

/** "clos apply: update PORT|Ethernet120 description=spine1:Ethernet0", the move of a cable, or
 *  what to look at. */
export function remediationText(f: Finding): string {
  const r = f.remediation;
  if (r.kind === 'apply') return `clos apply: ${r.change.op} ${r.change.key} ${fieldsText(r.change)}${IMPACT[r.change.impact]}`;
  return r.action;
}

export function changeJson(c: Change): ChangeJson {
  return {
    op: c.op,
    key: c.key,
    set: c.set ? { ...c.set } : null,
    unset: [...(c.unset ?? [])],
    before: c.before ? { ...c.before } : null,
    after: c.op === 'delete' ? null : c.after ? { ...c.after } : null,
    impact: c.impact,
    why: c.why ?? null,
  };
}

export function findingJson(f: Finding): FindingJson {
  return {
    id: f.id,
    switch: f.switch,
    object: f.object,
    class: f.class,
    severity: f.severity,
    expected: f.expected,
    actual: f.actual,
    detail: f.detail,
    link: f.link,
    causedBy: f.causedBy,
    remediation: { kind: f.remediation.kind, text: remediationText(f), change: f.remediation.kind === 'apply' ? changeJson(f.remediation.change) : null },
  };
}

const RANK: Record<LinkState, number> = { ok: 0, info: 1, warning: 2, error: 3 };

export function worst(states: readonly LinkState[]): LinkState {
  return states.reduce<LinkState>((w, s) => (RANK[s] > RANK[w] ? s : w), 'ok');
}

/** "no drift: 6 switches match the fabric file" or "DRIFT: 3 findings (1 root cause): 2 errors, 1 warning". */
export function driftVerdict(r: DriftReport): string {
  const s = r.summary;
  if (!r.drift) return `no drift: ${s.switches} switch${s.switches === 1 ? '' : 'es'} match the fabric file`;
  const sev = (['error', 'warning', 'info'] as const).filter((k) => s[k] > 0).map((k) => `${s[k]} ${k}${s[k] === 1 ? '' : 's'}`);
  return `DRIFT: ${s.findings} finding${s.findings === 1 ? '' : 's'} (${s.rootCauses} root cause${s.rootCauses === 1 ? '' : 's'}): ${sev.join(', ')}`;
}

/** Root causes first, each followed by what it explains. */
export function groupByCause(findings: readonly FindingJson[]): { root: FindingJson; consequences: FindingJson[] }[] {
  const groups = new Map<string, { root: FindingJson; consequences: FindingJson[] }>();
  for (const f of findings) if (f.causedBy === null) groups.set(f.id, { root: f, consequences: [] });
  for (const f of findings) {
    if (f.causedBy === null) continue;
    const g = groups.get(f.causedBy);
    if (g) g.consequences.push(f);
    else groups.set(f.id, { root: f, consequences: [] }); // its cause is not in this list
  }
  return [...groups.values()];
}
