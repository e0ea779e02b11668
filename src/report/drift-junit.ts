// The drift report as JUnit XML for CI: one testsuite per switch; a switch without drift is one
// passing testcase, otherwise one failing testcase per finding (an <error> when the switch or
// one of its channels did not answer). XML escaping is verify's (verify-format.ts).
import type { DriftReport, FindingJson } from '../results/drift-schema.ts';
import { xmlAttr, xmlText } from './verify-format.ts';

export function formatDriftJunit(r: DriftReport): string {
  const time = (r.durationMs / 1000).toFixed(3);
  const tests = r.switches.reduce((n, s) => n + Math.max(1, s.findings), 0);
  const errors = r.findings.filter((f) => f.class === 'unreachable').length;
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  lines.push(`<testsuites${attrs({ name: `clos drift ${r.fabric}`, tests, failures: r.findings.length - errors, errors, time, timestamp: r.at })}>`);
  for (const s of r.switches) {
    const mine = r.findings.filter((f) => f.switch === s.name);
    const err = mine.filter((f) => f.class === 'unreachable').length;
    lines.push(`  <testsuite${attrs({ name: s.name, tests: Math.max(1, mine.length), failures: mine.length - err, errors: err, skipped: 0, time, timestamp: r.at })}>`);
    lines.push('    <properties>');
    lines.push(`      <property${attrs({ name: 'endpoint', value: s.endpoint ?? '(not connected)' })}/>`);
    lines.push(`      <property${attrs({ name: 'flavour', value: s.flavour })}/>`);
    lines.push('    </properties>');
    if (mine.length === 0) lines.push(`    <testcase${attrs({ name: 'matches the fabric file', classname: `${s.name}.drift`, time: '0.000' })}/>`);
    for (const f of mine) lines.push(...testcase(f));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

function testcase(f: FindingJson): string[] {
  const tag = f.class === 'unreachable' ? 'error' : 'failure';
  const body = [
    `class: ${f.class} (${f.severity})`,
    `expected: ${f.expected}`,
    `actual: ${f.actual}`,
    ...(f.detail ? [`detail: ${f.detail}`] : []),
    ...(f.causedBy ? [`caused by: ${f.causedBy}`] : []),
    `remediation: ${f.remediation.text}`,
  ].join('\n');
  return [
    `    <testcase${attrs({ name: f.object, classname: `${f.switch}.${f.class}`, time: '0.000' })}>`,
    `      <${tag}${attrs({ message: `${f.severity}: expected ${f.expected}; actual ${f.actual}`, type: f.class })}>${xmlText(body)}</${tag}>`,
    '    </testcase>',
  ];
}

function attrs(a: Record<string, string | number>): string {
  return Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join('');
}
