// A switch's startup config (/etc/sonic/config_db.json) and CONFIG_DB, converted both ways the
// way SONiC's ConfigDBConnector does it (sonic-py-swsscommon configdb.py):
// - file → redis (`sonic-cfggen -j FILE --write-to-db`, `config reload`): `{TABLE: {key:
//   {field: value}}}`, every value written as its string, a list as field `name@` = "a,b", an
//   entry without fields as `NULL: NULL`;
// - redis → file (`sonic-cfggen -d --print-data`, what `config save` writes): every hash under
//   `TABLE|key`, the `NULL` filler dropped, `name@` back to a list; JSON with sorted keys and a
//   4-space indent, non-ASCII escaped (Python's json.dumps(sort_keys=True, indent=4)).
import { dropNull, type Fields, splitConfigKey } from './keys.ts';

/** One field's value as a config_db.json file may hold it. */
export type FileValue = string | number | boolean | readonly string[];
export type ConfigDoc = Record<string, Record<string, Record<string, FileValue>>>;

export class ConfigFileError extends Error {}

/** Checks the shape of a parsed config_db.json; `where` names the file in errors. */
export function checkConfigDoc(doc: unknown, where: string): ConfigDoc {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(doc)) throw new ConfigFileError(`${where}: a config_db.json is a JSON object of tables`);
  for (const [table, entries] of Object.entries(doc)) {
    if (!isObj(entries)) throw new ConfigFileError(`${where}: table ${table} must be an object of entries`);
    for (const [key, fields] of Object.entries(entries)) {
      if (!isObj(fields)) throw new ConfigFileError(`${where}: ${table}|${key} must be an object of fields`);
      for (const [f, v] of Object.entries(fields)) {
        const ok = ['string', 'number', 'boolean'].includes(typeof v) || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
        if (!ok) throw new ConfigFileError(`${where}: ${table}|${key} field ${f} must be a string, number, boolean or list of strings`);
      }
    }
  }
  return doc as ConfigDoc;
}

export function parseConfigFile(text: string, where: string): ConfigDoc {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ConfigFileError(`${where}: not valid JSON: ${(e as Error).message}`);
  }
  return checkConfigDoc(doc, where);
}

/** Python's str() of a JSON scalar, as typed_to_raw writes it. */
function pyStr(v: string | number | boolean): string {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return String(v);
}

/** The redis hashes a config doc becomes: `TABLE|key` → fields. */
export function docToRedis(doc: ConfigDoc): Map<string, Fields> {
  const out = new Map<string, Fields>();
  for (const [table, entries] of Object.entries(doc)) {
    for (const [key, fields] of Object.entries(entries)) {
      const raw: Record<string, string> = {};
      for (const [f, v] of Object.entries(fields)) {
        if (Array.isArray(v)) raw[`${f}@`] = v.join(',');
        else raw[f] = pyStr(v as string | number | boolean);
      }
      out.set(`${table}|${key}`, Object.keys(raw).length ? raw : { NULL: 'NULL' });
    }
  }
  return out;
}

/** CONFIG_DB's hashes (full key → fields) as config_db.json holds them. */
export function redisToDoc(hashes: ReadonlyMap<string, Record<string, string>>): ConfigDoc {
  const doc: ConfigDoc = {};
  for (const [full, raw] of hashes) {
    const k = splitConfigKey(full);
    if (!k) continue; // CONFIG_DB_INITIALIZED and other plain keys are not config
    const fields: Record<string, FileValue> = {};
    for (const [f, v] of Object.entries(dropNull(raw))) {
      if (f.endsWith('@')) fields[f.slice(0, -1)] = v === '' ? [] : v.split(',');
      else fields[f] = v;
    }
    (doc[k.table] ??= {})[k.key] = fields;
  }
  return doc;
}

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = sortDeep((v as Record<string, unknown>)[k]);
  return out;
}

/** `config save`'s form: sorted keys, 4-space indent, ASCII only, one trailing newline. */
export function formatConfigDoc(doc: ConfigDoc): string {
  const json = JSON.stringify(sortDeep(doc), null, 4);
  return `${json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}
