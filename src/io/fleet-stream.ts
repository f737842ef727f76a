/**
 * Fleet files on disk, read as they are scanned: through one reused buffer instead
 * of the whole file in fresh memory. Fresh memory is what a large fleet paid for
 * most: reading 1M devices (138 MB) whole took ~0.44 s and ~0.68 s of CPU, mostly
 * page faults; through a reused buffer, ~0.04 s. The checks readYaml makes before its
 * fast path (plainAsciiText: size, ASCII without CR, line length) are made on each
 * piece as it is read, so a file streamed here gives exactly what scanFleetWindowed
 * gives on its bytes, or `undefined`: then the caller reads it whole as before.
 *
 * The bytes are not kept. A diagnostic on such a file is placed by reading it again
 * (`readIfUnchanged`); a file changed meanwhile is noticed by its size and time.
 */
import { isAscii } from 'node:buffer';
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { scanFleetColumns, type ScannedColumns } from './fleet-columns-scanner.js';
import { FLEET_WINDOWS, scanTextWindows, type FleetWindows, type OnDevice, type TextWindows } from './fleet-scanner.js';
import { giveUp } from './yaml-scalars.js';
import { ENTRY_OFFSETS, type YamlLimits } from './yaml-text.js';
import { buildFleetFile, FleetFileBuilder, type FleetFile } from '../core/validate/fleet.js';

/** What a file was when it was read: a later read that finds it otherwise knows it changed. */
export interface FileStamp {
  readonly size: number;
  readonly mtimeMs: number;
}

export interface StreamedFleetFile {
  readonly value: { devices: unknown[] };
  readonly stamp: FileStamp;
}

/** The reused buffer: windows are ~120 KB, so a refill moves little and reads ~0.9 MB at a time. */
const shared = Buffer.allocUnsafe(1 << 20);

/** A file's text in windows, read from `fd` as they are asked for and checked as plainAsciiText checks. */
class FileWindows implements TextWindows {
  /** The file offsets the buffer holds: [start, end). */
  private start = 0;
  private end = 0;
  /** Where the line that no break has ended yet starts. */
  private lineStart = 0;

  constructor(
    private readonly fd: number,
    readonly length: number,
    private readonly maxLine: number,
    private buffer: Buffer,
  ) {}

  window(from: number, to: number): string {
    if (from < this.start || from > this.end) giveUp();
    if (to > this.end) this.fill(from, to);
    return this.buffer.toString('latin1', from - this.start, to - this.start);
  }

  private fill(from: number, to: number): void {
    const old = this.buffer;
    if (to - from > old.length) this.buffer = Buffer.allocUnsafe(Math.max(2 * old.length, to - from));
    old.copy(this.buffer, 0, from - this.start, this.end - this.start);
    this.start = from;
    while (this.end < to) this.readMore();
  }

  private readMore(): void {
    const at = this.end - this.start;
    const n = readSync(this.fd, this.buffer, at, Math.min(this.buffer.length - at, this.length - this.end), this.end);
    // Shorter than it was when it was opened: changed while read.
    if (n === 0) giveUp();
    this.check(this.buffer.subarray(at, at + n), this.end);
    this.end += n;
  }

  /** plainAsciiText's checks on the piece of the file at `base`, carried from piece to piece. */
  private check(piece: Buffer, base: number): void {
    if (!isAscii(piece) || piece.includes(13)) giveUp();
    // A line is too long when the maxLine + 1 characters from its start hold no break (firstLongLine).
    for (;;) {
      const limit = this.lineStart + this.maxLine;
      if (limit >= base + piece.length) break;
      const last = limit < base ? -1 : piece.lastIndexOf(10, limit - base);
      if (last < 0 || base + last < this.lineStart) giveUp();
      this.lineStart = base + last + 1;
    }
    // Lines that end in this piece are shorter than what is left before the limit.
    const last = piece.lastIndexOf(10);
    if (last >= 0 && base + last + 1 > this.lineStart) this.lineStart = base + last + 1;
  }

  /** True when the whole file was read and checked (its last line too: check saw the end), and it has not grown. */
  complete(): boolean {
    if (this.end !== this.length) return false;
    return readSync(this.fd, Buffer.alloc(1), 0, 1, this.length) === 0;
  }
}

