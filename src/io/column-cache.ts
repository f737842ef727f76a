/**
 * Clean fleet files' columns kept on disk by git blob id (`.edgeops/cache/columns/`),
 * so that an unchanged fleet file is not scanned again: at a million devices the scan
 * is most of what a command waits for (~1.5 s of a 2.6 s `validate`), and loading
 * its columns back takes a few milliseconds per file.
 *
 * Only what the scan of a clean file gives is kept (columns and where each device
 * starts); everything after (the fleet checks across files, the index, resolution)
 * runs as on a fresh scan, so a kept file gives the same results as a scanned one
 * (tests hold the two equal). The blob id is the content's identity: a file is
 * looked up only when git says what its content is (its index, or a hash).
 *
 * A cache must never be a reason to fail: an entry that cannot be read, is from
 * another version, or does not add up (its checksum) is a miss; one that cannot be written is not
 * kept. Entries are written aside and renamed, so none is ever half-written, and
 * only when asked (`flush`: an apply that wrote), so a command that only reads
 * leaves nothing behind.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import path from 'node:path';
import type { Column, FleetColumns, TagScalar } from '../core/fleet-columns.js';
import { VERSION } from '../generated/version.js';
import { writeFileAtomicSync } from './atomic-fs.js';
import type { ScannedColumns } from './fleet-columns-scanner.js';
import type { YamlLimits } from './yaml-text.js';

/** Bumped whenever what the column scanner gives for a file changes: older entries are then misses. */
const FORMAT = 1;
const MAGIC = 'edgeops-columns\n';
const ALIGN = 8;

export interface ColumnCache {
  /** The columns of a clean fleet file with this blob id, scanned before under these limits; `file` names the file now. */
  read(file: string, oid: string, limits: YamlLimits): ScannedColumns | undefined;
  /** Keeps a clean file's columns for next time (written by `flush`). */
  keep(oid: string, scanned: ScannedColumns, limits: YamlLimits): void;
  /** The blob ids of the fleet just read: their entries are the last to go. */
  used(oids: Iterable<string>): void;
  /**
   * Writes what `keep` was given, then drops entries beyond a budget: those `used`
   * stay, then the most recently used up to as many bytes again. Never throws.
   */
  flush(): void;
}

/** What an entry was made under: the edgeops version (the scanner may change) and the limits the scan applied. */
export interface EntryKey {
  readonly version: string;
  readonly key: string;
}

const entryKey = (limits: YamlLimits): EntryKey => ({ version: VERSION, key: JSON.stringify(limits) });

interface Header {
  readonly format: number;
  readonly version: string;
  readonly key: string;
  readonly oid: string;
  readonly rows: number;
  readonly names: readonly string[];
  readonly parents: readonly number[];
  readonly values: readonly TagScalar[];
  readonly shapes: readonly (readonly number[])[];
  readonly mixedCaseTagNames: boolean;
  /** Bytes per cell of each column: 1, 2 or 4. */
  readonly widths: readonly number[];
  /** Bytes of the device ids (UTF-8, one per line). */
  readonly idBytes: number;
  readonly length: number;
}

