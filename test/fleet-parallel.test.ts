/**
 * Both cores for the fleet: the compact form that crosses threads gives back the
 * scanner's very value, and a repository loaded on two threads is the same as on one.
 * The worker is built JavaScript, so the two-thread load runs from lib/ (built by pretest).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generate, writeRepository } from './support/fleet-generator.js';
import { decodeValue, encodeValue } from '../src/io/fleet-parallel-codec.js';
import {
  machineBusyMs,
  MIN_OBSERVED_MS,
  observedLongEnough,
  PARALLEL_THRESHOLD,
  sample,
  secondCoreIdle,
  workerShare,
  worthAWorker,
} from '../src/io/fleet-parallel.js';
import { scanFleet } from '../src/io/fleet-scanner.js';
import { buildFleetFile } from '../src/core/validate/fleet.js';
import { compareDiagnostics } from '../src/usecases/load.js';

const lib = new URL('../lib/', import.meta.url);
const built = async <T>(module: string): Promise<T> => (await import(new URL(module, lib).href)) as T;

/** A record (of any copy of core/record.ts) or a null-prototype object: no Object.prototype in its chain. */
const bare = (x: object): boolean => !Array.isArray(x) && !Object.prototype.isPrototypeOf.call(Object.prototype, x);

/** Deep equality that also tells records, lists, -0 and NaN apart. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b) || bare(a) !== bare(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** A YamlFile without its functions, and how it places a diagnostic on its first device. */
const exactly = (f: import('../src/io/yaml.js').YamlFile) => ({
  file: f.file,
  value: JSON.stringify(f.value),
  empty: f.empty,
  diagnostics: f.diagnostics,
  placed: f.place({ severity: 'error', code: 'fleet/invalid-tag', message: 'm', location: { file: f.file, path: ['devices', 0, 'deviceId'] } }),
});

