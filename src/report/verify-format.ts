// The verify report for people (table), for programs (JSON, shape in src/results/verify-schema.ts)
// and for CI (JUnit XML: one testsuite per switch, one testcase per check — per kind of passing
// checks when the report lists the failing ones only). Pure: report in, text out.
import type { SwitchReport, VerifyReport } from '../results/verify-schema.ts';
import { table } from './table.ts';

export type VerifyFormat = 'table' | 'json' | 'junit';
export const VERIFY_FORMATS: readonly VerifyFormat[] = ['table', 'json', 'junit'];

export function formatVerify(report: VerifyReport, format: VerifyFormat): string {
  switch (format) {
    case 'table':
      return formatVerifyTable(report);
    case 'json':
      return formatVerifyJson(report);
    case 'junit':
      return formatVerifyJunit(report);
  }
}

/** "converged in 3.42 s" or "NOT converged: 3 checks failing (budget 60 s)". */
export function verifyVerdict(r: VerifyReport): string {
  if (r.converged) return `converged in ${seconds(r.summary.timeToConvergeMs ?? 0)}`;
  const n = r.summary.failed;
  return `NOT converged: ${n} check${n === 1 ? '' : 's'} failing (budget ${seconds(r.timeoutMs)})`;
}

export function formatVerifyTable(r: VerifyReport): string {
  const out: string[] = [];
  out.push(
    table(
      ['switch', 'passed', 'time to converge', 'endpoint'],
      r.switches.map((s) => [s.name, `${s.passed}/${s.total}`, s.timeToConvergeMs === null ? '-' : seconds(s.timeToConvergeMs), s.endpoint ?? '(not connected)']),
    ),
  );
  const broken = r.switches.filter((s) => s.error !== null);
  if (broken.length) {
    out.push('', 'Switches that could not be read (all their checks fail):');
    for (const s of broken) out.push(`  ${s.error}`);
  }
  const failing = r.switches.filter((s) => s.error === null).flatMap((s) => s.checks.filter((c) => !c.pass).map((c) => [s.name, c.id, c.expected, c.seen]));
  if (failing.length) out.push('', 'Failing checks:', table(['switch', 'check', 'expected', 'seen'], failing));
  out.push('', verifyVerdict(r));
  return `${out.join('\n')}\n`;
}

function formatVerifyJson(r: VerifyReport): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

export function formatVerifyJunit(r: VerifyReport): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const all = r.checksListed === 'all';
  const tests = all ? r.summary.checks : r.switches.reduce((n, s) => n + testcases(s, all), 0);
  lines.push(`<testsuites${attrs({ name: 'clos verify', tests, failures: r.summary.failed, errors: 0, time: secs(r.durationMs), timestamp: r.startedAt })}>`);
  for (const s of r.switches) lines.push(...suite(s, r.startedAt, all));
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

/** A switch's testcases: one per check, or (report listing failing checks only) one per failing
 *  check and one per kind of passing checks. */
function testcases(s: SwitchReport, all: boolean): number {
  return all ? s.total : s.total - s.passed + s.passing.length;
}

function suite(s: SwitchReport, startedAt: string, all: boolean): string[] {
  const failures = s.total - s.passed;
  const out = [`  <testsuite${attrs({ name: s.name, tests: testcases(s, all), failures, errors: 0, skipped: 0, time: secs(s.durationMs), timestamp: startedAt })}>`];
  out.push('    <properties>');
  out.push(`      <property${attrs({ name: 'endpoint', value: s.endpoint ?? '(not connected)' })}/>`);
  if (s.error !== null) out.push(`      <property${attrs({ name: 'error', value: s.error })}/>`);
  out.push('    </properties>');
  for (const c of s.checks) {
    const head = `    <testcase${attrs({ name: c.id, classname: `${s.name}.${c.kind}`, time: secs(c.pass ? (c.timeToConvergeMs ?? 0) : s.durationMs) })}`;
    if (c.pass) {
      out.push(`${head}/>`);
      continue;
    }
    out.push(`${head}>`);
    const type = s.error !== null ? 'switch-unreachable' : c.kind;
    out.push(`      <failure${attrs({ message: `expected ${c.expected}; seen ${c.seen}`, type })}>${text(`db: ${c.db}\nexpected: ${c.expected}\nseen: ${c.seen}`)}</failure>`);
    out.push('    </testcase>');
  }
  if (!all) {
    for (const g of s.passing) out.push(`    <testcase${attrs({ name: `${g.count} ${g.kind} check${g.count === 1 ? '' : 's'} (${g.db}) passed`, classname: `${s.name}.${g.kind}`, time: secs(g.timeToConvergeMs) })}/>`);
  }
  if (s.error !== null) out.push(`    <system-err>${text(s.error)}</system-err>`);
  out.push('  </testsuite>');
  return out;
}

// XML 1.0 cannot carry these at all, not even as character references.
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function xmlText(s: string): string {
  return s.replace(INVALID_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Attribute values also keep their quotes, tabs and line breaks (a parser would normalise raw
 *  whitespace in attributes to spaces). */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

const text = (s: string) => xmlText(s);

function attrs(a: Record<string, string | number>): string {
  return Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join('');
}

function secs(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