/** Before the header: the magic, the header's length, and the SHA-1 of all that follows (an entry damaged anywhere is a miss; ~20 ms a million devices). */
const PREFIX = MAGIC.length + 4 + 20;
const sha1 = (bytes: Uint8Array): Buffer => createHash('sha1').update(bytes).digest();
const padded = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A value JSON gives back exactly (a scanned file's are; a non-finite number would not be). */
const jsonSafe = (v: TagScalar): boolean => typeof v !== 'number' || (Number.isFinite(v) && !Object.is(v, -0));

/** The bytes of an entry, or `undefined` when the file is not one to keep (an id with a line break, a value JSON changes). */
export function encodeColumns(oid: string, { columns: c, offsets }: ScannedColumns, options: EntryKey): Buffer | undefined {
  const rows = c.deviceIds.length;
  if (offsets.length < rows || c.values.slice(1).some((v) => !jsonSafe(v)) || c.deviceIds.some((id) => id.includes('\n'))) return undefined;
  const ids = Buffer.from(c.deviceIds.join('\n'), 'utf8');
  const widths = c.columns.map((column) => column.BYTES_PER_ELEMENT);
  const sections: ArrayBufferView[] = [ids, c.shapeOf.subarray(0, rows), offsets.subarray(0, rows), ...c.columns.map((column) => column.subarray(0, rows))];
  const body = Buffer.alloc(sections.reduce((sum, s) => sum + padded(s.byteLength), 0));
  let at = 0;
  for (const s of sections) {
    body.set(new Uint8Array(s.buffer, s.byteOffset, s.byteLength), at);
    at += padded(s.byteLength);
  }
  const header = {
    ...{ format: FORMAT, version: options.version, key: options.key, oid, rows, names: c.names, parents: c.parents, values: c.values.slice(1) },
    ...{ shapes: c.shapes.map((s) => Array.from(s)), mixedCaseTagNames: c.mixedCaseTagNames, widths, idBytes: ids.length },
  };
  // The header holds the entry's length, whose own digits count: found by trying.
  let json = '';
  let length = 0;
  for (let guess = 0; ; guess = length) {
    json = JSON.stringify({ ...header, length: guess });
    length = padded(PREFIX + Buffer.byteLength(json)) + body.length;
    if (length === guess) break;
  }
  const out = Buffer.alloc(length);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(out.write(json, PREFIX, 'utf8'), MAGIC.length);
  out.set(body, length - body.length);
  sha1(out.subarray(PREFIX)).copy(out, MAGIC.length + 4);
  return out;
}

/** An entry's columns; `undefined` when it is not an intact entry of this version, key and blob id. */
export function decodeColumns(bytes: Buffer, file: string, oid: string, options: EntryKey): ScannedColumns | undefined {
  if (!LITTLE_ENDIAN || bytes.length < PREFIX || bytes.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined;
  if (!sha1(bytes.subarray(PREFIX)).equals(bytes.subarray(MAGIC.length + 4, PREFIX))) return undefined;
  const jsonBytes = bytes.readUInt32LE(MAGIC.length);
  let h: Header;
  try {
    h = JSON.parse(bytes.toString('utf8', PREFIX, PREFIX + jsonBytes)) as Header;
  } catch {
    return undefined;
  }
  if (h.format !== FORMAT || h.version !== options.version || h.key !== options.key || h.oid !== oid || h.length !== bytes.length) return undefined;
  const { rows, names, parents, widths, shapes } = h;
  const paths = names.length;
  const values: TagScalar[] = ['', ...h.values];
  if (parents.length !== paths || widths.length !== paths || parents.some((p, i) => !(p >= -1 && p < i))) return undefined;
  if (shapes.some((s) => s.some((p) => !(p >= 0 && p < paths)))) return undefined;
  let at = padded(PREFIX + jsonBytes);
  const section = (byteLength: number): Buffer | undefined => {
    if (at + byteLength > bytes.length) return undefined;
    const view = bytes.subarray(at, at + byteLength);
    at += padded(byteLength);
    return view;
  };
  // Views into the entry's bytes where aligned (sections are, in a buffer of its own), else copies.
  const ints = (view: Uint8Array | undefined, width: number): Column | undefined => {
    if (!view) return undefined;
    const b = view.byteOffset % width === 0 ? view : new Uint8Array(view);
    const count = b.byteLength / width;
    return width === 1
      ? new Int8Array(b.buffer, b.byteOffset, count)
      : width === 2
        ? new Int16Array(b.buffer, b.byteOffset, count)
        : width === 4
          ? new Int32Array(b.buffer, b.byteOffset, count)
          : undefined;
  };
  const idText = section(h.idBytes);
  const shapeOf = ints(section(rows * 4), 4) as Int32Array | undefined;
  const offsets = ints(section(rows * 4), 4) as Int32Array | undefined;
  const columns = widths.map((w) => ints(section(rows * w), w));
  if (!idText || !shapeOf || !offsets || columns.some((c) => c === undefined) || at !== bytes.length) return undefined;
  const deviceIds = rows === 0 ? [] : idText.toString('utf8').split('\n');
  if (deviceIds.length !== rows) return undefined;
  const fleet: FleetColumns = {
    file,
    deviceIds,
    names,
    parents,
    values,
    columns: columns as Column[],
    shapes: shapes.map((s) => Int32Array.from(s)),
    shapeOf,
    mixedCaseTagNames: h.mixedCaseTagNames,
  };
  return { columns: fleet, offsets };
}

/** A folder of entries, one file per blob id (made on the first `flush`). */
export function columnCache(folder: string): ColumnCache {
  const entry = (oid: string) => path.join(folder, oid);
  const valid = (oid: string) => /^[0-9a-f]{40,64}$/.test(oid);
  const pending = new Map<string, { scanned: ScannedColumns; limits: YamlLimits }>();
  const current = new Set<string>();
  const hits = new Set<string>();
  const write = (oid: string, bytes: Buffer) => {
    try {
      writeFileAtomicSync(entry(oid), [bytes]);
    } catch {
      // Not kept: scanned again next time.
    }
  };
  const prune = () => {
    const entries = readdirSync(folder).map((name) => {
      const stats = statSync(path.join(folder, name));
      return { name, size: stats.size, used: stats.mtimeMs };
    });
    let budget = entries.filter((e) => current.has(e.name)).reduce((sum, e) => sum + e.size, 0);
    for (const e of entries.filter((x) => !current.has(x.name)).sort((a, b) => b.used - a.used)) {
      const temporary = e.name.startsWith('.');
      // A temporary left by a killed run goes once it is a minute old; an entry, once over budget.
      if (temporary ? Date.now() - e.used > 60_000 : e.size > budget) unlinkSync(path.join(folder, e.name));
      else if (!temporary) budget -= e.size;
    }
  };
  return {
    read(file, oid, limits) {
      if (!valid(oid)) return undefined;
      try {
        const scanned = decodeColumns(readFileSync(entry(oid)), file, oid, entryKey(limits));
        if (scanned) hits.add(oid);
        return scanned;
      } catch {
        return undefined;
      }
    },
    keep(oid, scanned, limits) {
      if (valid(oid)) pending.set(oid, { scanned, limits });
    },
    used(oids) {
      for (const oid of oids) current.add(oid);
    },
    flush() {
      try {
        mkdirSync(folder, { recursive: true });
        for (const [oid, { scanned, limits }] of pending) {
          const bytes = encodeColumns(oid, scanned, entryKey(limits));
          if (bytes) write(oid, bytes);
        }
        pending.clear();
        // An entry's time says when it was last used: what prune keeps.
        const now = new Date();
        for (const oid of hits) utimesSync(entry(oid), now, now);
        hits.clear();
        prune();
      } catch {
        // A cache that cannot be written is no cache: the next run scans.
      }
    },
  };
}
