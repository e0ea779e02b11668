// A fabric of in-memory switches behind the real services: factory CONFIG_DB like
// docker-sonic-vs, an exec channel that records what it is asked and answers vtysh.
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecChannel, ExecResult } from '../../src/transport/transport.ts';
import type { SwitchLink } from '../../src/transport/connect.ts';
import { MemoryTransport } from '../../src/transport/memory.ts';
import { loadFabric } from '../../src/io/fabric.ts';
import { StateDir } from '../../src/io/state-dir.ts';
import { FabricSession } from '../../src/services/session.ts';

export interface MemorySwitch {
  transport: MemoryTransport;
  commands: string[][];
  frrPeers: Record<string, { remoteAs: number; state: string }>;
  /** The FRR daemons running, as `vtysh -c 'show daemons'` lists them. */
  daemons: string[];
  /** The switch's startup config: its factory CONFIG_DB, then what `config save -y` last wrote. */
  startup: Map<string, Record<string, string>>;
  /** Set to make `cat` of the startup config print this instead. */
  startupText?: string;
  /** Set to make `config save -y` fail with this message. */
  failSave?: string;
}

export async function memoryFabric(opts: { flavour?: 'sonic' | 'legacy-vs'; hint?: boolean; fabric?: string } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'clos-mem-'));
  const file = join(dir, 'dc1.fabric.yaml');
  cpSync(new URL(`../../topologies/${opts.fabric ?? 'dc1'}.fabric.yaml`, import.meta.url).pathname, file);
  const loaded = await loadFabric(file, { writeLock: true });
  const switches = new Map<string, MemorySwitch>();
  for (const s of loaded.intents) {
    const t = new MemoryTransport(s.name);
    for (const p of s.platform.ports) {
      t.dbs.CONFIG_DB.set(`PORT|${p.name}`, { admin_status: 'down', alias: p.alias, lanes: p.lanes, index: String(p.index), speed: String(p.speed), mtu: '9100' });
    }
    t.dbs.CONFIG_DB.set('DEVICE_METADATA|localhost', { mac: '52:54:00:00:00:01' });
    // Its factory state is its startup config too, as on a switch fresh from the factory.
    switches.set(s.name, { transport: t, commands: [], frrPeers: {}, daemons: ['zebra', 'bgpd'], startup: new Map([...t.dbs.CONFIG_DB].map(([k, v]) => [k, { ...v }])) });
  }
  const link = (name: string): SwitchLink => {
    const sw = switches.get(name)!;
    const exec: ExecChannel = {
      endpoint: `fake-exec ${name}`,
      run: async (argv): Promise<ExecResult> => {
        // What clos asks to know the daemons run (verify, drift) is not a command it gives.
        if (argv.join(' ') === 'vtysh -c show daemons') return { code: 0, stdout: ` ${sw.daemons.join(' ')}\n`, stderr: '' };
        sw.commands.push([...argv]);
        if (argv.join(' ') === 'config save -y') {
          if (sw.failSave) return { code: 1, stdout: '', stderr: sw.failSave };
          sw.startup = new Map([...sw.transport.dbs.CONFIG_DB].map(([k, v]) => [k, { ...v }]));
          return { code: 0, stdout: '', stderr: '' };
        }
        if (argv.join(' ') === 'cat /etc/sonic/config_db.json') {
          if (sw.startupText !== undefined) return { code: 0, stdout: sw.startupText, stderr: '' };
          return { code: 0, stdout: startupJson(sw.startup), stderr: '' };
        }
        if (argv[0] === 'vtysh' && argv[2] === 'show bgp summary json') {
          return { code: 0, stdout: JSON.stringify(Object.keys(sw.frrPeers).length ? { ipv4Unicast: { peers: sw.frrPeers } } : {}), stderr: '' };
        }
        if (argv[0] === 'vtysh' && argv[2] === 'configure terminal') {
          for (let i = 0; i < argv.length; i++) {
            const m = /^neighbor (\d+\.\d+\.\d+\.\d+) remote-as (\d+)$/.exec(argv[i] ?? '');
            if (m) sw.frrPeers[m[1]!] = { remoteAs: Number(m[2]), state: 'Established' };
          }
        }
        return { code: 0, stdout: '', stderr: '' };
      },
    };
    const flavour = opts.flavour ?? 'sonic';
    return { name, transport: sw.transport, exec, ...(opts.hint === false ? {} : { flavourHint: flavour }), close: async () => {} };
  };
  const session = new FabricSession(loaded, { version: 1, fabric: loaded.fabric.name, switches: {} }, '(memory)', new StateDir(join(dir, 'state')), {
    concurrency: 4,
    connect: async (n) => link(n),
  });
  return { session, switches, dir, file };
}

/** A startup config as `config save` writes it: tables of keys of fields (every in-memory fake
 *  switch prints it for `cat /etc/sonic/config_db.json`). */
export function startupJson(db: ReadonlyMap<string, Record<string, string>>): string {
  const doc: Record<string, Record<string, Record<string, string>>> = {};
  for (const [k, v] of db) {
    const i = k.indexOf('|');
    (doc[k.slice(0, i)] ??= {})[k.slice(i + 1)] = v;
  }
  return JSON.stringify(doc);
}
