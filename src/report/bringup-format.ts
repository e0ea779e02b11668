// How a bring-up reads for people: the stages of a dry run, the progress of a run (one line
// per stage and switch), and the report at the end (per stage and switch: result and the
// measured time to converge).
import type { RunRecord, StageRecord, SwitchRecord } from '../bringup/record.ts';
import type { DryRunSwitch } from '../bringup/dry-run.ts';
import type { StageSpec } from '../bringup/stages.ts';
import { table } from './table.ts';

const STEP_WORDS: Record<string, string> = {
  pending: 'waiting',
  reaching: 'reaching, planning',
  checkingPlatform: 'checking platform',
  checkpointing: 'checkpoint',
  linking: 'ports up',
  checkingCabling: 'LLDP vs cabling',
  applying: 'writing',
  gating: 'gate',
  rollingBack: 'rolling back',
  done: 'done',
  failed: 'FAILED',
  rolledBack: 'ROLLED BACK',
};

export function seconds(ms: number | undefined): string {
  return ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`;
}

export function formatDryRun(stages: readonly StageSpec[], switches: readonly DryRunSwitch[], racks: readonly string[] | undefined): string {
  const out: string[] = [`bring-up plan: ${racks?.length ? `racks ${racks.join(', ')}` : 'whole fabric'}, ${stages.length} stage(s)`];
  const by = new Map(switches.map((s) => [s.switch, s]));
  stages.forEach((st, i) => {
    out.push('', `stage ${i + 1}: ${st.id} (${st.why})${st.waves.length > 1 ? `, ${st.waves.length} waves` : ''}${st.steps.gate !== 'none' ? `; gate: ${st.steps.gate}` : ''}`);
    for (const name of st.waves.flat()) {
      const s = by.get(name);
      if (s?.error) {
        out.push(`  ${name}: cannot plan: ${s.error}`);
        continue;
      }
      const lines = s?.lines.get(st.id) ?? [];
      out.push(`  ${name}${s ? ` (${s.endpoint})` : ''}: ${lines.length === 0 ? 'nothing to change' : ''}`.trimEnd());
      for (const l of lines) out.push(`    ${l}`);
    }
  });
  const left = switches.filter((s) => s.left > 0);
  if (left.length > 0) {
    out.push('', `left for another run (outside ${racks?.length ? `racks ${racks.join(', ')}` : 'the scope'}): ${left.map((s) => `${s.switch} ${s.left} change(s)`).join(', ')}`);
  }
  return out.join('\n');
}

function switchLine(st: StageRecord, s: SwitchRecord, now: number): string {
  const running = s.step !== 'pending' && s.result === undefined;
  const since = running && s.startedAt !== undefined ? ` ${seconds(now - s.startedAt)}` : '';
  const conv = s.convergeMs !== undefined ? ` converged in ${seconds(s.convergeMs)}` : '';
  const why = s.failure ? `: ${s.failure.code}: ${s.failure.message}` : '';
  void st;
  return `    ${s.name.padEnd(12)} ${STEP_WORDS[s.step] ?? s.step}${since}${conv}${why}`;
}

/** One line per stage, and per switch of the stages that started. */
export function progressLines(r: RunRecord, now: number): string[] {
  const lines: string[] = [];
  for (const st of r.stages) {
    const dur = st.startedAt !== undefined ? ` ${seconds((st.endedAt ?? now) - st.startedAt)}` : '';
    lines.push(`  ${st.spec.id.padEnd(16)} ${st.status}${dur}`);
    if (st.status !== 'pending') for (const s of st.switches) lines.push(switchLine(st, s, now));
  }
  return lines;
}

/** The report at the end: per stage, then per switch, result and time to converge. */
export function formatReport(r: RunRecord, fabricFile: string): string {
  const stageRows = r.stages.map((st) => {
    const conv = st.switches.map((s) => s.convergeMs).filter((m): m is number => m !== undefined);
    return [st.spec.id, st.status, st.startedAt !== undefined && st.endedAt !== undefined ? seconds(st.endedAt - st.startedAt) : '', conv.length ? seconds(Math.max(...conv)) : '', String(st.switches.length)];
  });
  const switchRows = r.stages.flatMap((st) =>
    st.status === 'pending'
      ? []
      : st.switches.map((s) => [
          st.spec.id,
          s.name,
          s.result ?? s.step,
          st.spec.steps.links || st.spec.steps.apply ? String(s.written ?? 0) : '',
          s.convergeMs !== undefined ? seconds(s.convergeMs) : '',
          [s.failure ? `${s.failure.code}: ${s.failure.message}` : '', ...(s.notes ?? [])].filter(Boolean).join('; '),
        ]),
  );
  const verdict =
    r.status === 'done'
      ? `bring-up ${r.id}: done${r.durationMs !== undefined ? ` in ${seconds(r.durationMs)}` : ''}`
      : r.status === 'rolled-back'
        ? `bring-up ${r.id}: ROLLED BACK — ${r.failure ?? ''}`
        : r.status === 'failed'
          ? `bring-up ${r.id}: FAILED — ${r.failure ?? ''}`
          : `bring-up ${r.id}: interrupted; resume with: clos bringup ${fabricFile} --resume`;
  const lines = [
    table(['stage', 'result', 'time', 'converged in', 'switches'], stageRows),
    '',
    table(['stage', 'switch', 'result', 'written', 'converged in', 'notes'], switchRows),
    '',
    verdict,
  ];
  if (r.touched.length > 0 && r.status !== 'done') lines.push(`undo everything this run wrote: clos rollback ${fabricFile} --to ${r.id}`);
  return lines.join('\n');
}
