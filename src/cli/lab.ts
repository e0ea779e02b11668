// `clos lab …`: thin adapters over src/lab (flags → options → one call → print).
import type { Command } from 'commander';
import type { Flavour } from '../core/model.ts';
import { withProgress } from '../progress.ts';
import { EXIT } from './exit-codes.ts';
import { processIo, type Io } from './output.ts';

const FLAVOURS: readonly Flavour[] = ['sonic', 'legacy-vs'];

export function registerLabCommands(program: Command, io: Io = processIo, setExit: (code: number) => void = (c) => (process.exitCode = c)): void {
  const lab = program.command('lab').description('emulated SONiC fabric on this host (root): namespaces, redis, FRR, lldpd');

  lab
    .command('up')
    .description('build the fabric\'s emulated switches, or add what is missing (new racks); creates or updates the lock')
    .argument('<fabric>', 'fabric file')
    .option('--addresses <cidr>', 'loopback range for the switches\' redis servers', '127.0.1.0/24')
    .option('--flavour <flavour>', 'sonic | legacy-vs for every new switch (default: the fabric file\'s)')
    .option('--allow-renumber', 'accept moves of existing allocations')
    .option('--bgpmon-interval <ms>', 'how often the agent copies BGP state to STATE_DB (SONiC: 15000)', '1000')
    .option('--factory <state>', 'vs | t1 | l2 | FILE | DIR: the state new switches come out of the box with, also their startup config (docs/lab.md)', 'vs')
    .action(async (file: string, f: { addresses: string; flavour?: string; allowRenumber?: boolean; bgpmonInterval: string; factory: string }) => {
      if (f.flavour !== undefined && !FLAVOURS.includes(f.flavour as Flavour)) {
        io.err(`clos lab up: --flavour must be ${FLAVOURS.join(' or ')}, not "${f.flavour}"`);
        return setExit(EXIT.ERROR);
      }
      const { labUp } = await import('../lab/lab.ts');
      const { labLogger } = await import('../lab/log.ts');
      const { parseFactory } = await import('../lab/factory.ts');
      const t0 = Date.now();
      const r = await withProgress('lab up', () =>
        labUp(file, {
          addresses: f.addresses,
          ...(f.flavour ? { flavour: f.flavour as Flavour } : {}),
          ...(f.allowRenumber ? { allowRenumber: true } : {}),
          bgpmonIntervalMs: Number(f.bgpmonInterval),
          factory: parseFactory(f.factory),
          log: labLogger(),
        }),
      );
      const n = Object.keys(r.state.switches).length;
      io.out(
        r.added.length === 0 && r.cablesAdded === 0
          ? `lab ${r.state.fabric}: up, nothing to add (${n} switches); inventory ${r.state.inventory}`
          : `lab ${r.state.fabric}: added ${r.added.length} switch(es) and ${r.cablesAdded} cable(s) in ${((Date.now() - t0) / 1000).toFixed(1)} s (${n} switches); inventory ${r.state.inventory}`,
      );
      setExit(EXIT.OK);
    });

  lab
    .command('down')
    .description('stop the lab\'s processes, delete its namespaces and files (safe after a crashed up; idempotent)')
    .argument('<fabric>', 'fabric file or fabric name')
    .action(async (file: string) => {
      const { fabricNameOf } = await import('../lab/lab.ts');
      const { labDown } = await import('../lab/down.ts');
      const { labLogger } = await import('../lab/log.ts');
      const r = await labDown(fabricNameOf(file), { log: labLogger() });
      io.out(`lab ${fabricNameOf(file)}: down (${r.stopped.length} process(es) stopped, ${r.namespaces.length} namespace(s) removed)`);
      setExit(EXIT.OK);
    });

  lab
    .command('status')
    .description('per switch: namespace, redis and gNMI addresses, flavour, daemons alive')
    .argument('<fabric>', 'fabric file or fabric name')
    .option('--json', 'print JSON')
    .action(async (file: string, f: { json?: boolean }) => {
      const { fabricNameOf } = await import('../lab/lab.ts');
      const { formatStatus, labStatus } = await import('../lab/status.ts');
      const st = await labStatus(fabricNameOf(file));
      io.out(f.json ? JSON.stringify(st, null, 2) : formatStatus(st));
      const allUp = st.switches.every((s) => Object.values(s.daemons).every(Boolean));
      setExit(allUp ? EXIT.OK : EXIT.ERROR);
    });

  lab
    .command('exec')
    .description('run a command as on the switch: in its namespace, vtysh/redis-cli pointed at its daemons, `systemctl restart bgp` restarts its routing')
    .argument('<fabric>', 'fabric file or fabric name')
    .argument('<switch>', 'switch name')
    .argument('<command...>', 'the command, after --')
    .allowUnknownOption()
    .action(async (file: string, sw: string, argv: string[]) => {
      const { fabricNameOf } = await import('../lab/lab.ts');
      const { labExec } = await import('../lab/exec.ts');
      const r = await labExec(fabricNameOf(file), sw, argv, { stdio: 'inherit' });
      setExit(r.code);
    });

  lab
    .command('export')
    .description('containerlab topology lab/<fabric>.clab.yml and a matching inventory')
    .argument('<fabric>', 'fabric file')
    .requiredOption('--kind <kind>', 'sonic-vs | sonic-vm')
    .option('-o, --output <file>', 'topology file (default lab/<fabric>.clab.yml)')
    .option('--image <image>', 'node image (default docker-sonic-vs:latest or vrnetlab/sonic_sonic-vs:latest)')
    .option('--mgmt-subnet <cidr>', 'containerlab management network', '172.20.20.0/24')
    .action(async (file: string, f: { kind: string; output?: string; image?: string; mgmtSubnet: string }) => {
      const { labExport } = await import('../lab/export.ts');
      const r = await labExport(file, {
        kind: f.kind,
        ...(f.output ? { output: f.output } : {}),
        ...(f.image ? { image: f.image } : {}),
        mgmtSubnet: f.mgmtSubnet,
      });
      if (!r.ok) {
        for (const e of r.errors) io.err(`clos lab export: ${e}`);
        return setExit(EXIT.INVALID);
      }
      io.out(`wrote ${r.topologyFile} and ${r.inventoryFile}`);
      setExit(EXIT.OK);
    });
}
