// validate, render and plan --offline: thin adapters over loadFabric (flags → options → one
// call → print).
import { join } from 'node:path';
import type { Command } from 'commander';
import type { AllocationChange } from '../core/model.ts';
import { EXIT } from './exit-codes.ts';
import { table, type Io } from './output.ts';
import { livePlan, withSwitchOptions } from './live-commands.ts';

interface AllocFlags {
  allowRenumber?: boolean;
  prune?: boolean;
}

const allocOptions = (f: AllocFlags) => ({
  ...(f.allowRenumber ? { allowRenumber: true } : {}),
  ...(f.prune ? { prune: true } : {}),
});

export function registerCompileCommands(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('validate')
    .description('parse, check and allocate the fabric file (the lock is never written)')
    .argument('<fabric>', 'fabric file')
    .option('--allow-renumber', 'accept moves of existing allocations')
    .option('--prune', 'release what removed racks still reserve')
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, flags: AllocFlags & { json?: boolean }) => {
      const { loadFabric } = await import('../io/fabric.ts');
      const f = await loadFabric(file, { writeLock: false, render: true, ...allocOptions(flags) });
      const summary = {
        fabric: f.fabric.name,
        valid: true,
        spines: f.fabric.spines.length,
        leaves: f.fabric.leaves.length,
        links: f.fabric.cables.length,
        allocationChanges: f.changes.length,
      };
      io.out(flags.json ? JSON.stringify(summary, null, 2) : `${file}: valid: fabric ${summary.fabric}, ${summary.spines} spines, ${summary.leaves} leaves, ${summary.links} links; ${summary.allocationChanges} allocation change(s) pending`);
      setExit(EXIT.OK);
    });

  program
    .command('render')
    .description('write each switch\'s CONFIG_DB (config_db.json or Redis form); creates or updates the lock')
    .argument('<fabric>', 'fabric file')
    .option('-o, --output <dir>', 'output directory (default out/<fabric>)')
    .option('--format <format>', 'config-db | redis', 'config-db')
    .option('--allow-renumber', 'accept moves of existing allocations')
    .option('--prune', 'release what removed racks still reserve')
    .action(async (file: string, flags: AllocFlags & { output?: string; format: string }) => {
      if (flags.format !== 'config-db' && flags.format !== 'redis') {
        io.err(`clos render: --format must be config-db or redis, not "${flags.format}"`);
        setExit(EXIT.ERROR);
        return;
      }
      const { loadFabric } = await import('../io/fabric.ts');
      const { writeFilesAtomic } = await import('../io/files.ts');
      const { serializeLock } = await import('../core/allocate/lock.ts');
      const { toRedisForm } = await import('../core/render/render.ts');
      const f = await loadFabric(file, { writeLock: false, ...allocOptions(flags) });
      const dir = flags.output ?? join('out', f.fabric.name);
      const files = new Map<string, string>();
      for (const [name, db] of f.configs) {
        const body = flags.format === 'redis' ? toRedisForm(db) : db;
        const suffix = flags.format === 'redis' ? 'redis.json' : 'config_db.json';
        files.set(join(dir, `${name}.${suffix}`), `${JSON.stringify(body, null, 4)}\n`);
      }
      // The lock goes with the configs: both land, or (on error) neither.
      files.set(f.lockPath, serializeLock(f.allocation));
      await writeFilesAtomic(files);
      io.out(`wrote ${f.configs.size} ${flags.format === 'redis' ? 'Redis-form' : 'config_db.json'} files to ${dir}; lock ${f.lockPath}`);
      setExit(EXIT.OK);
    });
}

export function registerPlanCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  withSwitchOptions(program
    .command('plan'))
    .description('allocation changes vs the lock (and, live, per switch the CONFIG_DB changes); never writes the lock')
    .argument('<fabric>', 'fabric file')
    .option('--offline', 'only the allocation changes vs the lock file; no switch is contacted')
    .option('--allow-renumber', 'accept moves of existing allocations')
    .option('--prune', 'release what removed racks still reserve')
    .option('--json', 'print JSON')
    .action(async (file: string, flags: AllocFlags & { offline?: boolean; json?: boolean }) => {
      if (!flags.offline) {
        setExit(await livePlan(io, file, flags));
        return;
      }
      const { loadFabric } = await import('../io/fabric.ts');
      const f = await loadFabric(file, { writeLock: false, render: false, ...allocOptions(flags) });
      printAllocationChanges(io, f.changes, f.hadLock, flags.json === true);
      setExit(f.changes.length === 0 ? EXIT.OK : EXIT.PENDING);
    });
}

export function printAllocationChanges(io: Io, changes: readonly AllocationChange[], hadLock: boolean, json: boolean): void {
  if (json) {
    io.out(JSON.stringify({ lock: hadLock ? 'present' : 'absent', allocationChanges: changes }, null, 2));
    return;
  }
  if (changes.length === 0) {
    io.out('Allocation: no changes; the lock file is up to date.');
    return;
  }
  io.out(`Allocation: ${changes.length} change(s)${hadLock ? '' : ' (no lock file yet: everything is new)'}`);
  io.out(table(['change', 'object', 'field', 'from', 'to'], changes.map((c) => [c.kind, c.object, c.field, c.from ?? '', c.to ?? ''])));
}
