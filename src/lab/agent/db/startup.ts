// The switch's startup config file and CONFIG_DB: what `config save` and `config reload` do to
// redis (sonic-utilities config/main.py), shared by the agent (save, reload, reboot) and the
// host side (`lab up` seeds the file with the factory state and loads it).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { type ConfigDoc, docToRedis, formatConfigDoc, parseConfigFile, redisToDoc } from './config-file.ts';

/** The switch's /etc/sonic/config_db.json, in its lab directory. */
export function startupConfigPath(switchDir: string): string {
  return join(switchDir, 'config_db.json');
}

/** SONiC's marker: readers of CONFIG_DB wait until it is "1". */
export const INIT_INDICATOR = 'CONFIG_DB_INITIALIZED';

export function readStartupConfig(file: string): ConfigDoc {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`startup config ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
  }
  return parseConfigFile(text, file);
}

/** Writes the file whole (temporary file + rename): a reader never sees half a config. */
export function writeStartupConfig(file: string, doc: ConfigDoc): void {
  const tmp = `${file}.tmp${process.pid}`;
  writeFileSync(tmp, formatConfigDoc(doc));
  renameSync(tmp, file);
}

/** CONFIG_DB as config_db.json (every hash; the indicator and other plain keys are left out). */
export async function readConfigDb(r: Redis): Promise<ConfigDoc> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await r.scan(cursor, 'MATCH', '*', 'COUNT', 1000, 'TYPE', 'hash');
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const pipe = r.pipeline();
  for (const k of keys) pipe.hgetall(k);
  const results = (await pipe.exec()) ?? [];
  const hashes = new Map<string, Record<string, string>>();
  keys.forEach((k, i) => {
    const [err, hash] = results[i] ?? [];
    if (!err && hash && Object.keys(hash).length) hashes.set(k, hash as Record<string, string>);
  });
  return redisToDoc(hashes);
}

/** `config save`: CONFIG_DB → the startup file. */
export async function saveConfigDb(r: Redis, file: string): Promise<void> {
  writeStartupConfig(file, await readConfigDb(r));
}

/** `config reload`'s part on redis: FLUSHDB, indicator "0", every entry of the doc, indicator
 *  "1" (what readers wait for). Not one transaction, as on SONiC: the indicator guards it. */
export async function loadConfigDb(r: Redis, doc: ConfigDoc): Promise<void> {
  await r.flushdb();
  await r.set(INIT_INDICATOR, '0');
  const pipe = r.pipeline();
  for (const [key, fields] of docToRedis(doc)) pipe.hset(key, fields);
  const results = (await pipe.exec()) ?? [];
  const failed = results.find(([err]) => err);
  if (failed) throw new Error(`loading the startup config into CONFIG_DB failed: ${String(failed[0])}`);
  await r.set(INIT_INDICATOR, '1');
}
