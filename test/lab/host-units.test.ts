// The lab's host-side decisions that need no daemons: preflight errors, how `exec` points an
// operator's command at the switch, names and paths, address picking.
import { describe, expect, it } from 'vitest';
import { pickAddresses } from '../../src/lab/addresses.ts';
import { planExec } from '../../src/lab/exec.ts';
import { GUARD_DIR, GUARD_ENTER } from '../../src/lab/exec-guard.ts';
import { namespaceName, switchDir } from '../../src/lab/paths.ts';
import { assertPrograms, assertRoot } from '../../src/lab/preflight.ts';
import { labTopology } from '../../src/lab/topology.ts';
import { compileFabric } from '../../src/core/compile.ts';
import { fabricYaml } from './host-fixtures.ts';

describe('preflight', () => {
  it('not root: a clear error naming the uid and what root is needed for', () => {
    expect(() => assertRoot(1000)).toThrow(expect.objectContaining({ code: 'LAB_NOT_ROOT', message: expect.stringMatching(/needs root \(uid 0, running as uid 1000\).*sudo/) }));
    expect(() => assertRoot(0)).not.toThrow();
  });

  it('a missing program is named with its Debian package; lldpd only matters to the sonic flavour', () => {
    const without = (missing: string) => (p: string) => (p.endsWith(missing) ? undefined : `/usr/bin/${p}`);
    expect(() => assertPrograms(new Set(['sonic']), without('lldpd'))).toThrow(/lldpd \(Debian package lldpd\).*apt-get install lldpd/);
    expect(() => assertPrograms(new Set(['legacy-vs']), without('lldpd'))).not.toThrow();
    expect(() => assertPrograms(new Set(['legacy-vs']), without('zebra'))).toThrow(/\/usr\/lib\/frr\/zebra \(Debian package frr\)/);
    expect(() => assertPrograms(new Set(['sonic']), without('redis-server'))).toThrow(/redis-server \(Debian package redis-server\)/);
  });
});

describe('exec', () => {
  const sw = { dir: '/run/clos/lab/f/leaf1', namespace: 'clos-f-leaf1' };
  // Every command runs under `env PATH=<guard>:…` (exec-guard.ts: no reboot reaches the host).
  const inNs = (...a: string[]) => ({ kind: 'run', cmd: 'env', args: [`PATH=${GUARD_DIR}:${process.env.PATH}`, 'ip', 'netns', 'exec', 'clos-f-leaf1', GUARD_ENTER, ...a] });

  it('runs any command inside the switch namespace', () => {
    expect(planExec(sw, ['ip', '-j', 'link'])).toEqual(inNs('ip', '-j', 'link'));
  });
  it('points vtysh at the switch FRR (vty socket and config dir)', () => {
    expect(planExec(sw, ['vtysh', '-c', 'show ip bgp summary'])).toEqual(inNs('vtysh', '--vty_socket', sw.dir, '--config_dir', sw.dir, '-c', 'show ip bgp summary'));
    expect(planExec(sw, ['sudo', 'vtysh'])).toEqual(inNs('vtysh', '--vty_socket', sw.dir, '--config_dir', sw.dir));
  });
  it('points redis-cli and sonic-db-cli at the switch redis, unless told otherwise', () => {
    expect(planExec(sw, ['redis-cli', '-n', '4', 'keys', '*'])).toEqual(inNs('redis-cli', '-s', `${sw.dir}/redis.sock`, '-n', '4', 'keys', '*'));
    expect(planExec(sw, ['redis-cli', '-h', '10.0.0.1', 'ping'])).toEqual(inNs('redis-cli', '-h', '10.0.0.1', 'ping'));
    expect(planExec(sw, ['sonic-db-cli', 'STATE_DB', 'keys', '*'])).toEqual(inNs('redis-cli', '-s', `${sw.dir}/redis.sock`, '-n', '6', 'keys', '*'));
  });
  it('maps restarting the bgp service to the agent', () => {
    for (const cmd of [['systemctl', 'restart', 'bgp'], ['sudo', 'systemctl', 'restart', 'bgp.service'], ['service', 'bgp', 'restart']]) {
      expect(planExec(sw, cmd)).toEqual({ kind: 'restart-bgp' });
    }
  });
});

