// The verify report as a table, as JSON (checked against its schema) and as JUnit XML (parsed:
// well-formed, one testcase per check, special characters escaped).
import { describe, expect, it } from 'vitest';
import { formatVerify, formatVerifyJunit, formatVerifyTable, verifyVerdict, xmlAttr, xmlText } from '../../src/report/verify-format.ts';
import { countPassing, verifyReportSchema, type CheckResult, type PassingChecks, type SwitchReport, type VerifyReport } from '../../src/results/verify-schema.ts';
import { findAll, parseXml } from './xml.ts';

const ok = (id: string, ms: number): CheckResult => ({ id, kind: 'port', db: 'STATE_DB', pass: true, expected: `PORT_TABLE|${id} state=ok`, seen: 'state=ok', timeToConvergeMs: ms });
const sw = (name: string, checks: CheckResult[], extra: Partial<SwitchReport> = {}): SwitchReport => {
  const passed = checks.filter((c) => c.pass).length;
  const passing: PassingChecks[] = [];
  for (const c of checks) if (c.pass) countPassing(passing, c.kind, c.db, c.timeToConvergeMs ?? 0);
  return {
    name,
    endpoint: `redis unix:/run/clos/lab/dc1/${name}/redis.sock`,
    error: null,
    passed,
    total: checks.length,
    timeToConvergeMs: passed === checks.length ? Math.max(0, ...checks.map((c) => c.timeToConvergeMs ?? 0)) : null,
    durationMs: 60_000,
    checks,
    passing,
    ...extra,
  };
};

const TRICKY = `weird <name> & "quotes" 'single' \u0007bell\nnewline`;
const unreachable = 'leaf3 (redis 127.0.1.5:6379): cannot connect: connect ECONNREFUSED 127.0.1.5:6379';

const failing: VerifyReport = {
  version: 1,
  converged: false,
  startedAt: '2026-11-23T16:00:00.000Z',
  timeoutMs: 60_000,
  durationMs: 60_012,
  checksListed: 'all',
  summary: { switches: 3, checks: 6, passed: 3, failed: 3, timeToConvergeMs: null },
  switches: [
    sw('spine1', [ok('Ethernet0', 1200), ok('Ethernet4', 3420)]),
    sw('leaf1', [
      ok('Ethernet0', 800),
      { id: 'session 10.0.0.0 (spine1) Established', kind: 'bgp-session', db: 'STATE_DB', pass: false, expected: 'NEIGH_STATE_TABLE|10.0.0.0 state=Established', seen: 'state=Active', timeToConvergeMs: null },
      { id: TRICKY, kind: 'lldp', db: 'APPL_DB', pass: false, expected: 'LLDP_ENTRY_TABLE:Ethernet0 lldp_rem_sys_name=<spine1>', seen: TRICKY, timeToConvergeMs: null },
    ]),
    sw('leaf3', [{ id: 'port Ethernet0 up (STATE_DB)', kind: 'port', db: 'STATE_DB', pass: false, expected: 'PORT_TABLE|Ethernet0 state=ok', seen: unreachable, timeToConvergeMs: null }], {
      endpoint: 'redis 127.0.1.5:6379',
      error: unreachable,
      durationMs: 3,
    }),
  ],
};

const converged: VerifyReport = {
  ...failing,
  converged: true,
  durationMs: 3_500,
  summary: { switches: 1, checks: 2, passed: 2, failed: 0, timeToConvergeMs: 3_420 },
  switches: [sw('spine1', [ok('Ethernet0', 1200), ok('Ethernet4', 3420)], { durationMs: 3_420 })],
};

describe('verify report: table', () => {
  it('shows per switch passed/total and the slowest check, then the failing checks, then the verdict', () => {
    const t = formatVerifyTable(failing);
    const lines = t.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^switch\s+passed\s+time to converge\s+endpoint$/);
    expect(lines.find((l) => l.startsWith('spine1'))).toMatch(/^spine1\s+2\/2\s+3\.42 s\s+redis unix:/);
    expect(lines.find((l) => l.startsWith('leaf1'))).toMatch(/^leaf1\s+1\/3\s+-\s+/);
    expect(t).toContain(`Switches that could not be read (all their checks fail):\n  ${unreachable}`);
    expect(t).toMatch(/Failing checks:\nswitch\s+check\s+expected\s+seen\n/);
    expect(lines.find((l) => l.includes('session 10.0.0.0'))).toMatch(/^leaf1\s+session 10\.0\.0\.0 \(spine1\) Established\s+NEIGH_STATE_TABLE\|10\.0\.0\.0 state=Established\s+state=Active$/);
    // The unreachable switch's checks are summed up by its error, not repeated one by one.
    expect(lines.filter((l) => l.startsWith('leaf3'))).toHaveLength(1);
    expect(lines.at(-1)).toBe('NOT converged: 3 checks failing (budget 60.0 s)');
  });

  it('ends with "converged in X s" when everything passed', () => {
    const t = formatVerifyTable(converged);
    expect(t).not.toContain('Failing checks');
    expect(t.trimEnd().split('\n').at(-1)).toBe('converged in 3.42 s');
    expect(verifyVerdict(converged)).toBe('converged in 3.42 s');
    expect(verifyVerdict({ ...failing, summary: { ...failing.summary, failed: 1 } })).toBe('NOT converged: 1 check failing (budget 60.0 s)');
  });
});

