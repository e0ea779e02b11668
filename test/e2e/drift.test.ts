// `clos drift` end to end on the emulated fabric (real redis, FRR, lldpd and the switch agent in
// namespaces): fabric t-drift (2 spines, 2 leaves), redis on 127.0.1.32/28. Brought up and
// converged with `clos apply --yes`, then each drift made the way it happens in life: a field
// changed with redis-cli, a BGP_NEIGHBOR deleted, an unknown neighbor added, a link set down
// with iproute2, two cables swapped (the veths re-plugged crossed, as netns.ts plugs them), a
// switch's redis stopped (SIGSTOP of its recorded pid). Each is found once, in the right class,
// with the right remediation; everything else found points at it. `clos apply` fixes the config
// ones; a converged fabric gives no finding, round after round. The HTML report is opened in
// headless Chromium: the broken link is red. The lab is always torn down.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDown } from '../../src/lab/down.ts';
import { labExec } from '../../src/lab/exec.ts';
import { isAlive, readRecords, type ProcessRecord } from '../../src/lab/processes.ts';
import { readState } from '../../src/lab/state.ts';
import { STATE_COLOURS } from '../../src/report/drift-html.ts';
import { driftReportSchema, type DriftReport, type FindingJson } from '../../src/results/drift-schema.ts';
import { withChromium } from '../support/chromium.ts';
import { runCli } from '../support/cli.ts';

const FABRIC = 't-drift';
const ADDRESSES = '127.0.1.32/28';
const ROOT = new URL('../..', import.meta.url).pathname;
const ARTIFACTS = join(ROOT, 'test-artifacts');
let dir: string;
let file: string;

beforeAll(async () => {
  await labDown(FABRIC); // what a run that died before its afterAll left
  dir = mkdtempSync(join(tmpdir(), 'clos-drift-e2e-'));
  file = join(dir, `${FABRIC}.fabric.yaml`);
  // dc1 with one rack: spine1, spine2, leaf1, leaf2 (rack r1 has the server VLAN).
  const dc1 = readFileSync(join(ROOT, 'topologies/dc1.fabric.yaml'), 'utf8');
  const text = dc1.replace(/^fabric: dc1$/m, `fabric: ${FABRIC}`).replace(/^ {2}- name: r2\n {4}leaves: \[leaf3, leaf4\]\n/m, '');
  expect(text).not.toContain('leaf3');
  writeFileSync(file, text);
  const up = await runCli('lab', 'up', file, '--addresses', ADDRESSES, '--bgpmon-interval', '500');
  expect(up.code, up.stderr).toBe(0);
  const apply = await runCli('apply', file, '--yes');
  expect(apply.code, apply.stdout + apply.stderr).toBe(0);
  await converged();
}, 240_000);

