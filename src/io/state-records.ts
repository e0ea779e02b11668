// The two records apply keeps per switch, stored so that a run over many switches writes few
// files (see batch.ts for why):
// - the applied scope (what clos last applied to a switch) is a journal, applied.jsonl: one line
//   per record, a later line replacing an earlier one; the records of one turn of the event loop
//   go out in one append. When the journal has grown past twice the snapshot, the snapshot
//   (applied.json, one switch per line) is rewritten with every switch and the journal emptied.
//   A last line cut short by a crash is a record that was never confirmed to its caller: it is
//   not valid JSON and is passed over. The layout before (applied/<switch>.json) is still read,
//   under the snapshot and journal, and removed once a snapshot holds it.
// - the checkpoints of one run are in checkpoints/<run id>/: one switch's alone as <switch>.json,
//   those saved together as a bundle @<n>.jsonl (a header line naming its switches, then one
//   checkpoint per line). A switch saved again in the same run goes into a newer bundle; the
//   newest bundle holding a switch wins, a bundle wins over <switch>.json.
import { appendFileSync, closeSync, existsSync, openSync, readSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import type { Fields } from '../core/diff/flat.ts';
import { Batcher } from './batch.ts';
import { writeFileAtomicSync } from './files.ts';

/** A file's identity and version: a change of any of them means it was rewritten. */
function signature(st: BigIntStats | undefined): string {
  return st ? `${st.ino}:${st.size}:${st.mtimeNs}` : '-';
}

function statOf(p: string): BigIntStats | undefined {
  return statSync(p, { bigint: true, throwIfNoEntry: false });
}

/** Journal bytes below which the snapshot is never rewritten. */
const COMPACT_AT = 1 << 20;

/** One switch's record: its map, and the JSON text it was written as (kept so that folding the
 *  journal does not serialise every switch again). */
interface AppliedRecord {
  readonly map: ReadonlyMap<string, Fields>;
  text?: string;
}

interface AppliedView {
  readonly records: Map<string, AppliedRecord>;
  snapshot: string;
  legacy: string;
  journalIno: bigint;
  journalSize: number;
  /** The journal's last line has no newline (a write cut short). */
  torn: boolean;
}

/** A record as JSON: a list of [key, fields] pairs (see Checkpoint for why not an object). */
const mapJson = (m: ReadonlyMap<string, Fields>): string => JSON.stringify([...m]);

const fromJson = (json: unknown): AppliedRecord => ({ map: mapOf<Fields>(json) });

export class AppliedStore {
  private view: AppliedView | undefined;
  private readonly batch = new Batcher<{ sw: string; record: AppliedRecord }>((items) => this.append(items));

  constructor(
    private readonly dir: string,
    /** Journal bytes below which the snapshot is never rewritten. */
    private readonly compactAt = COMPACT_AT,
  ) {}

  private get snapshotPath(): string {
    return join(this.dir, 'applied.json');
  }
  private get journalPath(): string {
    return join(this.dir, 'applied.jsonl');
  }
  private get legacyDir(): string {
    return join(this.dir, 'applied');
  }

  get(sw: string): Map<string, Fields> | undefined {
    const r = this.load().records.get(sw);
    return r ? new Map(r.map) : undefined;
  }

  /** Resolves once the record is on disk (with the others of its turn). */
  save(sw: string, flat: ReadonlyMap<string, Fields> | null): Promise<void> {
    const map = new Map(flat ?? []);
    return this.batch.add({ sw, record: { map, text: mapJson(map) } });
  }

  /** The records as on disk now: what was read before, plus what the journal has grown by. */
  private load(): AppliedView {
    const snap = signature(statOf(this.snapshotPath));
    const legacy = signature(statOf(this.legacyDir));
    const journal = statOf(this.journalPath);
    const v = this.view;
    if (v && v.snapshot === snap && v.legacy === legacy && (journal ? journal.ino === v.journalIno && Number(journal.size) >= v.journalSize : v.journalSize === 0)) {
      if (journal && Number(journal.size) > v.journalSize) this.replay(v, readFileSync(this.journalPath).subarray(v.journalSize).toString('utf8'), Number(journal.size));
      return v;
    }
    const records = new Map<string, AppliedRecord>();
    if (existsSync(this.legacyDir)) {
      for (const f of readdirSync(this.legacyDir)) {
        if (f.endsWith('.json') && !f.startsWith('.')) records.set(f.slice(0, -5), fromJson(JSON.parse(readFileSync(join(this.legacyDir, f), 'utf8'))));
      }
    }
    if (snap !== '-') for (const [sw, r] of Object.entries(JSON.parse(readFileSync(this.snapshotPath, 'utf8')) as Record<string, unknown>)) records.set(sw, fromJson(r));
    const fresh: AppliedView = { records, snapshot: snap, legacy, journalIno: journal?.ino ?? 0n, journalSize: 0, torn: false };
    if (journal) this.replay(fresh, readFileSync(this.journalPath, 'utf8'), Number(journal.size));
    this.view = fresh;
    return fresh;
  }

  private replay(v: AppliedView, text: string, size: number): void {
    for (const line of text.split('\n')) {
      if (line === '') continue;
      let rec: { switch: string; applied: unknown };
      try {
        rec = JSON.parse(line) as typeof rec;
      } catch {
        continue; // cut short by a crash: never confirmed
      }
      v.records.set(rec.switch, fromJson(rec.applied));
    }
    v.journalSize = size;
    v.torn = !text.endsWith('\n');
  }

  private append(items: readonly { sw: string; record: AppliedRecord }[]): void {
    const v = this.load();
    const chunk = `${v.torn ? '\n' : ''}${items.map((i) => `{"switch":${JSON.stringify(i.sw)},"applied":${i.record.text}}`).join('\n')}\n`;
    mkdirSync(this.dir, { recursive: true });
    appendFileSync(this.journalPath, chunk);
    for (const i of items) v.records.set(i.sw, i.record);
    const st = statOf(this.journalPath)!;
    v.journalIno = st.ino;
    v.journalSize = Number(st.size);
    v.torn = false;
    const snapshotSize = Number(statOf(this.snapshotPath)?.size ?? 0n);
    if (v.journalSize >= this.compactAt && v.journalSize > 2 * snapshotSize) this.compact(v);
  }

  /** Every record into the snapshot, then the journal emptied (a crash between the two replays
   *  records the snapshot already has: no harm), then the older layout removed. */
  private compact(v: AppliedView): void {
    const lines = [...v.records].sort(([a], [b]) => (a < b ? -1 : 1)).map(([sw, r]) => `${JSON.stringify(sw)}: ${(r.text ??= mapJson(r.map))}`);
    writeFileAtomicSync(this.snapshotPath, `{\n${lines.join(',\n')}\n}\n`);
    writeFileAtomicSync(this.journalPath, '');
    rmSync(this.legacyDir, { recursive: true, force: true });
    v.snapshot = signature(statOf(this.snapshotPath));
    v.legacy = '-';
    v.journalIno = statOf(this.journalPath)!.ino;
    v.journalSize = 0;
    v.torn = false;
  }
}

/** One switch's checkpoint: every key in scope as it was (null = absent), and the managed
 *  scope (last applied) as it was. Maps, written as lists of [key, value] pairs: a switch's keys
 *  are unique to it, and turned into an object's property names each would cost V8 a string
 *  table entry (over a second for the 117,000 keys of a first apply at 1,000 switches). */
export interface Checkpoint {
  readonly id: string;
  readonly switch: string;
  readonly endpoint: string;
  readonly at: string;
  readonly keys: ReadonlyMap<string, Fields | null>;
  readonly lastApplied: ReadonlyMap<string, Fields> | null;
}

/** A checkpoint as a line of JSON (or a pretty-printed file). */
function checkpointJson(cp: Checkpoint, indent?: number): string {
  return JSON.stringify({ ...cp, keys: [...cp.keys], lastApplied: cp.lastApplied ? [...cp.lastApplied] : null }, null, indent);
}

/** A map from its JSON: a list of pairs, or an object (as earlier versions wrote them). */
function mapOf<V>(json: unknown): Map<string, V> {
  return Array.isArray(json) ? new Map(json as [string, V][]) : new Map(Object.entries((json ?? {}) as Record<string, V>));
}

function checkpointOf(text: string): Checkpoint {
  const raw = JSON.parse(text) as Omit<Checkpoint, 'keys' | 'lastApplied'> & { keys: unknown; lastApplied: unknown };
  return { ...raw, keys: mapOf<Fields | null>(raw.keys), lastApplied: raw.lastApplied ? mapOf<Fields>(raw.lastApplied) : null };
}

/** Where a switch's checkpoint of one run is: its file, and its line in a bundle. */
interface Place {
  readonly file: string;
  readonly line?: number;
}

interface RunIndex {
  readonly sig: string;
  /** The place that wins for each switch. */
  readonly places: Map<string, Place>;
  /** Places a newer one replaced (removed by prune). */
  readonly replaced: { sw: string; place: Place }[];
  readonly next: number;
}

const BUNDLE = /^@(\d+)\.jsonl$/;

export class CheckpointStore {
  private readonly runs = new Map<string, RunIndex>();
  private lines: { file: string; sig: string; lines: string[] } | undefined;
  private readonly batch: Batcher<{ cp: Checkpoint; done: (path: string) => void }>;

  constructor(
    private readonly root: string,
    /** Turns a write error into the error callers get (with the path). */
    private readonly failed: (path: string, e: NodeJS.ErrnoException) => Error,
  ) {
    this.batch = new Batcher((items) => this.write(items));
  }

  /** Run ids, oldest first (ids sort by time). */
  ids(): string[] {
    return existsSync(this.root) ? readdirSync(this.root).sort() : [];
  }

  /** Saves a checkpoint (with the others asked for in the same turn); resolves to its file. */
  async save(cp: Checkpoint): Promise<string> {
    let path = '';
    await this.batch.add({ cp, done: (p) => (path = p) });
    return path;
  }

  private write(items: readonly { cp: Checkpoint; done: (path: string) => void }[]): void {
    const byRun = new Map<string, (typeof items)[number][]>();
    for (const i of items) {
      const group = byRun.get(i.cp.id);
      if (group) group.push(i);
      else byRun.set(i.cp.id, [i]);
    }
    for (const [id, group] of byRun) {
      const d = join(this.root, id);
      const fresh = !existsSync(d);
      const run = fresh ? undefined : this.index(id);
      // Alone, and not in a bundle already: <switch>.json, as a person would look for it.
      const single = group.length === 1 && run?.places.get(group[0]!.cp.switch)?.line === undefined ? group[0]! : undefined;
      const p = single ? join(d, `${single.cp.switch}.json`) : join(d, `@${String(run?.next ?? 1).padStart(6, '0')}.jsonl`);
      const body = single ? `${checkpointJson(single.cp, 2)}\n` : `${JSON.stringify({ switches: group.map((g) => g.cp.switch) })}\n${group.map((g) => checkpointJson(g.cp)).join('\n')}\n`;
      try {
        writeFileAtomicSync(p, body);
      } catch (e) {
        // No empty checkpoint directory left behind; the cause with the path.
        if (fresh && existsSync(d) && readdirSync(d).length === 0) rmdirSync(d);
        const err = e as NodeJS.ErrnoException;
        throw err.code ? this.failed(p, err) : e;
      }
      for (const g of group) g.done(p);
    }
  }

  /** Where each switch's checkpoint of a run is, read again only when the directory changed. */
  private index(id: string): RunIndex {
    const d = join(this.root, id);
    const sig = signature(statOf(d));
    const known = this.runs.get(id);
    if (known?.sig === sig) return known;
    const places = new Map<string, Place>();
    const replaced: { sw: string; place: Place }[] = [];
    const files = existsSync(d) ? readdirSync(d).filter((f) => !f.startsWith('.')) : [];
    const bundles = files.filter((f) => BUNDLE.test(f)).sort((a, b) => Number(BUNDLE.exec(a)![1]) - Number(BUNDLE.exec(b)![1]));
    for (const f of files) if (f.endsWith('.json')) places.set(f.slice(0, -5), { file: join(d, f) });
    for (const f of bundles) {
      const file = join(d, f);
      const header = JSON.parse(firstLine(file)) as { switches: string[] };
      header.switches.forEach((sw, i) => {
        const before = places.get(sw);
        if (before) replaced.push({ sw, place: before });
        places.set(sw, { file, line: i + 1 });
      });
    }
    const last = bundles.at(-1);
    const run: RunIndex = { sig, places, replaced, next: last ? Number(BUNDLE.exec(last)![1]) + 1 : 1 };
    this.runs.set(id, run);
    return run;
  }

  private read(place: Place): Checkpoint {
    if (place.line === undefined) return checkpointOf(readFileSync(place.file, 'utf8'));
    const sig = signature(statOf(place.file));
    if (this.lines?.file !== place.file || this.lines.sig !== sig) this.lines = { file: place.file, sig, lines: readFileSync(place.file, 'utf8').split('\n') };
    return checkpointOf(this.lines.lines[place.line]!);
  }

  /** The newest checkpoint of a switch (at or before `id` when given). */
  get(sw: string, id?: string): Checkpoint | undefined {
    for (const i of this.ids().reverse()) {
      if (id && i > id) continue;
      const place = this.index(i).places.get(sw);
      if (place) return this.read(place);
    }
    return undefined;
  }

  /** Every checkpoint of a run, by switch name. */
  all(id: string): Checkpoint[] {
    return [...this.index(id).places].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, p]) => this.read(p));
  }

  /** Keeps the newest `keep` checkpoints of each switch and removes the rest (replaced ones
   *  too), rewriting bundles without them and removing emptied directories. Returns how many
   *  switch checkpoints went. */
  prune(keep: number): number {
    const seen = new Map<string, number>();
    let removed = 0;
    for (const id of this.ids().reverse()) {
      const run = this.index(id);
      const drop = new Map<string, Set<number | undefined>>();
      const mark = (p: Place) => {
        const s = drop.get(p.file) ?? new Set<number | undefined>();
        s.add(p.line);
        drop.set(p.file, s);
      };
      for (const r of run.replaced) mark(r.place);
      for (const [sw, place] of run.places) {
        const n = (seen.get(sw) ?? 0) + 1;
        seen.set(sw, n);
        if (n > keep) {
          mark(place);
          removed++;
        }
      }
      for (const [file, lines] of drop) {
        if (lines.has(undefined)) {
          rmSync(file, { force: true });
          continue;
        }
        const all = readFileSync(file, 'utf8').split('\n');
        const header = JSON.parse(all[0]!) as { switches: string[] };
        const keepAt = header.switches.map((_, i) => i + 1).filter((i) => !lines.has(i));
        if (keepAt.length === 0) rmSync(file, { force: true });
        else writeFileAtomicSync(file, `${JSON.stringify({ switches: keepAt.map((i) => header.switches[i - 1]) })}\n${keepAt.map((i) => all[i]).join('\n')}\n`);
      }
      const d = join(this.root, id);
      if (readdirSync(d).length === 0) rmdirSync(d);
    }
    return removed;
  }
}

/** A file's first line, read without reading the rest (a bundle's header). */
function firstLine(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const parts: Buffer[] = [];
    for (let at = 0; ; ) {
      const buf = Buffer.alloc(64 * 1024);
      const n = readSync(fd, buf, 0, buf.length, at);
      const nl = buf.subarray(0, n).indexOf(10);
      if (nl >= 0 || n === 0) {
        parts.push(buf.subarray(0, nl >= 0 ? nl : n));
        return Buffer.concat(parts).toString('utf8');
      }
      parts.push(buf.subarray(0, n));
      at += n;
    }
  } finally {
    closeSync(fd);
  }
}
