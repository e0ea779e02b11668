// A fabric of in-memory switches behind the real services: factory CONFIG_DB like
// docker-sonic-vs, an exec channel that records what it is asked and answers vtysh, `config
// save` and the startup config. test/bringup/memory-lab.ts builds its switches from the same
// parts (factorySwitch, fakeExec) and adds cables and SONiC's daemons.
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecChannel, ExecResult } from '../../src/transport/transport.ts';
import type { SwitchLink } from '../../src/transport/connect.ts';
import { MemoryTransport } from '../../src/transport/memory.ts';
import { loadFabric } from '../../src/io/fabric.ts';
import { StateDir } from '../../src/io/state-dir.ts';
import { FabricSession } from '../../src/services/session.ts';
import type { SwitchIntent } from '../../src/core/model.ts';

export interface MemorySwitch {
  transport: MemoryTransport;
  commands: string[][];
  /** The neighbours of memoryFabric's FRR (every one Established); a MemoryLab models its own. */
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

/** An in-memory switch as docker-sonic-vs comes out of the factory: every port admin down,
 *  DEVICE_METADATA with its mac; that factory state is its startup config too. */
export function factorySwitch(intent: Pick<SwitchIntent, 'name' | 'platform'>): MemorySwitch {
  const t = new MemoryTransport(intent.name);
  for (const p of intent.platform.ports) {
    t.dbs.CONFIG_DB.set(`PORT|${p.name}`, { admin_status: 'down', alias: p.alias, lanes: p.lanes, index: String(p.index), speed: String(p.speed), mtu: '9100' });
  }
  t.dbs.CONFIG_DB.set('DEVICE_METADATA|localhost', { mac: '52:54:00:00:00:01' });
  return { transport: t, commands: [], frrPeers: {}, daemons: ['zebra', 'bgpd'], startup: copyConfigDb(t) };
}

/** What a fake switch's FRR does with vtysh: answers `show bgp summary json` and takes the
 *  lines of `configure terminal`. */
export interface FakeFrr {
  summary(): unknown;
  configure(lines: readonly string[]): void;
}

/** The FRR of memoryFabric's switches: every neighbour configured is Established at once. */
function peersFrr(sw: MemorySwitch): FakeFrr {
  return {
    summary: () => (Object.keys(sw.frrPeers).length ? { ipv4Unicast: { peers: sw.frrPeers } } : {}),
    configure: (lines) => {
      for (const l of lines) {
        const m = /^neighbor (\d+\.\d+\.\d+\.\d+) remote-as (\d+)$/.exec(l);
        if (m) sw.frrPeers[m[1]!] = { remoteAs: Number(m[2]), state: 'Established' };
      }
    },
  };
}

/** The exec channel of an in-memory switch, as SONiC answers it: `show daemons`, `config save
 *  -y` and `cat` of the startup config from `sw`, vtysh's BGP summary and configuration from
 *  its FRR; every command but `show daemons` (what clos asks to know the daemons run, for
 *  verify and drift, is not a command it gives) is recorded in sw.commands. */
export function fakeExec(name: string, sw: MemorySwitch, frr: FakeFrr = peersFrr(sw)): ExecChannel {
  return {
    endpoint: `fake-exec ${name}`,
    run: async (argv): Promise<ExecResult> => {
      const ok = (stdout = ''): ExecResult => ({ code: 0, stdout, stderr: '' });
      const line = argv.join(' ');
      if (line === 'vtysh -c show daemons') return ok(` ${sw.daemons.join(' ')}\n`);
      sw.commands.push([...argv]);
      if (line === 'config save -y') {
        if (sw.failSave) return { code: 1, stdout: '', stderr: sw.failSave };
        sw.startup = copyConfigDb(sw.transport);
        return ok();
      }
      if (line === 'cat /etc/sonic/config_db.json') return ok(sw.startupText ?? startupJson(sw.startup));
      if (argv[0] === 'vtysh' && argv[2] === 'show bgp summary json') return ok(JSON.stringify(frr.summary()));
      // vtysh -c 'configure terminal' -c LINE -c LINE …
      if (argv[0] === 'vtysh' && argv[2] === 'configure terminal') frr.configure(argv.filter((_, i) => i > 2 && i % 2 === 0));
      return ok();
    },
  };
}

function copyConfigDb(t: MemoryTransport): Map<string, Record<string, string>> {
  return new Map([...t.dbs.CONFIG_DB].map(([k, v]) => [k, { ...v }]));
}

export async function memoryFabric(opts: { flavour?: 'sonic' | 'legacy-vs'; hint?: boolean; fabric?: string } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'clos-mem-'));
  const file = join(dir, 'dc1.fabric.yaml');
  cpSync(new URL(`../../topologies/${opts.fabric ?? 'dc1'}.fabric.yaml`, import.meta.url).pathname, file);
  const loaded = await loadFabric(file, { writeLock: true });
  const switches = new Map(loaded.intents.map((s) => [s.name, factorySwitch(s)] as const));
  const flavour = opts.flavour ?? 'sonic';
  const link = (name: string): SwitchLink => {
    const sw = switches.get(name)!;
    return { name, transport: sw.transport, exec: fakeExec(name, sw), ...(opts.hint === false ? {} : { flavourHint: flavour }), close: async () => {} };
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
