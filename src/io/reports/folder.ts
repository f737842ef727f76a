/**
 * Device reports from a folder: `*.json` files hold one report each, `*.ndjson`
 * files one per line (read as a stream, so a million lines never sit in memory
 * as one string). Sub-folders are read too, in path order. A bad report is a
 * diagnostic naming its file and line; it never ends the stream.
 */
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PlacedDiagnostic } from '../../core/diagnostics.js';
import type { DeviceReport } from '../../core/status/report.js';
import { reportProblem } from '../../core/status/status.js';
import { compactReports, type CompactReports } from '../../core/status/compact.js';
import type { CompactRead, ReportItem, ReportSource } from './report-source.js';

/** A single `*.json` report, or one ndjson line, longer than this is not a report. */
export const MAX_REPORT_BYTES = 1024 * 1024;

const isReportFile = (name: string): boolean => !name.startsWith('.') && /\.(nd)?json$/i.test(name);

async function reportFiles(root: string, relative = ''): Promise<string[]> {
  const entries = await readdir(path.join(root, relative), { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const rel = relative ? `${relative}/${e.name}` : e.name;
    if (e.isDirectory() && !e.name.startsWith('.')) out.push(...(await reportFiles(root, rel)));
    else if (e.isFile() && isReportFile(e.name)) out.push(rel);
  }
  return out;
}

const invalid = (file: string, line: number, column: number, message: string): { diagnostic: PlacedDiagnostic } => ({
  diagnostic: { severity: 'warning', code: 'report/invalid', message, file, line, column },
});

/** Parses one report's text; `line` is the line the text starts on. */
function parseReport(text: string, file: string, line: number): ReportItem {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const [l, c] = positionOf(text, (e as Error).message);
    return invalid(
      file,
      line + l - 1,
      c,
      `not valid JSON (${(e as Error).message.replace(/ in JSON at position \d+.*$/s, '')}): each report is one JSON object`,
    );
  }
  const problem = reportProblem(value);
  return problem === undefined ? { report: value as DeviceReport } : invalid(file, line, 1, `${problem}: this report is skipped`);
}

/** Line and column of a JSON.parse error, from the position its message names. */
function positionOf(text: string, message: string): [number, number] {
  const lineColumn = /line (\d+) column (\d+)/.exec(message);
  if (lineColumn) return [Number(lineColumn[1]), Number(lineColumn[2])];
  const at = /position (\d+)/.exec(message);
  if (!at) return [1, 1];
  const offset = Math.min(Number(at[1]), text.length);
  const before = text.slice(0, offset);
  const lines = before.split('\n');
  return [lines.length, lines[lines.length - 1].length + 1];
}

/** The reports of an ndjson file, one batch per read chunk (a million single yields cost more than the parsing). */
async function* ndjson(full: string, file: string): AsyncGenerator<ReportItem[]> {
  let rest: Buffer | undefined;
  let line = 0;
  // A line longer than MAX_REPORT_BYTES is skipped up to its newline.
  let skipping = false;
  const item = (buf: Buffer, start: number, end: number): ReportItem | undefined => {
    line++;
    if (skipping || end - start > MAX_REPORT_BYTES) {
      skipping = false;
      return invalid(file, line, 1, `line longer than ${MAX_REPORT_BYTES} bytes: not a report`);
    }
    let text = buf.toString('utf8', start, end);
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim() === '') return undefined;
    return parseReport(text, file, line);
  };
  for await (const chunk of createReadStream(full, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const buf = rest ? Buffer.concat([rest, chunk]) : chunk;
    const batch: ReportItem[] = [];
    let start = 0;
    for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10, start)) {
      const it = item(buf, start, nl);
      if (it) batch.push(it);
      start = nl + 1;
    }
    if (batch.length) yield batch;
    rest = start < buf.length ? buf.subarray(start) : undefined;
    if (rest && rest.length > MAX_REPORT_BYTES) {
      skipping = true;
      rest = undefined;
    }
  }
  if (rest || skipping) {
    const it = item(rest ?? Buffer.alloc(0), 0, rest?.length ?? 0);
    if (it) yield [it];
  }
}

