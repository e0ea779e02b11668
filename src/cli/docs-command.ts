// `clos docs F [-o DIR] [--racks r5,r6]`: flags → the compiled fabric (read with its lock, never
// written: docs only describe) → the pure generator → one atomic write of every file.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ValueError } from '../core/values.ts';
import { EXIT } from './exit-codes.ts';
import type { Io } from './output.ts';

export function registerDocsCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('docs')
    .description('cabling, IP and ASN plans, per-rack sheets, a diagram and NetBox import files (no switch access; the lock is read, never written)')
    .argument('<fabric>', 'fabric file')
    .option('-o, --output <dir>', 'output directory (default docs-<fabric>)')
    .option('--racks <list>', 'only what these racks add (comma-separated): the work order for adding them')
    .action(async (file: string, flags: { output?: string; racks?: string }) => {
      const racks = flags.racks?.split(',').map((r) => r.trim()).filter(Boolean);
      if (flags.racks !== undefined && racks!.length === 0) throw new ValueError('--racks needs at least one rack name');
      const { fabricDocs } = await import('../fabric-docs/generate.ts');
      const { unknownRacks } = await import('../fabric-docs/handbook.ts');
      const { loadFabric } = await import('../io/fabric.ts');
      const { writeFilesAtomic } = await import('../io/files.ts');
      // The documents need the intent, not CONFIG_DB: nothing is rendered (every check of the
      // fabric file still runs; a test holds the documents to what render writes).
      const f = await loadFabric(file, { writeLock: false, render: false });
      const unknown = racks ? unknownRacks(f, racks) : [];
      if (unknown.length > 0) {
        io.err(`clos docs: --racks: no rack ${unknown.join(', ')} in fabric ${f.fabric.name} (racks: ${f.fabric.racks.map((r) => r.name).join(', ')})`);
        setExit(EXIT.ERROR);
        return;
      }
      const dir = flags.output ?? `docs-${f.fabric.name}`;
      const docs = fabricDocs(f, racks ? { racks } : {});
      await writeFilesAtomic(new Map([...docs].map(([rel, text]) => [join(dir, rel), text])));
      await removeStale(dir, docs);
      if (f.changes.length > 0) io.err(`clos docs: ${f.changes.length} allocation change(s) are not in the lock yet; the documents show what \`clos render\` would record (\`clos plan --offline\` lists them)`);
      io.out(`wrote ${docs.size} files to ${dir}${racks ? ` (racks ${racks.join(', ')})` : ''}`);
      setExit(EXIT.OK);
    });
}

/** A rack sheet or NetBox file of an earlier run that this run did not write (a rack since
 *  removed, an object type no longer needed) would be read as current: remove it. Only those two
 *  folders, only those file kinds. */
async function removeStale(dir: string, docs: ReadonlyMap<string, string>): Promise<void> {
  for (const [sub, ext] of [['racks', '.md'], ['netbox', '.csv']] as const) {
    const names = await readdir(join(dir, sub)).catch(() => [] as string[]);
    for (const n of names) if (n.endsWith(ext) && !docs.has(`${sub}/${n}`)) await rm(join(dir, sub, n), { force: true });
  }
}
