/**
 * A bound, not a reader: how fast a fleet scan that makes no object per device
 * could be on this machine. Reads a generated fleet's files through one reused
 * 1 MiB buffer, line by line as bytes, and keeps only each device's id (a string)
 * and, per tag path, the device's interned value number in an Int32Array. It knows
 * only the block shape the generator writes and checks nothing, so it is no
 * substitute for the fleet scanner; it prices the columnar design (docs/decisions.md).
 *   npx tsx bench/columnar-bound.ts bench/out/1000000x1000/fleet [--half 0|1]
 * `--half` takes every other file (to run two halves side by side as two processes).
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ options: { half: { type: 'string' } }, allowPositionals: true });
const dir = positionals[0];
if (!dir) throw new Error('usage: columnar-bound.ts FLEET_DIR [--half 0|1]');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .filter((_, i) => values.half === undefined || i % 2 === Number(values.half));

const COLON = 58;
const DASH = 45;
const HASH = 35;
const NEWLINE = 10;
const SPACE = 32;

interface Column {
  readonly of: Int32Array;
  readonly values: (string | number)[];
  readonly numbers: Map<number, number>;
}

const ids: string[] = [];
const columns = new Map<string, Column>();
const keys = new Map<number, string>();
let capacity = 1 << 20;
let device = -1;
let parent = '';

function column(key: string): Column {
  let c = columns.get(key);
  if (!c) columns.set(key, (c = { of: new Int32Array(capacity), values: [], numbers: new Map() }));
  return c;
}

/** One line `[start, end)`: `- deviceId: X`, `tags:`, `name:` (a nested mapping follows) or `name: value`. */
function line(b: Buffer, start: number, end: number): void {
  let i = start;
  while (i < end && b[i] === SPACE) i++;
  if (i === end || b[i] === HASH) return;
  const indent = i - start;
  const colon = b.indexOf(COLON, i);
  if (colon < 0 || colon >= end) return;
  if (b[i] === DASH) {
    ids.push(b.toString('latin1', colon + 2, end));
    device++;
    if (device === capacity) throw new Error(`more than ${capacity} devices: raise the capacity`);
    return;
  }
  if (colon + 1 >= end) {
    parent = indent <= 4 ? '' : b.toString('latin1', i, colon);
    return;
  }
  // The name and the value hashed together: a value seen before under this name costs no string.
  let h = 0;
  for (let k = i; k < colon; k++) h = (Math.imul(h, 31) + b[k]) | 0;
  const nameHash = (h ^ indent) | 0;
  for (let k = colon + 2; k < end; k++) h = (Math.imul(h, 31) + b[k]) | 0;
  let key = keys.get(nameHash);
  if (key === undefined) keys.set(nameHash, (key = (indent > 6 ? `${parent}.` : '') + b.toString('latin1', i, colon)));
  const c = column(key);
  let n = c.numbers.get(h);
  if (n === undefined) {
    const raw = b.toString('latin1', colon + 2, end);
    c.numbers.set(h, (n = c.values.push(/^-?\d+$/.test(raw) ? Number(raw) : raw)));
  }
  c.of[device] = n;
}

const started = performance.now();
const buffer = Buffer.allocUnsafe(1 << 20);
let bytes = 0;
for (const f of files) {
  const fd = openSync(path.join(dir, f), 'r');
  const size = fstatSync(fd).size;
  let position = 0;
  let carried = 0;
  while (position < size) {
    const n = readSync(fd, buffer, carried, buffer.length - carried, position);
    if (n === 0) break;
    position += n;
    bytes += n;
    const end = carried + n;
    let start = 0;
    for (let nl = buffer.indexOf(NEWLINE, start); nl >= 0 && nl < end; nl = buffer.indexOf(NEWLINE, start)) {
      line(buffer, start, nl);
      start = nl + 1;
    }
    carried = end - start;
    buffer.copy(buffer, 0, start, end);
  }
  closeSync(fd);
}
capacity = device + 1;
const ms = performance.now() - started;
const paths = [...columns].map(([key, c]) => `${key}: ${c.values.length} values`).join(', ');
process.stdout.write(`${ids.length} devices, ${(bytes / 1e6).toFixed(1)} MB in ${files.length} files: ${ms.toFixed(0)} ms (${paths})\n`);
