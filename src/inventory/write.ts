// Writes an inventory file (YAML), validated against the schema first so that nothing the
// readers would reject is ever written. Keys sorted for stable diffs.
import { renameSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { type Inventory, inventorySchema } from './schema.ts';

export function renderInventory(inv: Inventory): string {
  const valid = inventorySchema.parse(inv);
  const switches = Object.fromEntries(Object.entries(valid.switches).sort(([a], [b]) => a.localeCompare(b)));
  return stringify({ ...valid, switches });
}

export function writeInventory(file: string, inv: Inventory): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, renderInventory(inv));
  renameSync(tmp, file);
}
