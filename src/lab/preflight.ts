// Before building anything: root, and every program the lab runs, with the Debian package that
// provides it (so the error says what to install).
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import type { Flavour } from '../core/model.ts';
import { LabError } from './errors.ts';

interface Program {
  readonly path: string; // absolute, or a name looked up in PATH (+ sbin dirs)
  readonly pkg: string;
  readonly flavours?: readonly Flavour[]; // needed only by these flavours
}

export const PROGRAMS: readonly Program[] = [
  { path: 'ip', pkg: 'iproute2' },
  { path: 'sysctl', pkg: 'procps' },
  { path: 'bash', pkg: 'bash' },
  { path: 'redis-server', pkg: 'redis-server' },
  { path: 'redis-cli', pkg: 'redis-tools' },
  { path: '/usr/lib/frr/zebra', pkg: 'frr' },
  { path: '/usr/lib/frr/bgpd', pkg: 'frr' },
  { path: 'vtysh', pkg: 'frr' },
  { path: 'lldpd', pkg: 'lldpd', flavours: ['sonic'] },
  { path: 'lldpcli', pkg: 'lldpd', flavours: ['sonic'] },
];

export function assertRoot(uid: number = process.getuid?.() ?? -1): void {
  if (uid !== 0) {
    throw new LabError(
      'LAB_NOT_ROOT',
      `clos lab needs root (uid 0, running as uid ${uid}): it creates network namespaces and veth pairs and starts FRR as user frr; run it with sudo`,
    );
  }
}

export function findProgram(path: string, envPath = process.env.PATH ?? ''): string | undefined {
  const candidates = path.startsWith('/')
    ? [path]
    : [...envPath.split(':').filter(Boolean), '/usr/sbin', '/sbin', '/usr/bin', '/bin'].map((d) => join(d, path));
  return candidates.find((c) => {
    try {
      accessSync(c, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function assertPrograms(flavours: ReadonlySet<Flavour>, find: (p: string) => string | undefined = (p) => findProgram(p)): void {
  const missing = PROGRAMS.filter((p) => (!p.flavours || p.flavours.some((f) => flavours.has(f))) && !find(p.path));
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map((p) => p.pkg))];
  throw new LabError(
    'LAB_MISSING_PACKAGE',
    `clos lab needs ${missing.map((p) => `${p.path} (Debian package ${p.pkg})`).join(', ')}: install with apt-get install ${pkgs.join(' ')}`,
  );
}
