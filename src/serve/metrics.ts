// Prometheus metrics (prom-client, one registry per app): what the last drift and verify said
// of each switch, drift findings by class and severity, BGP session states, and how long
// apply, verify and convergence took.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RunRecord } from '../bringup/record.ts';
import type { DriftReport } from '../results/drift-schema.ts';
import type { VerifyReport } from '../results/verify-schema.ts';

export class Metrics {
  readonly registry = new Registry();
  private readonly reachable = new Gauge({ name: 'clos_switch_reachable', help: 'the switch answered the last drift or verify (1) or not (0)', labelNames: ['fabric', 'switch'], registers: [this.registry] });
  private readonly converged = new Gauge({ name: 'clos_switch_converged', help: 'the last drift or verify found the switch converged (1) or not (0)', labelNames: ['fabric', 'switch'], registers: [this.registry] });
  private readonly findings = new Gauge({ name: 'clos_drift_findings', help: 'findings of the last drift run', labelNames: ['fabric', 'class', 'severity'], registers: [this.registry] });
  private readonly sessions = new Gauge({ name: 'clos_bgp_sessions', help: 'BGP sessions by state, as the last verify saw them', labelNames: ['fabric', 'state'], registers: [this.registry] });
  readonly applySeconds = new Histogram({ name: 'clos_apply_duration_seconds', help: 'apply runs, start to end', labelNames: ['fabric'], buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [this.registry] });
  readonly verifySeconds = new Histogram({ name: 'clos_verify_duration_seconds', help: 'verify runs', labelNames: ['fabric'], buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [this.registry] });
  readonly driftSeconds = new Histogram({ name: 'clos_drift_duration_seconds', help: 'drift runs', labelNames: ['fabric'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry] });
  private readonly convergeSeconds = new Histogram({ name: 'clos_time_to_converge_seconds', help: 'per switch: from its write (bring-up) or verify start to converged', labelNames: ['fabric'], buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120], registers: [this.registry] });
  readonly runs = new Counter({ name: 'clos_runs_total', help: 'runs started through the API, by kind and how they ended', labelNames: ['fabric', 'kind', 'state'], registers: [this.registry] });

  drift(r: DriftReport): void {
    this.driftSeconds.observe({ fabric: r.fabric }, r.durationMs / 1000);
    const notConverged = new Set(r.findings.filter((f) => f.class === 'not-converged' || f.class === 'unreachable').map((f) => f.switch));
    const unreachable = new Set(r.findings.filter((f) => f.class === 'unreachable').map((f) => f.switch));
    for (const s of r.switches) {
      this.reachable.set({ fabric: r.fabric, switch: s.name }, unreachable.has(s.name) ? 0 : 1);
      this.converged.set({ fabric: r.fabric, switch: s.name }, notConverged.has(s.name) ? 0 : 1);
    }
    for (const cls of Object.keys(r.summary.byClass)) for (const sev of ['error', 'warning', 'info']) this.findings.set({ fabric: r.fabric, class: cls, severity: sev }, r.findings.filter((f) => f.class === cls && f.severity === sev).length);
  }

  verify(fabric: string, r: VerifyReport): void {
    this.verifySeconds.observe({ fabric }, r.durationMs / 1000);
    let up = 0;
    let down = 0;
    for (const s of r.switches) {
      this.reachable.set({ fabric, switch: s.name }, s.error ? 0 : 1);
      this.converged.set({ fabric, switch: s.name }, s.passed === s.total && !s.error ? 1 : 0);
      if (s.timeToConvergeMs !== null) this.convergeSeconds.observe({ fabric }, s.timeToConvergeMs / 1000);
      for (const g of s.passing) if (g.kind === 'bgp-session') up += g.count;
      for (const c of s.checks) if (c.kind === 'bgp-session' && !c.pass) down++;
    }
    this.sessions.set({ fabric, state: 'established' }, up);
    this.sessions.set({ fabric, state: 'not-established' }, down);
  }

  bringup(r: RunRecord): void {
    for (const st of r.stages) for (const s of st.switches) if (s.convergeMs !== undefined) this.convergeSeconds.observe({ fabric: r.fabric }, s.convergeMs / 1000);
  }
}
