// The sentences the drift formats share.
import type { DriftReport, FindingJson } from '../results/drift-schema.ts';

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