describe('verify report: JSON', () => {
  it('is valid against the schema and round-trips', () => {
    for (const r of [failing, converged]) {
      const parsed = verifyReportSchema.parse(JSON.parse(formatVerify(r, 'json')));
      expect(parsed).toEqual(r);
    }
  });

  it('the schema rejects a report of another shape', () => {
    expect(verifyReportSchema.safeParse({ ...failing, version: 2 }).success).toBe(false);
    expect(verifyReportSchema.safeParse({ ...failing, extra: 1 }).success).toBe(false);
    const badCheck = { ...failing.switches[0]!.checks[0]!, db: 'CONFIG_DB' };
    expect(verifyReportSchema.safeParse({ ...failing, switches: [{ ...failing.switches[0]!, checks: [badCheck] }] }).success).toBe(false);
  });
});

describe('verify report: JUnit XML', () => {
  const xml = formatVerifyJunit(failing);
  const root = parseXml(xml);

  it('is well-formed: one testsuite per switch, one testcase per check', () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    expect(root.name).toBe('testsuites');
    expect(root.attrs).toMatchObject({ tests: '6', failures: '3', time: '60.012' });
    const suites = findAll(root, 'testsuite');
    expect(suites.map((s) => [s.attrs.name, s.attrs.tests, s.attrs.failures])).toEqual([
      ['spine1', '2', '0'],
      ['leaf1', '3', '2'],
      ['leaf3', '1', '1'],
    ]);
    expect(findAll(root, 'testcase')).toHaveLength(6);
    expect(findAll(root, 'failure')).toHaveLength(3);
  });

  it('a report listing failing checks only has one testcase per failing check and per kind of passing checks', () => {
    const compact: VerifyReport = { ...failing, checksListed: 'failing', switches: failing.switches.map((s) => ({ ...s, checks: s.checks.filter((c) => !c.pass) })) };
    const r = parseXml(formatVerifyJunit(compact));
    expect(r.attrs).toMatchObject({ tests: '5', failures: '3' });
    const suites = findAll(r, 'testsuite');
    expect(suites.map((s) => [s.attrs.name, s.attrs.tests, s.attrs.failures])).toEqual([
      ['spine1', '1', '0'],
      ['leaf1', '3', '2'],
      ['leaf3', '1', '1'],
    ]);
    expect(findAll(suites[0]!, 'testcase').map((c) => c.attrs)).toEqual([{ name: '2 port checks (STATE_DB) passed', classname: 'spine1.port', time: '3.420' }]);
    expect(findAll(r, 'failure')).toHaveLength(3);
    // The table and the verdict read the same as with every check listed.
    expect(formatVerifyTable(compact)).toBe(formatVerifyTable(failing));
  });

  it('gives each testcase its time to converge and each failure expected and seen', () => {
    const cases = findAll(root, 'testcase');
    expect(cases[1]!.attrs).toMatchObject({ name: 'Ethernet4', classname: 'spine1.port', time: '3.420' });
    const session = cases.find((c) => c.attrs.name === 'session 10.0.0.0 (spine1) Established')!;
    const failure = session.children.find((c) => c.name === 'failure')!;
    expect(failure.attrs.message).toBe('expected NEIGH_STATE_TABLE|10.0.0.0 state=Established; seen state=Active');
    expect(failure.attrs.type).toBe('bgp-session');
    expect(failure.text).toBe('db: STATE_DB\nexpected: NEIGH_STATE_TABLE|10.0.0.0 state=Established\nseen: state=Active');
    const leaf3 = findAll(root, 'testsuite')[2]!;
    expect(findAll(leaf3, 'failure')[0]!.attrs.type).toBe('switch-unreachable');
    expect(findAll(leaf3, 'property').map((p) => [p.attrs.name, p.attrs.value])).toEqual([
      ['endpoint', 'redis 127.0.1.5:6379'],
      ['error', unreachable],
    ]);
  });

  it('escapes markup, quotes and line breaks, and replaces characters XML cannot carry', () => {
    const tricky = findAll(root, 'testcase').find((c) => c.attrs.name?.startsWith('weird'))!;
    // What XML cannot hold (U+0007) becomes U+FFFD; everything else survives the round trip.
    const expected = TRICKY.replace('\u0007', '\uFFFD');
    expect(tricky.attrs.name).toBe(expected);
    const failure = tricky.children.find((c) => c.name === 'failure')!;
    expect(failure.attrs.message).toBe(`expected LLDP_ENTRY_TABLE:Ethernet0 lldp_rem_sys_name=<spine1>; seen ${expected}`);
    expect(failure.text).toContain(`seen: ${expected}`);
    expect(xml).not.toContain('\u0007');
    expect(xml).toContain('weird &lt;name&gt; &amp; &quot;quotes&quot; &apos;single&apos;');
    expect(xmlText('a<b>&c')).toBe('a&lt;b&gt;&amp;c');
    expect(xmlAttr('"\'\n\t')).toBe('&quot;&apos;&#10;&#9;');
    // The reader used here is strict: unescaped input is rejected.
    expect(() => parseXml('<a b="x<y"/>')).toThrow();
    expect(() => parseXml('<a>x & y</a>')).toThrow();
    expect(() => parseXml('<a><b></a></b>')).toThrow();
  });
});
