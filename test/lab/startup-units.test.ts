// The emulated switch's startup config and factory states without daemons: config_db.json ↔
// redis as ConfigDBConnector converts them, `config save`'s byte form, SONiC's t1 and l2 preset
// rules (config_samples.py), FILE factories, and what `clos lab exec` makes of reboot, shutdown
// and friends (never run here: only the plan is inspected, and the guard scripts are run with
// a recorder earlier in PATH than any real reboot).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { docToRedis, formatConfigDoc, parseConfigFile, redisToDoc } from '../../src/lab/agent/db/config-file.ts';
import { planExec } from '../../src/lab/exec.ts';
import { GUARD_DIR } from '../../src/lab/exec-guard.ts';
import { factoryConfig, parseFactory, t1Config, l2Config } from '../../src/lab/factory.ts';
import { BUILTIN_PLATFORMS } from '../../src/core/platform/catalogue.ts';

const S6000 = BUILTIN_PLATFORMS.get('Force10-S6000')!;

const tmp = mkdtempSync(join(tmpdir(), 'clos-startup-units-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sw = { name: 'leaf1', hwsku: S6000.name, ports: S6000.ports, mac: '52:54:00:12:34:56', mtu: 9100 };

describe('config_db.json and CONFIG_DB', () => {
  it('file → redis: strings, lists as name@, empty entries as NULL', () => {
    const r = docToRedis({ BGP_NEIGHBOR: { '10.0.0.1': { asn: '65200', rrclient: 0, admin: true } }, VLAN: { Vlan10: { members: ['Ethernet0', 'Ethernet4'] } }, INTERFACE: { Ethernet0: {} } });
    expect(r.get('BGP_NEIGHBOR|10.0.0.1')).toEqual({ asn: '65200', rrclient: '0', admin: 'True' });
    expect(r.get('VLAN|Vlan10')).toEqual({ 'members@': 'Ethernet0,Ethernet4' });
    expect(r.get('INTERFACE|Ethernet0')).toEqual({ NULL: 'NULL' });
  });

  it('redis → file in config save form: sorted keys at every level, 4-space indent, ASCII, newline', () => {
    const doc = redisToDoc(
      new Map<string, Record<string, string>>([
        ['PORT|Ethernet4', { speed: '40000', alias: 'fortyGigE0/4' }],
        ['INTERFACE|Ethernet0|10.0.0.0/31', { NULL: 'NULL' }],
        ['DEVICE_METADATA|localhost', { hostname: 'sw\u00e9', bgp_asn: '65100' }],
        ['VLAN|Vlan10', { 'members@': 'Ethernet0,Ethernet4' }],
      ]),
    );
    const text = formatConfigDoc(doc);
    expect(text).toBe(
      [
        '{',
        '    "DEVICE_METADATA": {',
        '        "localhost": {',
        '            "bgp_asn": "65100",',
        '            "hostname": "sw\\u00e9"',
        '        }',
        '    },',
        '    "INTERFACE": {',
        '        "Ethernet0|10.0.0.0/31": {}',
        '    },',
        '    "PORT": {',
        '        "Ethernet4": {',
        '            "alias": "fortyGigE0/4",',
        '            "speed": "40000"',
        '        }',
        '    },',
        '    "VLAN": {',
        '        "Vlan10": {',
        '            "members": [',
        '                "Ethernet0",',
        '                "Ethernet4"',
        '            ]',
        '        }',
        '    }',
        '}',
        '',
      ].join('\n'),
    );
    // And back: the same hashes.
    expect(docToRedis(parseConfigFile(text, 'x')).get('VLAN|Vlan10')).toEqual({ 'members@': 'Ethernet0,Ethernet4' });
  });

  it('a malformed file is refused naming the file and the entry', () => {
    expect(() => parseConfigFile('{', '/f.json')).toThrow(/\/f\.json: not valid JSON/);
    expect(() => parseConfigFile('{"PORT": {"Ethernet0": {"mtu": {"x": 1}}}}', '/f.json')).toThrow(/\/f\.json: PORT\|Ethernet0 field mtu must be/);
    expect(() => parseConfigFile('[]', '/f.json')).toThrow(/JSON object of tables/);
  });
});

describe('factory states', () => {
  it('vs: every port admin down with its platform fields, DEVICE_METADATA with the mac only', () => {
    const doc = factoryConfig({ kind: 'vs' }, sw);
    expect(doc.DEVICE_METADATA).toEqual({ localhost: { mac: sw.mac } });
    expect(Object.keys(doc.PORT!)).toHaveLength(32);
    expect(doc.PORT!.Ethernet0).toEqual({ admin_status: 'down', alias: 'fortyGigE0/0', index: '0', lanes: '25,26,27,28', mtu: '9100', speed: '40000' });
  });

  it('t1: the preset rules of config_samples.py, ports in natural order', () => {
    const doc = t1Config(sw);
    expect(doc.DEVICE_METADATA!.localhost).toEqual({ hostname: 'sonic', type: 'LeafRouter', bgp_asn: '65100', hwsku: S6000.name, mac: sw.mac, platform: 'x86_64-kvm_x86_64-r0' });
    expect(doc.LOOPBACK_INTERFACE).toEqual({ Loopback0: {}, 'Loopback0|10.1.0.1/32': {} });
    expect(doc.FLEX_COUNTER_TABLE).toEqual({ ACL: { FLEX_COUNTER_STATUS: 'disable', POLL_INTERVAL: '10000' } });
    expect(doc.DEVICE_NEIGHBOR).toEqual({});
    // 32 ports: Ethernet0 … Ethernet124, the n-th (natural order) gets 10.0.0.2n/31.
    expect(Object.keys(doc.INTERFACE!)).toHaveLength(64);
    expect(doc.INTERFACE!['Ethernet0|10.0.0.0/31']).toEqual({});
    expect(doc.INTERFACE!['Ethernet8|10.0.0.4/31']).toEqual({});
    expect(doc.INTERFACE!['Ethernet124|10.0.0.62/31']).toEqual({});
    expect(Object.values(doc.PORT!).every((p) => p.admin_status === 'up' && p.mtu === '9100')).toBe(true);
    expect(Object.keys(doc.BGP_NEIGHBOR!)).toHaveLength(32);
    expect(doc.BGP_NEIGHBOR!['10.0.0.1']).toEqual({ rrclient: 0, name: 'ARISTA01T2', local_addr: '10.0.0.0', nhopself: 0, holdtime: '180', asn: '65200', keepalive: '60' });
    expect(doc.BGP_NEIGHBOR!['10.0.0.31']).toMatchObject({ name: 'ARISTA16T2', asn: '65200', local_addr: '10.0.0.30' });
    expect(doc.BGP_NEIGHBOR!['10.0.0.33']).toMatchObject({ name: 'ARISTA01T0', asn: '64001', local_addr: '10.0.0.32' });
    expect(doc.BGP_NEIGHBOR!['10.0.0.63']).toMatchObject({ name: 'ARISTA16T0', asn: '64016' });
    // Integers stay integers in the file (sonic-cfggen prints them so), strings in redis.
    expect(formatConfigDoc(doc)).toMatch(/"nhopself": 0,\n {12}"rrclient": 0\n/);
    expect(docToRedis(doc).get('BGP_NEIGHBOR|10.0.0.1')!.rrclient).toBe('0');
  });

  it('t1 past 128 ports carries into the third octet (10.0.1.0/31 for the 129th port)', () => {
    const ports = Array.from({ length: 130 }, (_, i) => ({ name: `Ethernet${i}`, alias: `e${i}`, lanes: String(i), index: i, speed: 10000 }));
    const doc = t1Config({ ...sw, ports });
    expect(doc.INTERFACE!['Ethernet128|10.0.1.0/31']).toEqual({});
    expect(doc.BGP_NEIGHBOR!['10.0.1.1']).toMatchObject({ local_addr: '10.0.1.0', name: 'ARISTA64T0', asn: '64064' });
  });

  it('l2: Vlan1000 with every port untagged, every port admin up, no addresses, no BGP', () => {
    const doc = l2Config(sw);
    expect(doc.VLAN).toEqual({ Vlan1000: { vlanid: '1000' } });
    expect(Object.keys(doc.VLAN_MEMBER!)).toHaveLength(32);
    expect(doc.VLAN_MEMBER!['Vlan1000|Ethernet124']).toEqual({ tagging_mode: 'untagged' });
    expect(Object.values(doc.PORT!).every((p) => p.admin_status === 'up' && p.mtu === undefined)).toBe(true);
    expect(doc.INTERFACE).toBeUndefined();
    expect(doc.BGP_NEIGHBOR).toBeUndefined();
    expect(doc.DEVICE_METADATA!.localhost).toEqual({ hwsku: S6000.name, mac: sw.mac, platform: 'x86_64-kvm_x86_64-r0' });
  });

  it('FILE: one file for every switch, or a directory of <switch>.config_db.json; errors name the file', () => {
    const one = join(tmp, 'one.json');
    writeFileSync(one, JSON.stringify({ PORTCHANNEL: { PortChannel1: { mtu: '9100' } } }));
    expect(factoryConfig(parseFactory(one), sw)).toEqual({ PORTCHANNEL: { PortChannel1: { mtu: '9100' } } });
    const dir = join(tmp, 'dir');
    mkdirSync(dir);
    writeFileSync(join(dir, 'leaf1.config_db.json'), '{"DEVICE_METADATA": {"localhost": {"hostname": "old-leaf1"}}}');
    writeFileSync(join(dir, 'leaf2.config_db.json'), '{"DEVICE_METADATA": 1}');
    expect(factoryConfig(parseFactory(dir), sw).DEVICE_METADATA).toEqual({ localhost: { hostname: 'old-leaf1' } });
    expect(() => factoryConfig(parseFactory(dir), { ...sw, name: 'leaf2' })).toThrow(/switch leaf2: .*leaf2\.config_db\.json: table DEVICE_METADATA must be an object/);
    expect(() => factoryConfig(parseFactory(dir), { ...sw, name: 'spine1' })).toThrow(expect.objectContaining({ code: 'LAB_BAD_FACTORY', message: expect.stringMatching(/without spine1\.config_db\.json/) }));
    expect(() => parseFactory(join(tmp, 'nope'))).toThrow(/not vs, t1 or l2, and no such file or directory/);
  });
});

describe('clos lab exec never reboots or stops the host', () => {
  const s = { dir: '/run/clos/lab/f/leaf1', namespace: 'clos-f-leaf1', name: 'leaf1' };
  const agentOf = (argv: string[]) => {
    const p = planExec(s, argv);
    return p.kind === 'run' ? p.agent : p.kind;
  };

  it('reboot in any spelling is the emulated switch reboot, sent to its agent, never a host program', () => {
    for (const argv of [['reboot'], ['sudo', 'reboot'], ['/sbin/reboot'], ['/usr/sbin/reboot', '-f'], ['sudo', 'sudo', '/sbin/reboot'], ['systemctl', 'reboot']]) {
      const p = planExec(s, argv);
      expect(p.kind === 'run' && p.agent).toBe('reboot');
      // What would be exec'd: node with the agent-request client and the switch's socket.
      expect(p.kind === 'run' && p.args.slice(-3)).toEqual(['leaf1', '/run/clos/lab/f/leaf1/agent.sock', 'reboot']);
      expect(p.kind === 'run' && [p.cmd, ...p.args.slice(0, -1)].some((a) => /(^|\/)(reboot|systemctl)$/.test(a))).toBe(false);
    }
  });

  it('shutdown, poweroff, halt, init, telinit, systemctl power verbs, sysrq, and any of them inside a shell line are refused', () => {
    const refused = [
      ['shutdown', '-r', 'now'],
      ['poweroff'],
      ['sudo', '/sbin/halt'],
      ['init', '0'],
      ['telinit', '6'],
      ['systemctl', 'poweroff'],
      ['systemctl', '--force', 'halt'],
      ['systemctl', 'start', 'reboot.target'],
      ['systemctl', 'isolate', 'poweroff.target'],
      ['bash', '-c', 'reboot'],
      ['sh', '-c', 'sleep 1; /usr/sbin/reboot -f'],
      ['bash', '-c', 'echo b > /proc/sysrq-trigger'],
      ['nohup', 'shutdown', '-h', 'now'],
      ['env', 'X=1', 'poweroff'],
      ['xargs', 'halt'],
      ['bash', '-c', 'systemctl reboot'],
    ];
    for (const argv of refused) expect(() => planExec(s, argv), argv.join(' ')).toThrow(expect.objectContaining({ code: 'LAB_REFUSED', message: expect.stringMatching(/would act on the host, not on the emulated switch/) }));
  });

  it('config save -y and config reload -y go to the agent; without -y, another file or another config command: a clear error', () => {
    expect(agentOf(['config', 'save', '-y'])).toBe('config-save');
    expect(agentOf(['sudo', 'config', 'reload', '-y'])).toBe('config-reload');
    expect(agentOf(['config', 'reload', '-y', '/etc/sonic/config_db.json'])).toBe('config-reload');
    expect(() => planExec(s, ['config', 'save'])).toThrow(/config save: give -y/);
    expect(() => planExec(s, ['config', 'save', '-y', '/tmp/x.json'])).toThrow(/startup config only/);
    expect(() => planExec(s, ['config', 'interface', 'startup', 'Ethernet0'])).toThrow(/save and reload only/);
  });

  it('ordinary commands run with the guard first in PATH; its scripts refuse, a recorder behind them is never reached', () => {
    const p = planExec(s, ['bash', '-c', 'true']);
    expect(p.kind === 'run' && p.cmd).toBe('env');
    expect(p.kind === 'run' && p.args[0]).toBe(`PATH=${GUARD_DIR}:${process.env.PATH}`);
    // A recorder named like every power program, in PATH behind the guard and ahead of /sbin.
    const rec = join(tmp, 'rec');
    mkdirSync(rec);
    const log = join(tmp, 'called.log');
    for (const n of ['reboot', 'shutdown', 'poweroff', 'halt', 'init', 'telinit', 'systemctl']) {
      writeFileSync(join(rec, n), `#!/bin/sh\necho "${n} $*" >> ${log}\n`);
      chmodSync(join(rec, n), 0o755);
    }
    const path = `${GUARD_DIR}:${rec}:/usr/sbin:/usr/bin:/sbin:/bin`;
    // Names built at run time defeat the plan's scan: the guard is what stops them.
    for (const script of ['x=re; ${x}boot', 'p=power; ${p}off', 'h=ha; ${h}lt -f', 's=shut; ${s}down -r now', 'c=systemctl; $c reboot', 'c=systemctl; $c start poweroff.target', 'i=ini; ${i}t 6']) {
      const r = spawnSync('bash', ['-c', script], { env: { PATH: path }, encoding: 'utf8' });
      expect(r.status, script).toBe(1);
      expect(r.stderr).toMatch(/clos lab exec: refused .*would act on the host/);
    }
    // systemctl's harmless verbs pass through to the real one (here: the recorder behind it).
    expect(spawnSync('bash', ['-c', 'c=systemctl; $c is-system-running'], { env: { PATH: path }, encoding: 'utf8' }).status).toBe(0);
    expect(existsSync(log) ? spawnSync('cat', [log], { encoding: 'utf8' }).stdout : '').toBe('systemctl is-system-running\n');
  });
});

describe('clos lab exec: the startup config at its SONiC path', () => {
  it('cat /etc/sonic/config_db.json reads the switch\'s own startup config, inside its namespace', () => {
    const p = planExec({ dir: '/run/clos/lab/f/leaf1', namespace: 'clos-f-leaf1', name: 'leaf1' }, ['sudo', 'cat', '/etc/sonic/config_db.json']);
    expect(p.kind === 'run' && p.args.slice(-2)).toEqual(['cat', '/run/clos/lab/f/leaf1/config_db.json']);
    expect(p.kind === 'run' && p.args).toContain('clos-f-leaf1');
  });
});
