// `clos drift` through the CLI against dc1 on plain redis-servers (127.0.1.200-205:26379, fabric
// t-drift-cli): exit codes, formats and -o, flags refused, and --watch printing only what
// changed, keeping every round in the state directory, stopping on SIGINT.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driftHistory } from '../../src/io/drift-history.ts';
import { driftReportSchema } from '../../src/results/drift-schema.ts';
import { runCli } from '../support/cli.ts';
import { startRedisFabric, type RedisFabric } from '../support/redis-fabric.ts';
import { findAll, parseXml } from '../report/xml.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
let fab: RedisFabric;

beforeAll(async () => {
  const text = readFileSync(join(ROOT, 'topologies/dc1.fabric.yaml'), 'utf8').replace(/^fabric: dc1$/m, 'fabric: t-drift-cli');
  fab = await startRedisFabric({ fabricText: text, host: (i) => `127.0.1.${200 + i}`, port: 26379 });
}, 60_000);

afterAll(async () => {
  await fab?.stop();
});

const drift = (...args: string[]) => runCli('drift', fab.file, '--inventory', fab.inventory, ...args);

describe('clos drift (CLI)', () => {
  it('exit 0 and "no drift" on a fabric that matches its file', async () => {
    const r = await drift();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Drift of fabric t-drift-cli at .*\n\nno drift: 6 switches match the fabric file\n$/);
  });

  it('exit 12 with drift, in every format; -o writes the report and prints the verdict', async () => {
    const leaf1 = fab.db('leaf1', 'CONFIG_DB');
    await leaf1.hset('PORT|Ethernet124', 'mtu', '1500');
    try {
      const table = await drift();
      expect(table.code).toBe(12);
      expect(table.stdout).toContain('clos apply: update PORT|Ethernet124 mtu=9100');
      const json = await drift('--format', 'json');
      expect(json.code).toBe(12);
      const report = driftReportSchema.parse(JSON.parse(json.stdout));
      expect(report.findings.filter((f) => f.causedBy === null).map((f) => [f.switch, f.class, f.object])).toEqual([['leaf1', 'changed-outside', 'PORT|Ethernet124']]);
      for (const [format, check] of [
        ['junit', (t: string) => expect(findAll(parseXml(t), 'failure').length).toBeGreaterThan(0)],
        ['md', (t: string) => expect(t).toContain('`clos apply: update PORT\\|Ethernet124 mtu=9100`')],
        ['html', (t: string) => expect(t).toContain('id="link-leaf1--spine2" class="link state-warning"')],
      ] as const) {
        const out = join(fab.dir, `drift.${format}`);
        const r = await drift('--format', format, '-o', out);
        expect(r.code).toBe(12);
        expect(r.stdout).toBe(`DRIFT: ${report.summary.findings} finding${report.summary.findings === 1 ? '' : 's'} (1 root cause): ${report.summary.error ? `${report.summary.error} error${report.summary.error === 1 ? '' : 's'}, ` : ''}1 warning (${format} report: ${out})\n`);
        check(readFileSync(out, 'utf8'));
      }
    } finally {
      await leaf1.hset('PORT|Ethernet124', 'mtu', '9100');
    }
    expect((await drift()).code).toBe(0);
  });

  it('exit 1 on a bad inventory or bad flags, naming the problem', async () => {
    const inv = join(fab.dir, 'bad.inventory.yaml');
    writeFileSync(inv, 'version: 1\nfabric: t-drift-cli\nswitches: {spine1: {transport: redis}}\n');
    const r = await runCli('drift', fab.file, '--inventory', inv);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('invalid inventory');
    const partial = join(fab.dir, 'partial.inventory.yaml');
    writeFileSync(partial, readFileSync(fab.inventory, 'utf8').replace(/^ {2}leaf4:[\s\S]*?(?=^ {2}\S|(?![\s\S]))/m, ''));
    const p = await runCli('drift', fab.file, '--inventory', partial);
    expect(p.code).toBe(1);
    expect(p.stderr).toContain('no entry for leaf4');
    for (const [args, msg] of [
      [['--format', 'xml'], '--format must be table, json, md, junit, html, not "xml"'],
      [['--watch', 'soon'], '--watch "soon" is not a duration'],
      [['--watch', '100ms'], '--watch must be at least 1s'],
      [['--concurrency', '0'], '--concurrency must be a positive whole number'],
      [['--transport', 'snmp'], '--transport must be redis or gnmi'],
    ] as const) {
      const b = await drift(...args);
      expect(b.code, args.join(' ')).toBe(1);
      expect(b.stderr).toContain(msg);
    }
  });

  it('a switch that does not answer is an unreachable finding (exit 12: the report is complete)', async () => {
    const inv = join(fab.dir, 'dead.inventory.yaml');
    writeFileSync(inv, readFileSync(fab.inventory, 'utf8').replace(/port: 26379(?![\s\S]*port: 26379)/, 'port: 26399'));
    const r = await runCli('drift', fab.file, '--inventory', inv, '--format', 'json');
    expect(r.code).toBe(12);
    const report = driftReportSchema.parse(JSON.parse(r.stdout));
    expect(report.findings.map((f) => [f.switch, f.class, f.object])).toEqual([['leaf4', 'unreachable', 'switch']]);
    expect(report.findings[0]!.actual).toMatch(/^UNREACHABLE: leaf4 \(redis 127\.0\.1\.205:26399\): cannot connect: /);
    expect(report.findings[0]!.expected).toBe('answers at redis 127.0.1.205:26399');
  });

  it('--watch prints the full report once, then only what changed; keeps every round; stops on SIGINT', async () => {
    const before = driftHistory(fab.stateDir).length;
    const leaf2 = fab.db('leaf2', 'CONFIG_DB');
    const run = drift('--watch', '1s');
    const waitRounds = async (n: number) => {
      for (let i = 0; i < 100 && driftHistory(fab.stateDir).length < before + n; i++) await sleep(100);
      expect(driftHistory(fab.stateDir).length).toBeGreaterThanOrEqual(before + n);
    };
    await waitRounds(2);
    await leaf2.hset('BGP_NEIGHBOR|10.1.0.4', 'holdtime', '99');
    const edited = driftHistory(fab.stateDir).length;
    await waitRounds(edited - before + 1);
    await leaf2.hset('BGP_NEIGHBOR|10.1.0.4', 'holdtime', '9');
    await waitRounds(edited - before + 2);
    process.emit('SIGINT');
    const r = await run;
    expect(r.code).toBe(0); // the last round had no drift
    expect(r.stdout).toMatch(/^Drift of fabric t-drift-cli at \S+ \(6 switches read in [\d.]+ s\)\n\nno drift: 6 switches match the fabric file\n\S+: 1 new/);
    expect(r.stdout).toMatch(/: 1 new, 0 resolved, 1 finding\(s\) now\n {2}\+ warning leaf2 changed-outside BGP_NEIGHBOR\|10\.1\.0\.4: holdtime=99 → clos apply: replace BGP_NEIGHBOR\|10\.1\.0\.4 holdtime=9 \(session reset\)\n/);
    expect(r.stdout).toMatch(/: 0 new, 1 resolved, 0 finding\(s\) now\n {2}- resolved leaf2 changed-outside BGP_NEIGHBOR\|10\.1\.0\.4\n/);
    expect(r.stdout.match(/^Drift of fabric/gm)).toHaveLength(1); // printed in full once
    expect(r.stderr).toMatch(/^clos drift: stopped after \d+ round\(s\); reports kept in .*\/drift\/\n$/);
    const history = driftHistory(fab.stateDir).slice(before);
    expect(history.length).toBeGreaterThanOrEqual(3);
    const reports = history.map((p) => driftReportSchema.parse(JSON.parse(readFileSync(p, 'utf8'))));
    expect(reports.some((x) => x.drift)).toBe(true);
    expect(reports.at(-1)!.drift).toBe(false);
    expect(existsSync(join(fab.stateDir, 'drift'))).toBe(true);
  }, 60_000);
});
