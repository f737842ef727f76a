/**
 * `resolve --format json|ndjson` for fleets of any size: the document of
 * `resolveJson` written in pieces (one device per line), never held whole: for a
 * million devices it would not fit in a JavaScript string. Winners only by
 * default; each distinct candidates list is turned into JSON once.
 */
import type { PlacedDiagnostic } from '../core/diagnostics.js';
import type { Resolution } from '../core/resolve/resolve.js';
import { deploymentJson, diagnosticJson, RESOLVE_JSON_VERSION, type ResolveJsonOptions } from './json.js';

const CHUNK_DEVICES = 4096;

/**
 * Writes text or bytes; calls `written` (when given) once the chunk's memory may be
 * used again (a stream calls it when the chunk is flushed).
 */
export type Write = (chunk: string | Uint8Array, written?: () => void) => Promise<void> | void;

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');
const DEVICE_ID = utf8('{"deviceId":"');
const DEPLOYMENT = utf8('","deployment":');
const TIE = utf8(',"tie":');
const CANDIDATES = utf8(',"candidates":');
const CLOSE = utf8('}');

/**
 * Device lines are written as bytes into buffers that are used again once written:
 * at a million devices (~60 MB of JSON) building strings and encoding them cost
 * ~0.3 s more, and a new buffer per chunk is new memory each time.
 */
class ChunkWriter {
  private readonly free: Buffer[] = [];
  private buffer: Buffer;
  private at = 0;

  constructor(private readonly write: Write) {
    this.buffer = this.take(0);
  }

  private take(need: number): Buffer {
    const reused = this.free.pop();
    return reused && reused.length >= need ? reused : Buffer.allocUnsafe(Math.max(need, 1 << 18));
  }

  /** Room for `need` more bytes in the current buffer: nothing to wait for, or the flush of the full one (no promise per device). */
  room(need: number): Promise<void> | undefined {
    return this.at + need <= this.buffer.length ? undefined : this.flush(need);
  }

  bytes(b: Uint8Array): void {
    this.buffer.set(b, this.at);
    this.at += b.length;
  }

  /** A device id as JSON string content: as it is when it needs no escaping (IoT Hub's ids never do); false when it does. */
  plainId(id: string): boolean {
    const { buffer } = this;
    let o = this.at;
    for (let c = 0; c < id.length; c++) {
      const code = id.charCodeAt(c);
      if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return false;
      buffer[o++] = code;
    }
    this.at = o;
    return true;
  }

  /** Writes what the buffer holds, and takes one with room for `need` bytes. */
  async flush(need = 0): Promise<void> {
    if (this.at === 0) return;
    const full = this.buffer;
    const chunk = full.subarray(0, this.at);
    this.at = 0;
    await this.write(chunk, () => this.free.push(full));
    // A stream says it is done with a chunk in a callback that runs only once this run of
    // promises ends: give it the turn, so the buffer serves again rather than a new one.
    if (this.free.length === 0) await new Promise((resolve) => setImmediate(resolve));
    this.buffer = this.take(need);
  }
}

/** Writes devices `{ deviceId, deployment[, tie][, candidates] }`, one per line: the first after `before`, each other after `between`. */
async function writeDevices(resolution: Resolution, options: ResolveJsonOptions, write: Write, before: string, between: string): Promise<void> {
  const { deviceIds, winners, ties } = resolution;
  // Deployment ids and candidate lists recur on many devices: their JSON is made once.
  const winnerJson = new Map<string | null, Buffer>([[null, utf8('null')]]);
  for (const d of resolution.deployments) winnerJson.set(d.id, utf8(JSON.stringify(d.id)));
  const listJson = new Map<readonly string[], Buffer>();
  const listBytes = (list: readonly string[]): Buffer => {
    let bytes = listJson.get(list);
    if (bytes === undefined) listJson.set(list, (bytes = utf8(JSON.stringify(list))));
    return bytes;
  };
  const first = utf8(before);
  const next = utf8(between);
  const out = new ChunkWriter(write);
  for (let start = 0; start < deviceIds.length; start += CHUNK_DEVICES) {
    const end = Math.min(deviceIds.length, start + CHUNK_DEVICES);
    const candidates = options.candidates ? resolution.candidatesRange(start, end) : undefined;
    for (let i = start; i < end; i++) {
      const id = deviceIds[i];
      const tie = ties.size === 0 ? undefined : ties.get(i);
      const deployment = winnerJson.get(tie ? null : winners[i])!;
      const tieBytes = tie ? listBytes(tie) : undefined;
      const candidateBytes = candidates ? listBytes(candidates[i - start]) : undefined;
      const full = out.room(64 + 6 * id.length + deployment.length + (tieBytes?.length ?? 0) + (candidateBytes?.length ?? 0));
      if (full) await full;
      out.bytes(i === 0 ? first : next);
      out.bytes(DEVICE_ID);
      // An id that needs escaping (never one IoT Hub takes) is written as JSON.stringify writes it.
      if (!out.plainId(id)) out.bytes(utf8(JSON.stringify(id).slice(1, -1)));
      out.bytes(DEPLOYMENT);
      out.bytes(deployment);
      if (tieBytes) {
        out.bytes(TIE);
        out.bytes(tieBytes);
      }
      if (candidateBytes) {
        out.bytes(CANDIDATES);
        out.bytes(candidateBytes);
      }
      out.bytes(CLOSE);
    }
  }
  await out.flush();
}

/** The `resolve --format json` document, streamed. */
export async function writeResolveJson(
  resolution: Resolution,
  diagnostics: readonly PlacedDiagnostic[],
  write: Write,
  options: ResolveJsonOptions = {},
): Promise<void> {
  await write(`{\n  "version": ${RESOLVE_JSON_VERSION},\n  "devices": [`);
  await writeDevices(resolution, options, write, '\n    ', ',\n    ');
  const rest = { deployments: resolution.deployments.map(deploymentJson), diagnostics: diagnostics.map(diagnosticJson) };
  const tail = JSON.stringify(rest, null, 2).slice(1);
  await write(`${resolution.deviceIds.length ? '\n  ' : ''}],${tail}\n`);
}

/** `resolve --format ndjson`: one device per line, nothing else. */
export async function writeResolveNdjson(resolution: Resolution, write: Write, options: ResolveJsonOptions = {}): Promise<void> {
  await writeDevices(resolution, options, write, '', '\n');
  if (resolution.deviceIds.length > 0) await write('\n');
}