afterAll(async () => {
  try {
    await labDown(FABRIC);
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

/** `clos verify`: every convergence check passes. Once more when a switch could not even be
 *  read: on a loaded 2-core machine a connection can miss its 3 s connect timeout. */
async function converged(): Promise<void> {
  let v = await runCli('verify', file, '--timeout', '120s');
  if (v.code !== 0 && v.stdout.includes('could not be read')) v = await runCli('verify', file, '--timeout', '120s');
  expect(v.code, v.stdout).toBe(0);
}

async function drift(...args: string[]): Promise<{ code: number; report: DriftReport }> {
  const r = await runCli('drift', file, '--format', 'json', ...args);
  expect([0, 12], r.stderr).toContain(r.code);
  return { code: r.code, report: driftReportSchema.parse(JSON.parse(r.stdout)) };
}

/** Drift until what is found has settled (the same findings twice in a row) and `done` holds;
 *  fails with the last report. The daemons need a moment to show what was done to them. */
async function driftUntil(done: (r: DriftReport) => boolean, timeoutMs = 60_000): Promise<DriftReport> {
  const deadline = Date.now() + timeoutMs;
  let last: DriftReport | undefined;
  let previous = '';
  for (;;) {
    const { report } = await drift();
    const ids = report.findings.map((f) => f.id).join('\n');
    if (done(report) && ids === previous) return report;
    previous = ids;
    last = report;
    if (Date.now() > deadline) throw new Error(`drift did not settle as expected; last findings:\n${last.findings.map((f) => `${f.id}: ${f.actual} (caused by ${f.causedBy})`).join('\n')}`);
    await sleep(1_000);
  }
}

/** Every root cause of the report, and everything else explained by one of them. */
function roots(r: DriftReport): FindingJson[] {
  const rs = r.findings.filter((f) => f.causedBy === null);
  for (const f of r.findings) if (f.causedBy !== null) expect(rs.map((x) => x.id)).toContain(f.causedBy);
  return rs;
}

const only = (r: DriftReport, id: string) => {
  expect(r.findings.filter((f) => f.id === id)).toHaveLength(1);
  return r.findings.find((f) => f.id === id)!;
};

const ns = (sw: string) => readState(FABRIC)!.switches[sw]!.namespace;
const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8' });

async function redisCli(sw: string, ...args: string[]): Promise<string> {
  const r = await labExec(FABRIC, sw, ['redis-cli', '-n', '4', ...args], { stdio: 'pipe' });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

async function appl(sw: string, key: string): Promise<Record<string, string>> {
  const r = await labExec(FABRIC, sw, ['redis-cli', '-n', '0', '--json', 'HGETALL', key], { stdio: 'pipe' });
  return r.stdout.trim() ? (JSON.parse(r.stdout) as Record<string, string>) : {};
}

describe('clos drift on the emulated fabric', () => {
  it('a converged fabric gives no finding, round after round', async () => {
    for (let round = 0; round < 3; round++) {
      const { code, report } = await drift();
      expect(report.findings).toEqual([]);
      expect(code).toBe(0);
      expect(report.links.map((l) => [l.id, l.state])).toEqual([
        ['leaf1 -- spine1', 'ok'],
        ['leaf1 -- spine2', 'ok'],
        ['leaf2 -- spine1', 'ok'],
        ['leaf2 -- spine2', 'ok'],
      ]);
      await sleep(1_000);
    }
    // The same over gNMI (the lab's switches serve it too).
    const gnmi = await drift('--transport', 'gnmi');
    expect(gnmi.report.findings).toEqual([]);
    for (const s of gnmi.report.switches) expect(s.endpoint).toMatch(/^gnmi\b.*127\.0\.1\.\d+:8080/);
  });

  it('config drift made by hand is found once each, in its class, with the change apply makes; apply fixes it', async () => {
    // Also after a failure, the hand edits are undone (by apply) for the tests after this one.
    let fixed = false;
    try {
      // A field changed with redis-cli.
      expect(await redisCli('leaf1', 'HSET', 'PORT|Ethernet120', 'description', 'patched by hand')).toBe('0');
      let r = await driftUntil((x) => x.findings.length > 0);
      expect(r.findings.map((f) => f.id)).toEqual(['leaf1/changed-outside/PORT|Ethernet120']);
      expect(r.findings[0]).toMatchObject({ severity: 'warning', expected: 'description=spine1:Ethernet0', actual: 'description=patched by hand', remediation: { kind: 'apply', text: 'clos apply: update PORT|Ethernet120 description=spine1:Ethernet0' } });
      expect((await drift('--transport', 'gnmi')).report.findings.map((f) => f.id)).toEqual(['leaf1/changed-outside/PORT|Ethernet120']);

      // A BGP_NEIGHBOR deleted: the session and the routes through it go, and point at it.
      expect(await redisCli('leaf2', 'DEL', 'BGP_NEIGHBOR|10.1.0.6')).toBe('1');
      r = await driftUntil((x) => x.findings.some((f) => f.object.startsWith('BGP session leaf2')));
      const missing = only(r, 'leaf2/missing/BGP_NEIGHBOR|10.1.0.6');
      expect(missing).toMatchObject({ severity: 'error', actual: '(absent)', link: 'leaf2 -- spine2', remediation: { change: { op: 'add', key: 'BGP_NEIGHBOR|10.1.0.6' } } });
      expect(missing.remediation.text).toBe('clos apply: add BGP_NEIGHBOR|10.1.0.6 admin_status=up asn=65100 holdtime=9 keepalive=3 local_addr=10.1.0.7 name=spine2 nhopself=0 rrclient=0');
      expect(roots(r).map((f) => f.id)).toEqual(['leaf1/changed-outside/PORT|Ethernet120', missing.id]);
      expect(only(r, 'leaf2/not-converged/BGP session leaf2 10.1.0.7 -- spine2 10.1.0.6').causedBy).toBe(missing.id);

      // An unknown neighbor added (bgpcfgd pushes it to FRR: a session nobody intended).
      await redisCli('leaf1', 'HSET', 'BGP_NEIGHBOR|10.1.0.200', 'asn', '65200', 'admin_status', 'up', 'name', 'rogue');
      r = await driftUntil((x) => x.findings.some((f) => f.object === 'BGP session 10.1.0.200 (not in the fabric file)'));
      const extra = only(r, 'leaf1/foreign/BGP_NEIGHBOR|10.1.0.200');
      expect(extra).toMatchObject({ severity: 'warning', expected: '(absent: clos owns this scope)', actual: 'asn=65200 admin_status=up name=rogue', remediation: { text: 'clos apply: delete BGP_NEIGHBOR|10.1.0.200 (whole entry) (session removed)' } });
      expect(only(r, 'leaf1/not-converged/BGP session 10.1.0.200 (not in the fabric file)').causedBy).toBe(extra.id);
      expect(roots(r).map((f) => f.id)).toEqual(['leaf1/foreign/BGP_NEIGHBOR|10.1.0.200', 'leaf1/changed-outside/PORT|Ethernet120', missing.id]);
      expect(r.findings.filter((f) => f.class !== 'not-converged').map((f) => f.class).sort()).toEqual(['changed-outside', 'foreign', 'missing']);

      // `clos apply` makes exactly these changes, and drift is then empty.
      const plan = await runCli('plan', file, '--json');
      expect(plan.code).toBe(10);
      const changes = (JSON.parse(plan.stdout) as { switches: { switch: string; changes: { op: string; key: string }[] }[] }).switches.flatMap((s) => s.changes.map((c) => `${s.switch} ${c.op} ${c.key}`));
      expect(changes.sort()).toEqual(['leaf1 delete BGP_NEIGHBOR|10.1.0.200', 'leaf1 update PORT|Ethernet120', 'leaf2 add BGP_NEIGHBOR|10.1.0.6']);
      const apply = await runCli('apply', file, '--yes');
      expect(apply.code, apply.stdout).toBe(0);
      await converged();
      r = await driftUntil((x) => x.findings.length === 0);
      expect(r.drift).toBe(false);
      fixed = true;
    } finally {
      if (!fixed) {
        await runCli('apply', file, '--yes');
        await converged();
      }
    }
  });

  it('a link set down is one not-converged finding at the end that was shut; the picture shows it red in Chromium', async () => {
    ip('-n', ns('leaf1'), 'link', 'set', 'Ethernet124', 'down');
    try {
      const r = await driftUntil((x) => x.findings.some((f) => f.object.startsWith('link ')) && x.findings.some((f) => f.object.startsWith('BGP session leaf1')));
      const link = only(r, 'leaf1/not-converged/link leaf1:Ethernet124 -- spine2:Ethernet0');
      expect(link).toMatchObject({ severity: 'error', link: 'leaf1 -- spine2', remediation: { kind: 'investigate' } });
      expect(link.actual).toBe('leaf1 Ethernet124: admin down, oper down; spine2 Ethernet0: admin up, oper down');
      expect(link.remediation.text).toContain('`sudo config interface startup Ethernet124` on leaf1');
      expect(roots(r).map((f) => f.id)).toEqual([link.id]);

      const html = join(ARTIFACTS, 'drift-link-down.html');
      mkdirSync(ARTIFACTS, { recursive: true });
      const out = await runCli('drift', file, '--format', 'html', '-o', html);
      expect(out.code).toBe(12);
      await inChromium(html, join(ARTIFACTS, 'drift-link-down.png'), async (page) => {
        const stroke = (id: string) => page.$eval(id, (e) => [e.getAttribute('data-state'), getComputedStyle(e).stroke]);
        expect(await stroke('#link-leaf1--spine2')).toEqual(['error', rgb(STATE_COLOURS.error)]);
        for (const ok of ['#link-leaf1--spine1', '#link-leaf2--spine1', '#link-leaf2--spine2']) expect(await stroke(ok)).toEqual(['ok', rgb(STATE_COLOURS.ok)]);
        // Spines above leaves, the broken link between them.
        const box = async (sel: string) => (await page.locator(sel).boundingBox())!;
        expect((await box('#switch-spine2')).y).toBeLessThan((await box('#switch-leaf1')).y);
        expect(await page.locator('#findings tr.root').count()).toBe(1);
      });
    } finally {
      // Also after a failure: the tests after this one start from a converged fabric.
      ip('-n', ns('leaf1'), 'link', 'set', 'Ethernet124', 'up');
      await converged();
    }
    expect((await driftUntil((x) => x.findings.length === 0)).drift).toBe(false);
  });

  it('two swapped cables are two cabling findings, each with the cable to move', async () => {
    const [l1, s1, s2] = [ns('leaf1'), ns('spine1'), ns('spine2')];
    // Unplug leaf1's two uplinks (a veth goes with both its ends), let the switches see it,
    // then plug them back crossed: leaf1 Ethernet120 to spine2, Ethernet124 to spine1.
    const replug = async (to120: string, to124: string) => {
      ip('-n', l1, 'link', 'del', 'Ethernet120');
      ip('-n', l1, 'link', 'del', 'Ethernet124');
      for (let i = 0; i < 50 && (await appl('leaf1', 'PORT_TABLE:Ethernet120')).oper_status !== 'down'; i++) await sleep(200);
      execFileSync('ip', ['-batch', '-'], { input: `link add Ethernet120 netns ${l1} type veth peer name Ethernet0 netns ${to120}\nlink add Ethernet124 netns ${l1} type veth peer name Ethernet0 netns ${to124}\n` });
    };
    await replug(s2, s1);
    try {
      // Until both ends have learned their new neighbours over LLDP (each end's lldpd and agent
      // in their own time), a finding can only quote the end that has. A re-created port is
      // first advertised with its MAC as port id, as on SONiC, until lldpmgrd sets its name
      // (the next LLDP frame carries it): a finding quoting a MAC is not settled yet.
      const mac = /\b[0-9a-f]{2}(:[0-9a-f]{2}){5}\b/;
      const bothEnds = (x: DriftReport) => x.findings.filter((f) => f.class === 'cabling' && f.actual.includes('; ') && !mac.test(f.actual)).length === 2;
      const r = await driftUntil((x) => bothEnds(x) && x.findings.some((f) => f.object.startsWith('BGP session')), 90_000);
      const cabling = r.findings.filter((f) => f.class === 'cabling');
      expect(cabling.map((f) => [f.switch, f.object, f.severity, f.remediation.kind, f.remediation.text])).toEqual([
        ['leaf1', 'cable leaf1:Ethernet120 -- spine1:Ethernet0', 'error', 'physical', 'move the cable on leaf1 Ethernet120 from spine2:Ethernet0 to spine1:Ethernet0'],
        ['leaf1', 'cable leaf1:Ethernet124 -- spine2:Ethernet0', 'error', 'physical', 'move the cable on leaf1 Ethernet124 from spine1:Ethernet0 to spine2:Ethernet0'],
      ]);
      expect(cabling[0]!.actual).toBe('leaf1 Ethernet120 sees spine2:Ethernet0; spine1 Ethernet0 sees leaf1:Ethernet124');
      expect(roots(r).map((f) => f.id)).toEqual(cabling.map((f) => f.id));
      const html = join(ARTIFACTS, 'drift-cables-swapped.html');
      expect((await runCli('drift', file, '--format', 'html', '-o', html)).code).toBe(12);
      await inChromium(html, join(ARTIFACTS, 'drift-cables-swapped.png'), async (page) => {
        for (const id of ['#link-leaf1--spine1', '#link-leaf1--spine2']) expect(await page.$eval(id, (e) => getComputedStyle(e).stroke)).toBe(rgb(STATE_COLOURS.error));
      });
    } finally {
      // Also after a failure: the tests after this one start from a converged fabric.
      await replug(s1, s2);
      await converged();
    }
    expect((await driftUntil((x) => x.findings.length === 0)).drift).toBe(false);
  }, 240_000);

  it("a switch whose redis is stopped is one unreachable finding naming switch, endpoint and cause", async () => {
    const st = readState(FABRIC)!;
    const record = (await readRecords(st.records)).find((r: ProcessRecord) => r.name === 'redis' && r.switch === 'leaf2' && isAlive(r))!;
    expect(record).toBeDefined();
    process.kill(record.pid, 'SIGSTOP');
    let r: DriftReport;
    try {
      r = (await drift()).report;
    } finally {
      process.kill(record.pid, 'SIGCONT');
    }
    expect(r.findings.map((f) => f.id)).toEqual(['leaf2/unreachable/switch']);
    const f = r.findings[0]!;
    expect(f.expected).toBe(`answers at redis unix:${st.switches.leaf2!.dir}/redis.sock`);
    expect(f.actual).toMatch(/^(UNREACHABLE|TIMEOUT): leaf2 \(redis unix:[^)]*\): .*(no reply|timed out)/i);
    expect(r.switches.find((s) => s.name === 'leaf2')!.state).toBe('error');
    expect((await driftUntil((x) => x.findings.length === 0)).drift).toBe(false);
  }, 60_000);
});

/** Opens a report in Debian's Chromium, headless, with a fresh profile; keeps a screenshot. */
async function inChromium(html: string, screenshot: string, check: (page: import('playwright-core').Page) => Promise<void>): Promise<void> {
  await withChromium(async (ctx) => {
    const page = await ctx.newPage();
    // Self-contained: the page asks for nothing but itself.
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${html}`);
    await check(page);
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(requests).toEqual([`file://${html}`]);
  });
}

function rgb(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}
