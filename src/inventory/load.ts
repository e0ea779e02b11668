// Reads and checks an inventory file. Which file: --inventory, else the default the caller
// hands in (the CLI: the inventory of the fabric's running lab, written by `clos lab up`).
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { inventorySchema, type Inventory } from './schema.ts';

export class InventoryError extends Error {
  readonly code = 'INVENTORY_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'InventoryError';
  }
}

export function readInventory(file: string): Inventory {
  let data: unknown;
  try {
    data = parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InventoryError(`${file}: cannot read the inventory: ${(e as Error).message.split('\n')[0]}`);
  }
  const r = inventorySchema.safeParse(data);
  if (!r.success) {
    const problems = r.error.issues.map((i) => {
      // `switches.leaf1.exec.user` → `switch leaf1: exec.user "-oProxy…": must be …`
      const [top, name, ...rest] = i.path.map(String);
      const value = valueAt(data, i.path);
      const shown = typeof value === 'string' ? ` ${JSON.stringify(value)}` : '';
      if (top === 'switches' && name !== undefined && rest.length > 0) return `switch ${name}: ${rest.join('.')}${shown}: ${i.message}`;
      return `${i.path.join('.') || '(top level)'}${shown}: ${i.message}`;
    });
    throw new InventoryError(`${file}: invalid inventory: ${problems.join('; ')}`);
  }
  return r.data;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v = data;
  for (const step of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[step] : undefined;
  return v;
}

/** Where a fabric's inventory is when none is named (undefined: nowhere). */
export type DefaultInventory = (fabric: string) => string | undefined;

/** The inventory to use for a fabric, and where it came from. */
export function findInventory(fabric: string, explicit?: string, fallback?: DefaultInventory): { inventory: Inventory; file: string } {
  const file = explicit ?? fallback?.(fabric);
  if (!file) throw new InventoryError(`no inventory for fabric ${fabric}: pass --inventory FILE, or bring the lab up with \`clos lab up\``);
  if (!existsSync(file)) throw new InventoryError(`${file}: inventory file not found`);
  const inventory = readInventory(file);
  if (inventory.fabric !== fabric) throw new InventoryError(`${file}: inventory is for fabric ${inventory.fabric}, not ${fabric}`);
  return { inventory, file };
}
