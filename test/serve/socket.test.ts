// `clos serve` over real sockets: Server-Sent Events as they happen (a run's progress, drift
// rounds of --watch), TLS, and the command itself in its own process (start, refusals, SIGTERM).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildApp } from '../../src/serve/app.ts';
import { runCli } from '../support/cli.ts';
import { bearer, memoryApi, readEvents, type MemoryApi } from './fixture.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

describe('real sockets', () => {
  let t: MemoryApi;
  let base: string;
  beforeAll(async () => {
    t = await memoryApi({ watchMs: 1000 });
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => t.close());

  it('a run streamed live ends with done; what was streamed is the run\'s history', async () => {
    const plan = (await (await fetch(`${base}/api/v1/fabrics/dc1/plan`, { method: 'POST', headers: { ...bearer(t.operate), 'content-type': 'application/json' }, body: '{}' })).json()) as { id: string };
    const res = await fetch(`${base}/api/v1/fabrics/dc1/apply`, { method: 'POST', headers: { ...bearer(t.operate), 'content-type': 'application/json' }, body: JSON.stringify({ plan: plan.id }) });
    expect(res.status).toBe(202);
    const { run } = (await res.json()) as { run: string };
    const live = await readEvents(`${base}/api/v1/runs/${run}/events`, t.read, (e) => e.event === 'done');
    expect(live.at(-1)!.event).toBe('done');
    const again = await readEvents(`${base}/api/v1/runs/${run}/events`, t.read, (e) => e.event === 'done');
    expect(again).toEqual(live);
    expect(live.filter((e) => e.event === 'switch' && e.data.status === 'applied')).toHaveLength(6);
  });

  it('/api/v1/events: the latest drift first, then each --watch round; a cable pulled shows up as a red link', async () => {
    // The previous test applied: a round sees the fabric converged; then one cable is pulled.
    const first = await readEvents(`${base}/api/v1/events`, t.read, (e) => e.event === 'drift' && (e.data.report as { drift: boolean }).drift === false);
    expect(first.at(-1)!.data.fabric).toBe('dc1');
    t.lab.setCable('leaf1', 'Ethernet120', false);
    try {
      const seen = await readEvents(`${base}/api/v1/events`, t.read, (e) => e.event === 'drift' && linkState(e.data, 'leaf1 -- spine1') === 'error');
      expect(linkState(seen.at(-1)!.data, 'leaf1 -- spine1')).toBe('error');
      expect(linkState(seen.at(-1)!.data, 'leaf1 -- spine2')).toBe('ok');
    } finally {
      t.lab.setCable('leaf1', 'Ethernet120', true);
    }
  }, 30_000);
});

function linkState(d: Record<string, unknown>, id: string): string | undefined {
  return (d.report as { links: { id: string; state: string }[] }).links.find((l) => l.id === id)?.state;
}

describe('TLS', () => {
  it('serves HTTPS with the given certificate, with HSTS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clos-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
      const cert = readFileSync(join(dir, 'cert.pem'));
      const app = await buildApp({ fabrics: [], tokens: null, https: { cert, key: readFileSync(join(dir, 'key.pem')) } });
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      try {
        expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
        const { status, headers, body } = await new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
          const req = request(`${url}/healthz`, { ca: cert }, (res) => {
            let b = '';
            res.on('data', (d) => (b += d));
            res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: b }));
          });
          req.on('error', reject);
          req.end();
        });
        expect(status).toBe(200);
        expect(JSON.parse(body)).toEqual({ ok: true, fabrics: 0, runs: 0 });
        expect(headers['strict-transport-security']).toMatch(/max-age=/);
      } finally {
        await app.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('clos serve, the command', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'clos-serve-cmd-'));
    file = join(dir, 'cmd.fabric.yaml');
    writeFileSync(file, readFileSync(join(ROOT, 'topologies/dc1.fabric.yaml'), 'utf8').replace(/^fabric: dc1$/m, 'fabric: cmd'));
    writeFileSync(join(dir, 'inv.yaml'), stringify({ version: 1, fabric: 'cmd', switches: {} }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('token add prints the token once and stores only its hash', async () => {
    const tokens = join(dir, 'tokens.json');
    const r = await runCli('serve', 'token', 'add', 'alice', '--role', 'operate', '--tokens', tokens);
    expect(r.code).toBe(0);
    const token = r.stdout.trim();
    expect(token).toMatch(/^clos_[A-Za-z0-9_-]{43}$/);
    expect(r.stderr).not.toContain(token);
    expect(readFileSync(tokens, 'utf8')).not.toContain(token);
    const again = await runCli('serve', 'token', 'add', 'alice', '--role', 'read', '--tokens', tokens);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('a token named alice exists already');
    expect((await runCli('serve', 'token', 'add', 'bob', '--role', 'admin', '--tokens', tokens)).stderr).toContain('--role must be read or operate, not "admin"');
  });

  it('refuses a non-loopback address without tokens (exit 1)', async () => {
    const r = await runCli('serve', file, '--host', '0.0.0.0', '--port', '0', '--inventory', join(dir, 'inv.yaml'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--host 0.0.0.0 is not a loopback address: serving there needs --tokens FILE');
  });

  it('refuses two files declaring one fabric name', async () => {
    const twin = join(dir, 'twin.fabric.yaml');
    writeFileSync(twin, readFileSync(file, 'utf8'));
    try {
      const r = await runCli('serve', file, twin, '--port', '0');
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('both declare fabric cmd');
    } finally {
      rmSync(twin);
    }
  });

  it('--dir serves every *.fabric.yaml in the folder', async () => {
    const { discoverFabrics } = await import('../../src/serve/fabrics.ts');
    const other = join(dir, 'other.fabric.yaml');
    writeFileSync(other, readFileSync(file, 'utf8').replace(/^fabric: cmd$/m, 'fabric: other'));
    try {
      expect((await discoverFabrics([], dir)).map((f) => f.name)).toEqual(['cmd', 'other']);
      await expect(discoverFabrics([], join(dir, 'sw'))).rejects.toThrow(`--dir ${join(dir, 'sw')}: no such directory`);
    } finally {
      rmSync(other);
    }
  });

  it('listens on 127.0.0.1, answers, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin/clos.js'), 'serve', file, '--port', '0', '--inventory', join(dir, 'inv.yaml')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CLOS_LOG_LEVEL: 'warn' } });
    try {
      let err = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr!.on('data', (d: Buffer) => {
          err += d.toString();
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
          if (m) resolve(m[1]!);
        });
        child.on('exit', (c) => reject(new Error(`exited ${c}: ${err}`)));
      });
      const r = await fetch(`${url}/api/v1/fabrics`);
      expect(r.status).toBe(200);
      expect(((await r.json()) as { fabrics: { name: string }[] }).fabrics.map((f) => f.name)).toEqual(['cmd']);
      const exit = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
      expect(err).toContain('SIGTERM: finishing running switch writes, then exiting');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 30_000);
});
