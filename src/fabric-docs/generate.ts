// `clos docs`: compiled intent → the fabric's documents, as a map from a path relative to the
// output directory to its content. Pure and deterministic (no clock, no machine): the same
// fabric and lock give byte-identical files.
import type { Compiled } from '../core/compile.ts';
import { cablingCsv, cablingMd } from './cabling.ts';
import { buildHandbook } from './handbook.ts';
import { indexMd } from './index-page.ts';
import { netboxFiles } from './netbox.ts';
import { asnPlanCsv, ipPlanCsv } from './plans.ts';
import { rackSheet } from './rack-sheet.ts';
import { fabricSvg } from './svg.ts';

export interface DocsOptions {
  /** Only what these racks add (the work order for adding them); the caller has checked that
   *  each exists (unknownRacks). */
  readonly racks?: readonly string[];
}

export function fabricDocs(compiled: Compiled, opts: DocsOptions = {}): Map<string, string> {
  const h = buildHandbook(compiled, opts.racks);
  const files = new Map<string, string>();
  files.set('cabling.csv', cablingCsv(h));
  files.set('cabling.md', cablingMd(h));
  files.set('ip-plan.csv', ipPlanCsv(h));
  files.set('asn-plan.csv', asnPlanCsv(h));
  for (const r of h.racks) files.set(`racks/${r.rack.name}.md`, rackSheet(h, r));
  files.set('fabric.svg', fabricSvg(h));
  for (const [path, text] of netboxFiles(h)) files.set(path, text);
  const index = indexMd(h, ['index.md', ...files.keys()]);
  return new Map([['index.md', index], ...files]);
}
