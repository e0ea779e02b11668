// The drift report in every format, made from real drift runs on in-memory switches: JSON valid
// against its schema (zod and the exported JSON Schema, kept in sync), Markdown tables, JUnit
// well-formed, HTML self-contained with a picture whose broken link is red.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { DRIFT_CLASSES } from '../../src/core/drift/finding.ts';
import { DRIFT_FORMATS, driftDelta, formatDelta, formatDrift } from '../../src/report/drift-format.ts';
import { STATE_COLOURS } from '../../src/report/drift-html.ts';
import { driftJsonSchema, driftReportSchema, type DriftReport } from '../../src/report/drift-schema.ts';
import { driftFabric } from '../../src/services/drift.ts';
import { convergedFabric, linkDown, memSwitch } from '../support/drift-fabric.ts';
import { findAll, parseXml } from './xml.ts';

const root = new URL('../..', import.meta.url).pathname;
let clean: DriftReport;
let drifted: DriftReport;

beforeAll(async () => {
  const m = await convergedFabric();
  clean = await driftFabric(m.session);
  linkDown(m);
  const cfg = memSwitch(m, 'leaf3').transport.dbs.CONFIG_DB;
  cfg.set('BGP_NEIGHBOR|10.99.0.1', { asn: '64999', admin_status: 'up', name: 'pipe|<b>&"x"`' });
  cfg.set('PORT|Ethernet124', { ...cfg.get('PORT|Ethernet124')!, description: 'hand edit <i>' });
  memSwitch(m, 'spine2').transport.reachable = false;
  drifted = await driftFabric(m.session);
});