export interface StreamOptions {
  readonly windows?: FleetWindows;
  /** Tests read through a small buffer, to cross many piece boundaries. */
  readonly buffer?: Buffer;
  /** Each device as it is read (see OnDevice): the value's list then stays empty. */
  readonly onDevice?: OnDevice;
}

/**
 * A fleet file scanned from disk as scanFleetWindowed scans its bytes, and its stamp;
 * `undefined` where that does not work out (not plain ASCII, too large or long a
 * line, the scanner gives up, the file cannot be read or changes meanwhile).
 */
export function streamFleetFile(
  path: string,
  limits: YamlLimits,
  { windows = FLEET_WINDOWS, buffer = shared, onDevice }: StreamOptions = {},
): StreamedFleetFile | undefined {
  const streamed = streamScan(path, limits, buffer, (source) => scanTextWindows(source, windows, onDevice));
  return streamed && { value: streamed.result, stamp: streamed.stamp };
}

/** A file on disk read through FileWindows by `scan`, and its stamp; `undefined` where that does not work out (as streamFleetFile says). */
function streamScan<T>(
  path: string,
  limits: YamlLimits,
  buffer: Buffer,
  scan: (source: TextWindows) => T | undefined,
): { result: T; stamp: FileStamp } | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > limits.maxBytes) return undefined;
    const source = new FileWindows(fd, stat.size, limits.maxLineLength, buffer);
    const result = scan(source);
    return result !== undefined && source.complete() ? { result, stamp: { size: stat.size, mtimeMs: stat.mtimeMs } } : undefined;
  } catch {
    // A read that fails here fails again when the caller reads the file whole, and is reported there.
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * A clean fleet file on disk (`file` its repository path) streamed into columns
 * (fleet-columns-scanner.ts); `undefined` where the columnar path gives way (then
 * streamBuiltFleetFile, or a whole read, builds it as objects).
 */
export function streamFleetColumns(
  file: string,
  path: string,
  limits: YamlLimits,
  { windows = FLEET_WINDOWS, buffer = shared }: Omit<StreamOptions, 'onDevice'> = {},
): (ScannedColumns & { readonly stamp: FileStamp }) | undefined {
  const streamed = streamScan(path, limits, buffer, (source) => scanFleetColumns(file, source, windows));
  return streamed && { ...streamed.result, stamp: streamed.stamp };
}

/** The file's bytes if it is still as `stamp` says; `undefined` when it changed or is gone. */
export function readIfUnchanged(path: string, stamp: FileStamp): Uint8Array | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const now = fstatSync(fd);
    if (now.size !== stamp.size || now.mtimeMs !== stamp.mtimeMs) return undefined;
    const bytes = readFileSync(fd);
    return bytes.length === stamp.size ? bytes : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A file's size and time now, to tell later whether it changed; `undefined` when it cannot be read. */
export function fileStamp(path: string): FileStamp | undefined {
  const stats = statSync(path, { throwIfNoEntry: false });
  return stats?.isFile() ? { size: stats.size, mtimeMs: stats.mtimeMs } : undefined;
}

/** A file's size, to share files between threads before they are read; 0 when it cannot be told (its read then reports why). */
export const fileSize = (path: string): number => statSync(path, { throwIfNoEntry: false })?.size ?? 0;

/** A fleet file streamed and built as it was read: its devices and diagnostics, where each device starts, its stamp. */
export interface StreamedFleetBuild {
  readonly fleet: FleetFile;
  readonly offsets: readonly number[];
  readonly stamp: FileStamp;
}

/**
 * A fleet file on disk (`file` its repository path) streamed, its devices built as
 * they are read (FleetFileBuilder), so no device's mapping outlives its building;
 * `undefined` where streamFleetFile gives way. The same as buildFleetFile of the
 * value streamFleetFile gives (tests hold it to that).
 */
export function streamBuiltFleetFile(file: string, path: string, limits: YamlLimits): StreamedFleetBuild | undefined {
  const builder = new FleetFileBuilder(file);
  const streamed = streamFleetFile(path, limits, { onDevice: (device, index) => builder.add(device, index) });
  if (!streamed) return undefined;
  const { value, stamp } = streamed;
  const offsets = (value as { [ENTRY_OFFSETS]?: number[] })[ENTRY_OFFSETS] ?? [];
  // `devices:` with no entries: built from the value, which says so.
  return { fleet: value.devices === null ? buildFleetFile(file, value) : builder.done(), offsets, stamp };
}