describe('names and paths', () => {
  it('keep unix sockets under sun_path and namespaces readable, shortening long names with a hash', () => {
    expect(namespaceName('dc1', 'leaf1')).toBe('clos-dc1-leaf1');
    const longFabric = 'a'.repeat(60);
    const longSwitch = 'leaf-'.repeat(20);
    const d = switchDir(longFabric, longSwitch);
    expect(`${d}/lldpd.sock`.length).toBeLessThan(108);
    expect(switchDir(longFabric, `${longSwitch}x`)).not.toBe(d);
    expect(namespaceName(longFabric, longSwitch).length).toBeLessThanOrEqual(45);
    expect(namespaceName(longFabric, longSwitch)).not.toBe(namespaceName(longFabric, `${longSwitch}x`));
  });
});

describe('addresses', () => {
  it('skip those taken by other labs and the range\'s network address', async () => {
    expect(await pickAddresses('127.0.1.240/29', 2, new Set(['127.0.1.241']), [6379, 8080])).toEqual(['127.0.1.242', '127.0.1.243']);
    await expect(pickAddresses('127.0.1.240/30', 3, new Set(), [6379])).rejects.toThrow(/3 free address\(es\) needed, 2 left/);
    // Something else listening on one of the ports makes the address unusable.
    const { createServer } = await import('node:net');
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(8080, '127.0.1.242', r));
    try {
      expect(await pickAddresses('127.0.1.240/29', 2, new Set(), [6379, 8080])).toEqual(['127.0.1.241', '127.0.1.243']);
    } finally {
      srv.close();
    }
    await expect(pickAddresses('10.0.0.0/24', 1, new Set(), [6379])).rejects.toThrow(/inside 127\.0\.0\.0\/8/);
  });
});

describe('topology from the compiled fabric', () => {
  it('cables by the lock allocation and leaves free spine ports without a netdev', () => {
    const r = compileFabric({ text: fabricYaml('t', 2, 1), file: 't.fabric.yaml' });
    if (!r.ok) throw new Error('fixture invalid');
    const topo = labTopology(r, 'legacy-vs');
    expect(topo.links).toContainEqual({ leaf: 'leaf1', leafPort: 'Ethernet120', spine: 'spine1', spinePort: 'Ethernet0' });
    expect(topo.switches.every((s) => s.flavour === 'legacy-vs')).toBe(true);
    const spine = topo.switches.find((s) => s.name === 'spine1')!;
    expect(spine.unplugged).toEqual(['Ethernet120', 'Ethernet124']); // outside spine-ports
    const leaf = topo.switches.find((s) => s.name === 'leaf1')!;
    expect(leaf.unplugged).toHaveLength(30);
    expect(leaf.unplugged).not.toContain('Ethernet120');
  });
});

describe('docs/lab.md', () => {
  it('lists every lab error code, and no other', async () => {
    const { readFileSync } = await import('node:fs');
    const { LAB_ERROR_CODES } = await import('../../src/lab/errors.ts');
    const doc = readFileSync(new URL('../../docs/lab.md', import.meta.url), 'utf8');
    const listed = [...doc.matchAll(/^\| `(LAB_[A-Z_]+)` \|/gm)].map((m) => m[1]).sort();
    expect(listed).toEqual(Object.keys(LAB_ERROR_CODES).sort());
  });
});

describe('docs/inventory.md', () => {
  it('its example is a valid inventory, and the schema rejects unknown keys and a missing transport block', async () => {
    const { readFileSync } = await import('node:fs');
    const { parse } = await import('yaml');
    const { inventorySchema } = await import('../../src/inventory/schema.ts');
    const doc = readFileSync(new URL('../../docs/inventory.md', import.meta.url), 'utf8');
    const example = parse(/```yaml\n([\s\S]*?)```/.exec(doc)![1]!);
    expect(inventorySchema.safeParse(example).success).toBe(true);
    expect(inventorySchema.safeParse({ ...example, extra: 1 }).success).toBe(false);
    const noGnmi = { version: 1, fabric: 'f', switches: { s: { transport: 'gnmi', redis: { host: '127.0.0.1' } } } };
    expect(inventorySchema.safeParse(noGnmi).success).toBe(false);
  });
});
