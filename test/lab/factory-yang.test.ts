// The t1 and l2 factory states are valid SONiC configs: each is turned into SONiC's YANG
// instance form (module container → table container → TABLE_LIST entries keyed as the model
// says, digits as numbers as sonic-yang-mgmt types them) and validated by yanglint (Debian
// libyang2-tools) against the SONiC models in /work/shared/data/sonic/yang. A broken copy of
// each (a bad address, an interface on a port that does not exist) must fail, so the check is
// known to bite.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILTIN_PLATFORMS } from '../../src/core/platform/catalogue.ts';
import type { ConfigDoc } from '../../src/lab/agent/db/config-file.ts';
import { l2Config, t1Config } from '../../src/lab/factory.ts';

const YANG = '/work/shared/data/sonic/yang';
const S6000 = BUILTIN_PLATFORMS.get('Force10-S6000')!;
const sw = { name: 'leaf1', hwsku: S6000.name, ports: S6000.ports, mac: '52:54:00:12:34:56', mtu: 9100 };
const tmp = mkdtempSync(join(tmpdir(), 'clos-factory-yang-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** CONFIG_DB table → its module, and the list (and key leaves) for one- and two-part keys;
 *  `container`: entries are containers named by the key (DEVICE_METADATA|localhost). */
const TABLES: Record<string, { module: string; one?: [string, string]; two?: [string, string, string]; container?: true }> = {
  DEVICE_METADATA: { module: 'sonic-device_metadata', container: true },
  FLEX_COUNTER_TABLE: { module: 'sonic-flex_counter', container: true },
  PORT: { module: 'sonic-port', one: ['PORT_LIST', 'name'] },
  INTERFACE: { module: 'sonic-interface', one: ['INTERFACE_LIST', 'name'], two: ['INTERFACE_IPPREFIX_LIST', 'name', 'ip-prefix'] },
  LOOPBACK_INTERFACE: { module: 'sonic-loopback-interface', one: ['LOOPBACK_INTERFACE_LIST', 'name'], two: ['LOOPBACK_INTERFACE_IPPREFIX_LIST', 'name', 'ip-prefix'] },
  BGP_NEIGHBOR: { module: 'sonic-bgp-neighbor', one: ['BGP_NEIGHBOR_TEMPLATE_LIST', 'neighbor'] },
  DEVICE_NEIGHBOR: { module: 'sonic-device_neighbor', one: ['DEVICE_NEIGHBOR_LIST', 'name'] },
  VLAN: { module: 'sonic-vlan', one: ['VLAN_LIST', 'name'] },
  VLAN_MEMBER: { module: 'sonic-vlan', two: ['VLAN_MEMBER_LIST', 'name', 'port'] },
};

function yangInstance(doc: ConfigDoc): Record<string, Record<string, unknown>> {
  const typed = (f: Record<string, unknown>) => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v]));
  const out: Record<string, Record<string, unknown>> = {};
  for (const [table, entries] of Object.entries(doc)) {
    const t = TABLES[table];
    if (!t) throw new Error(`no YANG mapping for table ${table}`);
    if (Object.keys(entries).length === 0) continue;
    const mod = (out[`${t.module}:${t.module}`] ??= {});
    const body: Record<string, unknown> = {};
    for (const [key, fields] of Object.entries(entries)) {
      const parts = key.split('|');
      if (t.container) body[key] = typed(fields);
      else if (parts.length === 1 && t.one) ((body[t.one[0]] ??= []) as unknown[]).push({ [t.one[1]]: parts[0], ...typed(fields) });
      else if (parts.length === 2 && t.two) ((body[t.two[0]] ??= []) as unknown[]).push({ [t.two[1]]: parts[0], [t.two[2]]: parts[1], ...typed(fields) });
      else throw new Error(`no YANG list for ${table}|${key}`);
    }
    mod[table] = body;
  }
  return out;
}

function yanglint(name: string, instance: unknown): { status: number | null; errors: string } {
  const file = join(tmp, `${name}.json`);
  writeFileSync(file, JSON.stringify(instance, null, 1));
  const models = readdirSync(YANG).filter((f) => f.endsWith('.yang'));
  const r = spawnSync('yanglint', ['-p', YANG, '-f', 'json', '-t', 'config', ...models, file], { cwd: YANG, encoding: 'utf8' });
  if (r.error) throw new Error(`yanglint cannot run (Debian package libyang2-tools): ${r.error.message}`);
  return { status: r.status, errors: r.stderr.split('\n').filter((l) => l.startsWith('libyang err')).join('\n') };
}

describe('factory presets against SONiC YANG (yanglint)', () => {
  for (const [name, make] of [['t1', t1Config], ['l2', l2Config]] as const) {
    it(`${name} validates; a broken copy does not`, () => {
      const doc = make(sw);
      expect(yanglint(name, yangInstance(doc))).toEqual({ status: 0, errors: '' });
      const broken: ConfigDoc = JSON.parse(JSON.stringify(doc));
      if (name === 't1') broken.BGP_NEIGHBOR!['10.0.0.1']!.local_addr = '10.0.0.999';
      else broken.VLAN_MEMBER!['Vlan1000|Ethernet999'] = { tagging_mode: 'untagged' };
      const bad = yanglint(`${name}-broken`, yangInstance(broken));
      expect(bad.status).not.toBe(0);
      expect(bad.errors).toMatch(name === 't1' ? /10\.0\.0\.999/ : /Ethernet999/);
    });
  }
});
