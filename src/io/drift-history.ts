// The history of drift reports of a fabric: one JSON file per round in the state directory,
// `<state dir>/drift/<timestamp>.json`, named so that names sort by time.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DriftReport } from '../results/drift-schema.ts';
import { writeFileAtomic } from './files.ts';

export function driftHistoryDir(stateDir: string): string {
  return join(stateDir, 'drift');
}

/** 2026-11-23T16:30:00.123Z → 20261123T163000123Z */
export function historyName(at: string): string {
  return `${at.replace(/[-:.]/g, '')}.json`;
}

export async function saveDriftReport(stateDir: string, report: DriftReport): Promise<string> {
  const path = join(driftHistoryDir(stateDir), historyName(report.at));
  await writeFileAtomic(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}

/** Reports kept for the fabric, oldest first (paths). */
export function driftHistory(stateDir: string): string[] {
  const dir = driftHistoryDir(stateDir);
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => join(dir, f)) : [];
}