describe('the compact form between threads', () => {
  it('decodes to what was encoded: records, lists, every scalar', () => {
    const scalar = fc.oneof(fc.string(), fc.double(), fc.integer(), fc.constantFrom(0, -0, 2 ** 27, -(2 ** 27), 2 ** 53, NaN, true, false, null));
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, scalar, tie('list'), tie('map')),
      list: fc.array(tie('value'), { maxLength: 4 }),
      map: fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'deviceId')), tie('value'), { maxKeys: 4 }),
    }));
    fc.assert(
      fc.property(value, (v) => {
        const toRecords = (x: unknown): unknown =>
          Array.isArray(x)
            ? x.map(toRecords)
            : typeof x === 'object' && x !== null
              ? Object.assign(decodeValue(encodeValue({})) as object, Object.fromEntries(Object.entries(x).map(([k, y]) => [k, toRecords(y)])))
              : x;
        const input = toRecords(v);
        expect(same(decodeValue(encodeValue(input)), input)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('carries a scanned fleet exactly', () => {
    const { files } = generate(3_000, 10, 11, 2);
    for (const [name, text] of Object.entries(files).filter(([n]) => n.startsWith('fleet/'))) {
      const scanned = scanFleet(text);
      expect(scanned, name).toBeDefined();
      expect(same(decodeValue(encodeValue(scanned)), scanned)).toBe(true);
    }
  });
});

describe('the worker’s share', () => {
  it('is nothing for a small or single-file fleet, and under half of a large one', () => {
    expect(workerShare([PARALLEL_THRESHOLD - 10, 5])).toEqual([]);
    expect(workerShare([PARALLEL_THRESHOLD * 4])).toEqual([]);
    const sizes = Array.from({ length: 20 }, (_, i) => PARALLEL_THRESHOLD / 16 + i * 1000);
    const share = workerShare(sizes);
    const bytes = share.reduce((a, i) => a + sizes[i], 0);
    const total = sizes.reduce((a, b) => a + b, 0);
    expect(bytes / total).toBeGreaterThan(0.35);
    expect(bytes / total).toBeLessThan(0.5);
    // Once two threads are decided on (files of a commit beside files on disk), files in memory are shared whatever their size.
    expect(workerShare([3000, 2000, 1000], 0)).toEqual([1]);
  });
});

describe('whether a worker is worth it', () => {
  it('is, left to decide, only for a fleet of PARALLEL_THRESHOLD or more in two or more files; asked for, for any two files', () => {
    const files = (mb: number) => Array.from({ length: 20 }, () => mb * 1024 * 1024);
    // 200k devices (29 MB in 20 files): one thread was faster; 1M (146 MB): two were.
    expect(worthAWorker(files(1.45), undefined)).toBe(false);
    expect(worthAWorker(files(7.3), undefined)).toBe(true);
    expect(worthAWorker([PARALLEL_THRESHOLD], undefined)).toBe(false);
    expect(worthAWorker([1000, 1000], true)).toBe(true);
    expect(worthAWorker([1000], true)).toBe(false);
    expect(worthAWorker(files(7.3), false)).toBe(false);
  });
});

describe('whether a second core is free', () => {
  const at = (ms: number, machineMs: number | undefined, ownMs: number) => ({ at: ms, machine: machineMs, own: ownMs });

  it('reads the machine’s busy time from /proc/stat (idle and iowait left out), in ms', () => {
    expect(machineBusyMs(() => 'cpu  100 5 50 1000 7 3 2 1 0 0\ncpu0 1 2 3 4 5\n')).toBe((100 + 5 + 50 + 3 + 2 + 1) * 10);
    expect(machineBusyMs(() => 'no cpu line')).toBeUndefined();
    expect(
      machineBusyMs(() => {
        throw new Error('ENOENT');
      }),
    ).toBeUndefined();
  });

  it('is what other processes left free while this run started, not the load average of runs that ended', () => {
    // 200 ms observed: this process used 300 ms of CPU (two threads), others about nothing.
    expect(secondCoreIdle(2, at(0, 10_000, 0), at(200, 10_310, 300))).toBe(true);
    // Another process kept a core busy: others used 150 of the 200 ms.
    expect(secondCoreIdle(2, at(0, 10_000, 0), at(200, 10_450, 300))).toBe(false);
    // One core: never.
    expect(secondCoreIdle(1, at(0, 10_000, 0), at(200, 10_300, 300))).toBe(false);
    // On four cores one busy process still leaves two free.
    expect(secondCoreIdle(4, at(0, 10_000, 0), at(200, 10_500, 300))).toBe(true);
    // Hours after start (the App), the load average decides, not an average over the hours (here: others kept both cores busy).
    const hours = [at(0, 10_000, 0), at(3 * 3600_000, 10_000 + 2 * 3 * 3600_000, 0)] as const;
    expect(secondCoreIdle(2, ...hours, () => 0.2)).toBe(true);
    expect(secondCoreIdle(2, ...hours, () => 1.8)).toBe(false);
  });

  it('is judged on what this run observed, waited for where it started moments ago (not on the load average)', async () => {
    const start = sample();
    await observedLongEnough(start);
    expect(performance.now() - start.at).toBeGreaterThanOrEqual(MIN_OBSERVED_MS - 1);
    const loadAverage = () => {
      throw new Error('the load average was asked');
    };
    if (start.machine !== undefined) expect(() => secondCoreIdle(2, start, sample(), loadAverage)).not.toThrow();
  });
});

type Parallel = typeof import('../src/io/fleet-parallel.js');

/** Every file the worker posts for `inputs` (nothing queued), in input order. */
async function scanned(
  parallel: Parallel,
  inputs: readonly import('../src/io/fleet-parallel.js').FleetInput[],
  limits: import('../src/io/yaml-text.js').YamlLimits,
) {
  const { files, failed } = await parallel.startFleetWorker(inputs, [], limits)!.finish();
  expect(failed).toBe(false);
  return [...files].sort((a, b) => a.slot - b.slot);
}

describe('loading a fleet on two threads', () => {
  it('gives the same repository, resolution and diagnostics as one thread, including a file the scanner gives up on', async () => {
    const { loadRepository } = await built<typeof import('../src/usecases/load.js')>('usecases/load.js');
    const { diskSource } = await built<typeof import('../src/io/disk.js')>('io/disk.js');
    const fleet = generate(60_000, 30, 5, 6);
    // One fleet file the scanner leaves to yaml (an anchor), one with a duplicate device.
    fleet.files['fleet/anchored.yaml'] = 'devices:\n  - deviceId: anchored-1\n    tags: &t { environment: prod }\n  - deviceId: anchored-2\n    tags: *t\n';
    fleet.files['fleet/zz-dup.yaml'] = 'devices:\n  - deviceId: edge-0000001\n';
    const dir = mkdtempSync(path.join(tmpdir(), 'edgeops-parallel-'));
    writeRepository(dir, fleet);
    const one = await loadRepository(diskSource(dir), { parallel: false });
    const two = await loadRepository(diskSource(dir), { parallel: true });
    const devices = (l: typeof one) => l.analysis.repository.fleet.devices;
    expect(devices(two)).toHaveLength(devices(one).length);
    expect(devices(two).every((d, i) => same(d.tags, devices(one)[i].tags) && d.deviceId === devices(one)[i].deviceId && d.file === devices(one)[i].file)).toBe(
      true,
    );
    expect(two.analysis.resolution.winners).toEqual(one.analysis.resolution.winners);
    expect(two.diagnostics).toEqual(one.diagnostics);
    expect([...two.diagnostics].sort(compareDiagnostics)).toEqual(two.diagnostics);
    expect(two.diagnostics.some((d) => d.file === 'fleet/zz-dup.yaml')).toBe(true);
  });

  it('runs the worker from lib/: columns for clean files, scanned values for other scannable ones, yaml where the scanner gives up, unchecked where readYaml has its own say', async () => {
    const parallel = await built<typeof import('../src/io/fleet-parallel.js')>('io/fleet-parallel.js');
    expect(parallel.fleetWorkerAvailable()).toBe(true);
    const { files } = generate(2_000, 5, 3, 2);
    const texts = [files['fleet/devices-00.yaml'] ?? Object.entries(files).find(([n]) => n.startsWith('fleet/'))![1], 'devices:\n  - &a { deviceId: x }\n'];
    const inputs = texts.map((t, i) => ({ file: `f${i}`, bytes: new TextEncoder().encode(t) }));
    // Files readYaml has something to say about before its fast path: read on the main thread.
    inputs.push({ file: 'bad-utf8', bytes: Uint8Array.from([...new TextEncoder().encode('devices:\n  - deviceId: d'), 0xff, 10]) });
    inputs.push({ file: 'replacement', bytes: new TextEncoder().encode('devices:\n  - deviceId: d1\n    tags: { a: "\uFFFD" }\n') });
    inputs.push({ file: 'long-line', bytes: new TextEncoder().encode(`devices:\n  - deviceId: ${'d'.repeat(200)}\n`) });
    inputs.push({ file: 'too-large', bytes: new TextEncoder().encode(`devices:\n${'  - deviceId: d1\n'.repeat(20)}`) });
    // Flow style: not for the columns, but for the scanner.
    inputs.push({ file: 'flow', bytes: new TextEncoder().encode('devices:\n  - { deviceId: d1 }\n') });
    const limits = { maxBytes: 300, maxLineLength: 100, maxDepth: 64 };
    const results = (await scanned(parallel, inputs, { ...limits, maxBytes: 1 << 30 })).map((f) => f.scanned);
    expect(results).toHaveLength(7);
    const first = results[0];
    // A clean file comes back as columns: its devices are those built from the scanner's value.
    expect(typeof first === 'object' && same(first.fleet().devices, buildFleetFile('f0', scanFleet(texts[0])).devices)).toBe(true);
    expect(results.slice(1)).toEqual([
      'yaml',
      'unchecked',
      'unchecked',
      'unchecked',
      expect.objectContaining({ fleet: expect.any(Function) }),
      expect.any(Function),
    ]);
    const small = await scanned(parallel, inputs.slice(5, 6), limits);
    expect(small.map((f) => f.scanned)).toEqual(['unchecked']);
  });

  it('a clean fleet stays columns on two threads, from disk (queued) and from memory (shared out): the same as on one', async () => {
    const { loadRepository } = await built<typeof import('../src/usecases/load.js')>('usecases/load.js');
    const { diskSource } = await built<typeof import('../src/io/disk.js')>('io/disk.js');
    const { memorySource } = await built<typeof import('../src/io/source.js')>('io/source.js');
    const fleet = generate(30_000, 20, 5, 6);
    const dir = mkdtempSync(path.join(tmpdir(), 'edgeops-columns-'));
    writeRepository(dir, fleet);
    const one = await loadRepository(diskSource(dir), { parallel: false });
    for (const two of [await loadRepository(diskSource(dir), { parallel: true }), await loadRepository(memorySource(fleet.files), { parallel: true })]) {
      const fleetFiles = [...two.files.values()].filter((f) => f.file.startsWith('fleet/'));
      expect(fleetFiles.length).toBeGreaterThan(1);
      expect(fleetFiles.every((f) => f.fleet?.columns !== undefined)).toBe(true);
      expect(two.analysis.fleetIndex.deviceIds).toEqual(one.analysis.fleetIndex.deviceIds);
      expect(two.analysis.resolution.winners).toEqual(one.analysis.resolution.winners);
      expect(two.diagnostics).toEqual(one.diagnostics);
      const last = one.analysis.fleetIndex.deviceIds.at(-1)!;
      expect(JSON.stringify(two.analysis.fleetIndex.device(last))).toBe(JSON.stringify(one.analysis.fleetIndex.device(last)));
    }
  });

  it('shares a queue of files on disk with this thread: each file is taken once, streamed there with its stamp', async () => {
    const parallel = await built<Parallel>('io/fleet-parallel.js');
    const dir = mkdtempSync(path.join(tmpdir(), 'edgeops-queue-'));
    const texts = Array.from({ length: 12 }, (_, i) => `devices:\n  - deviceId: d${i}\n    tags: { n: ${i} }\n`);
    const paths = texts.map((t, i) => path.join(dir, `f${i}.yaml`));
    paths.forEach((p, i) => writeFileSync(p, texts[i]));
    const queue = paths.map((p, i) => ({ file: `fleet/f${i}.yaml`, path: p }));
    const worker = parallel.startFleetWorker([], queue, { maxBytes: 1 << 20, maxLineLength: 1000, maxDepth: 64 })!;
    const mine: number[] = [];
    const theirs: number[] = [];
    // This thread takes a file now and then, as if scanning it; the worker takes the others.
    for (let q = worker.claim(); q >= 0; q = worker.claim()) {
      mine.push(q);
      await new Promise((resolve) => setTimeout(resolve, 15));
      for (const f of worker.take()) theirs.push(f.slot);
    }
    const { files, failed } = await worker.finish();
    expect(failed).toBe(false);
    for (const f of files) theirs.push(f.slot);
    expect([...mine, ...theirs].sort((a, b) => a - b)).toEqual(texts.map((_, i) => i));
    expect(mine.length).toBeGreaterThan(0);
    expect(theirs.length).toBeGreaterThan(0);
  });

  it('builds a streamed file there: the devices and diagnostics buildFleetFile gives, where each device starts, its stamp; one it cannot stream is left to this thread', async () => {
    const parallel = await built<Parallel>('io/fleet-parallel.js');
    const { buildFleetFile } = await built<typeof import('../src/core/validate/fleet.js')>('core/validate/fleet.js');
    const dir = mkdtempSync(path.join(tmpdir(), 'edgeops-queue-'));
    // A clean device, one whose tags lose a value IoT Hub rejects, one dropped, one with a nested tag.
    const text =
      'devices:\n  - deviceId: d1\n    tags: { env: prod }\n  - deviceId: d2\n    tags: { env: ~, ring: 2 }\n  - deviceId: "bad id"\n  - { deviceId: d4, tags: { site: { building: 7 } } }\n';
    writeFileSync(path.join(dir, 'a.yaml'), text);
    writeFileSync(path.join(dir, 'b.yaml'), text.replace('prod', 'pröd'));
    const queue = ['a.yaml', 'b.yaml', 'missing.yaml'].map((f) => ({ file: `fleet/${f}`, path: path.join(dir, f) }));
    const { files } = await parallel.startFleetWorker([], queue, { maxBytes: 1 << 20, maxLineLength: 1000, maxDepth: 64 })!.finish();
    const [a, b, missing] = [...files].sort((x, y) => x.slot - y.slot);
    if (typeof a.scanned !== 'object') throw new Error(`a.yaml was not built: ${String(a.scanned)}`);
    const here = buildFleetFile('fleet/a.yaml', scanFleet(text));
    const there = a.scanned.fleet();
    expect(there.devices.map((d) => [d.deviceId, d.file, d.index])).toEqual(here.devices.map((d) => [d.deviceId, d.file, d.index]));
    expect(there.devices.every((d, i) => same(d.tags, here.devices[i].tags))).toBe(true);
    expect(there.diagnostics).toEqual(here.diagnostics);
    expect(there.diagnostics.length).toBeGreaterThan(0);
    expect(there.mixedCaseTagNames).toBe(here.mixedCaseTagNames);
    expect([...a.scanned.offsets]).toEqual([...text.matchAll(/^ {2}- /gm)].map((m) => m.index));
    expect(a.stamp?.size).toBe(text.length);
    expect([b.scanned, b.stamp, missing.scanned]).toEqual(['unchecked', undefined, 'unchecked']);
  });

  it('moves owned bytes to the worker and back instead of copying them; bytes that share a buffer are copied', async () => {
    const parallel = await built<typeof import('../src/io/fleet-parallel.js')>('io/fleet-parallel.js');
    const text = 'devices:\n  - deviceId: d1\n    tags: { env: prod }\n';
    const own = new TextEncoder().encode(text);
    const length = own.length;
    const shared = new Uint8Array(own.length + 8);
    shared.set(own, 8);
    const inputs = [
      { file: 'own', bytes: own, move: true },
      { file: 'shared', bytes: shared.subarray(8), move: true },
      { file: 'kept', bytes: own.slice(), move: false },
    ];
    expect(inputs.map((i) => parallel.movable(i.bytes))).toEqual([true, false, true]);
    const pending = scanned(parallel, inputs, { maxBytes: 1 << 20, maxLineLength: 1000, maxDepth: 64 });
    // Moved: this thread no longer holds them while the worker does.
    expect(own.byteLength).toBe(0);
    expect(shared.byteLength).toBe(length + 8);
    const files = await pending;
    // Moved bytes come back; copies stay here (the worker sends none back).
    expect(files.map((f) => f.bytes && new TextDecoder().decode(f.bytes))).toEqual([text, undefined, undefined]);
    expect(files.every((f) => typeof f.scanned === 'function' && same(f.scanned(), scanFleet(text)))).toBe(true);
  });

  it('gives, for a file the worker checked and scanned, what readYaml gives for it here', async () => {
    const { fastPathText, readFast, readYaml, DEFAULT_LIMITS } = await built<typeof import('../src/io/yaml.js')>('io/yaml.js');
    const { files } = generate(500, 5, 3, 2);
    const texts = [
      ...Object.entries(files)
        .filter(([n]) => n.startsWith('fleet/'))
        .map(([, t]) => t),
      '\uFEFFdevices:\n  - deviceId: d1\r\n    tags: { a: 1 }\r\n',
      'devices:\r  - deviceId: d1\r',
      'devices:\n  - deviceId: d1\n    tags: { "a.b": 1, Env: x, env: y, loc: new york }\n',
    ];
    for (const text of texts) {
      const bytes = new TextEncoder().encode(text);
      const checked = fastPathText(bytes, DEFAULT_LIMITS);
      expect(checked).toBeDefined();
      const value = scanFleet(checked!);
      if (value === undefined) continue;
      const here = readYaml('f.yaml', bytes, DEFAULT_LIMITS, scanFleet);
      const there = readFast('f.yaml', bytes, DEFAULT_LIMITS, value);
      expect(exactly(there)).toEqual(exactly(here));
    }
  });
});