async function* batches(dir: string, display: string): AsyncGenerator<ReportItem[]> {
  let files: string[];
  try {
    files = await reportFiles(dir);
  } catch (e) {
    yield [invalid(display, 1, 1, `cannot read the reports folder: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)];
    return;
  }
  for (const relative of files) {
    const full = path.join(dir, relative);
    const file = `${display}/${relative}`;
    try {
      if (/\.ndjson$/i.test(relative)) {
        yield* ndjson(full, file);
        continue;
      }
      const bytes = await readFile(full);
      if (bytes.length > MAX_REPORT_BYTES) {
        yield [invalid(file, 1, 1, `file larger than ${MAX_REPORT_BYTES} bytes: a *.json file holds one report (use *.ndjson for many)`)];
        continue;
      }
      yield [parseReport(bytes.toString('utf8').replace(/^\uFEFF/, ''), file, 1)];
    } catch (e) {
      yield [invalid(file, 1, 1, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)];
    }
  }
}

/** Reports from the `*.json` and `*.ndjson` files under `dir`; diagnostics name files as `<display>/<file>`. */
export function folderReportSource(dir: string, display = dir): ReportSource {
  return {
    description: display,
    batches: () => batches(dir, display),
    async *reports() {
      for await (const batch of batches(dir, display)) yield* batch;
    },
    compact: (maxDiagnostics) => (compactWorkerAvailable() ? compactInWorker(dir, display, maxDiagnostics) : readCompact(dir, display, maxDiagnostics)),
  };
}

/** Every report under `dir` in compact form, on this thread. */
export async function readCompact(dir: string, display: string, maxDiagnostics: number): Promise<CompactRead> {
  const compact = compactReports();
  const diagnostics: PlacedDiagnostic[] = [];
  let bad = 0;
  for await (const batch of batches(dir, display)) {
    for (const item of batch) {
      if ('report' in item) compact.add(item.report);
      else if (++bad <= maxDiagnostics) diagnostics.push(item.diagnostic);
    }
  }
  return { reports: compact.done(), diagnostics, bad };
}

/**
 * The worker is built JavaScript beside this module; from TypeScript sources (the
 * test runner) or in a bundle without it, this thread reads instead. A worker
 * that starts and fails is an error, never a silent second read.
 */
const workerUrl = new URL('./folder-worker.js', import.meta.url);
const compactWorkerAvailable = (): boolean => existsSync(fileURLToPath(workerUrl));

function compactInWorker(dir: string, display: string, maxDiagnostics: number): Promise<CompactRead> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl, { workerData: { dir, display, maxDiagnostics } });
    worker.once('message', (message: EncodedCompactRead) => {
      resolve(decodeCompactRead(message));
      void worker.terminate();
    });
    worker.once('error', (e) => reject(new Error(`the report worker failed: ${e.message}`, { cause: e })));
    worker.once('exit', (code) => code !== 0 && reject(new Error(`the report worker exited with code ${code}`)));
  });
}

/** What the worker posts: device ids as one string and their lengths (a million strings cloned one by one cost ~0.6 s). */
export interface EncodedCompactRead {
  readonly read: Omit<CompactRead, 'reports'> & { reports: Omit<CompactReports, 'deviceIds'> };
  readonly ids: string;
  readonly idLengths: Int32Array;
}

export function encodeCompactRead(read: CompactRead): { message: EncodedCompactRead; transfer: ArrayBuffer[] } {
  const { deviceIds, ...rest } = read.reports;
  const idLengths = new Int32Array(deviceIds.length);
  for (let i = 0; i < deviceIds.length; i++) idLengths[i] = deviceIds[i].length;
  const message = { read: { ...read, reports: rest }, ids: deviceIds.join(''), idLengths };
  return { message, transfer: [idLengths.buffer, rest.at.buffer, rest.contentHash.buffer, rest.failure.buffer] as ArrayBuffer[] };
}

export function decodeCompactRead({ read, ids, idLengths }: EncodedCompactRead): CompactRead {
  const deviceIds = new Array<string>(idLengths.length);
  let start = 0;
  for (let i = 0; i < idLengths.length; i++) deviceIds[i] = ids.slice(start, (start += idLengths[i]));
  return { ...read, reports: { ...read.reports, deviceIds } };
}

export interface LineWriter {
  write(text: string): Promise<void> | void;
  /** Finishes the file: until then it is written under a temporary name, so readers never see half of it. */
  close(): Promise<void>;
}

/** Writes `file` (e.g. `<reports>/simulated.ndjson`), creating its folder; waits when the stream is full. */
export async function reportFileWriter(file: string): Promise<LineWriter> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  const stream = createWriteStream(temporary);
  await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject));
  return {
    write(text) {
      if (!stream.write(text)) return new Promise((resolve) => void stream.once('drain', resolve));
    },
    async close() {
      await new Promise<void>((resolve, reject) => stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
      await rename(temporary, file);
    },
  };
}