describe('drift report formats', () => {
  it('the fixture has roots, consequences and every kind of remediation', () => {
    expect(drifted.summary).toMatchObject({ findings: 6, rootCauses: 4, unreachable: 1, error: 4, warning: 2, info: 0 });
    expect(new Set(drifted.findings.map((f) => f.remediation.kind))).toEqual(new Set(['apply', 'investigate']));
  });

  it('JSON follows the zod schema and the exported JSON Schema, which docs/drift.schema.json is (`npm run schema`)', () => {
    const committed = JSON.parse(readFileSync(`${root}docs/drift.schema.json`, 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(driftJsonSchema())));
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(committed);
    for (const r of [clean, drifted]) {
      const doc = JSON.parse(formatDrift(r, 'json'));
      expect(driftReportSchema.parse(doc)).toEqual(r);
      expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    }
    const bad = JSON.parse(formatDrift(drifted, 'json'));
    bad.findings[0].class = 'vanished';
    expect(validate(bad)).toBe(false);
    expect(Object.keys(drifted.summary.byClass)).toEqual([...DRIFT_CLASSES]);
  });

  it('table: root causes, what follows from them under them, and each remediation in full', () => {
    const t = formatDrift(drifted, 'table');
    expect(t).toMatch(/^Drift of fabric dc1 at \S+ \(6 switches read in \d+\.\d\d s\)/);
    const lines = t.split('\n');
    expect(lines.filter((l) => /^\d+ /.test(l))).toHaveLength(4);
    expect(lines.filter((l) => l.startsWith('  ↳'))).toHaveLength(2);
    expect(t).toContain('clos apply: delete BGP_NEIGHBOR|10.99.0.1 (whole entry) (session removed)');
    expect(t).toContain('clos apply: update PORT|Ethernet124 description=spine2:Ethernet8');
    expect(t).toContain('sudo config interface startup Ethernet120');
    expect(t).toContain('  2. leaf1: leaf1 Ethernet120 is administratively down');
    expect(t).toContain('find out who shut it (explains 2 more)\n');
    expect(t.endsWith('\n\nDRIFT: 6 findings (4 root causes): 4 errors, 2 warnings\n')).toBe(true);
    expect(formatDrift(clean, 'table')).toMatch(/\n\nno drift: 6 switches match the fabric file\n$/);
  });

  it('Markdown: one table row per root cause, consequences folded, cells safe', () => {
    const md = formatDrift(drifted, 'md');
    expect(md.startsWith('### clos drift: dc1\n\n**DRIFT: 6 findings (4 root causes): 4 errors, 2 warnings**')).toBe(true);
    const rows = md.split('\n').filter((l) => /^\| \d+ \| /.test(l));
    expect(rows.length).toBe(4 + 2); // roots, then consequences in <details>
    expect(md).toContain('<details><summary>What follows from these findings</summary>');
    // A cell never breaks the table: every row has the columns of its header.
    const cells = (l: string) => l.replace(/\\\|/g, '').split('|').length;
    const table = md.split('\n').filter((l) => l.startsWith('| '));
    expect(new Set(table.slice(0, 5).map(cells))).toEqual(new Set([10])); // the header and 4 rows: 8 columns
    expect(md).toContain('name=pipe\\|&lt;b&gt;&amp;"x"');
    expect(md).not.toMatch(/<(b|i)>/);
    expect(formatDrift(clean, 'md')).toBe(`### clos drift: dc1\n\n**no drift: 6 switches match the fabric file** (6 switches read at ${clean.at})\n`);
  });

  it('JUnit: well-formed, a suite per switch, a failing case per finding, an error for the unreachable switch', () => {
    const doc = parseXml(formatDrift(drifted, 'junit'));
    expect(doc.name).toBe('testsuites');
    expect(doc.attrs).toMatchObject({ tests: String(6 + 2), failures: '5', errors: '1' }); // + a passing case for spine1 and leaf4
    const suites = findAll(doc, 'testsuite');
    expect(suites.map((s) => s.attrs.name)).toEqual(['spine1', 'spine2', 'leaf1', 'leaf2', 'leaf3', 'leaf4']);
    const spine2 = suites[1]!;
    expect(findAll(spine2, 'error')[0]!.attrs).toMatchObject({ type: 'unreachable' });
    const leaf3 = findAll(suites[4]!, 'testcase');
    expect(leaf3.map((c) => c.attrs.name)).toContain('BGP_NEIGHBOR|10.99.0.1');
    const failure = findAll(suites[4]!, 'failure').find((f) => f.attrs.type === 'foreign')!;
    expect(failure.text).toContain('remediation: clos apply: delete BGP_NEIGHBOR|10.99.0.1');
    expect(failure.text).toContain('name=pipe|<b>&"x"`');
    const ok = findAll(parseXml(formatDrift(clean, 'junit')), 'testcase');
    expect(ok.map((c) => c.attrs.name)).toEqual(Array(6).fill('matches the fabric file'));
    expect(findAll(parseXml(formatDrift(clean, 'junit')), 'failure')).toEqual([]);
  });

  it('HTML: self-contained, the fabric drawn with spines above leaves, the broken link and the unreachable switch red', () => {
    const html = formatDrift(drifted, 'html');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link\b|\bsrc=|url\(|@import|href="(?!#)/i);
    expect(html).not.toContain('<b>&');
    const line = /<line id="link-leaf1--spine1" class="link state-error" data-link="leaf1 -- spine1" data-state="error"[^>]*y1="(\d+)"[^>]*y2="(\d+)"/.exec(html)!;
    expect(Number(line[1])).toBeLessThan(Number(line[2])); // from the spine row down to the leaf row
    expect(html).toMatch(/<line id="link-leaf2--spine1" class="link state-ok"/);
    expect(html).toMatch(/<line id="link-leaf3--spine2" class="link state-warning"/);
    expect(html).toMatch(/<g id="switch-spine2" class="switch state-error"/);
    expect(html).toMatch(/<g id="switch-leaf2" class="switch state-ok"/);
    expect(html).toContain(`.link.state-error{stroke:${STATE_COLOURS.error}}`);
    expect((html.match(/<tr id="finding-\d+"/g) ?? []).length).toBe(6);
    expect(formatDrift(clean, 'html')).toContain('<p id="no-findings">');
  });

  it('every format renders both reports', () => {
    for (const f of DRIFT_FORMATS) for (const r of [clean, drifted]) expect(formatDrift(r, f).length).toBeGreaterThan(50);
  });

  it('watch deltas: only what appeared and what went away', () => {
    expect(formatDelta(driftDelta(clean, clean), 'table')).toBe('');
    const d = driftDelta(clean, drifted);
    expect(d.appeared).toHaveLength(6);
    const text = formatDelta(d, 'table');
    expect(text.split('\n')[0]).toBe(`${drifted.at}: 6 new, 0 resolved, 6 finding(s) now`);
    expect(text).toContain('  + warning leaf3 foreign BGP_NEIGHBOR|10.99.0.1: ');
    const back = formatDelta(driftDelta(drifted, clean), 'json');
    expect(JSON.parse(back)).toMatchObject({ appeared: [], resolved: drifted.findings.map((f) => f.id), findings: 0, drift: false });
  });
});
