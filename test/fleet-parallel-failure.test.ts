/**
 * A worker that fails after the fleet's bytes were moved to it: the loader reads those
 * files again and gives what one thread gives. The worker is replaced by one that takes
 * the bytes (detaches them, as a move does) and fails; in its own file, so the
 * replacement touches no other test.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { generate, writeRepository } from './support/fleet-generator.js';

const lib = new URL('../lib/', import.meta.url);
const built = async <T>(module: string): Promise<T> => (await import(new URL(module, lib).href)) as T;

describe('a fleet worker that fails', () => {
  it('leaves no file lost: the files moved to it are read again, and those it was to read from disk are read here', async () => {
    let moved = 0;
    let streamed = 0;
    // The worker takes its share and the whole queue (this thread gets none), then fails without posting a file.
    vi.doMock(fileURLToPath(new URL('io/fleet-parallel.js', lib)), async (original) => ({
      ...(await original<typeof import('../src/io/fleet-parallel.js')>()),
      startFleetWorker: (inputs: readonly { bytes: Uint8Array; move?: boolean }[], queue: readonly string[]) => {
        streamed += queue.length;
        for (const { bytes, move } of inputs) {
          if (!move) continue;
          structuredClone(bytes.buffer, { transfer: [bytes.buffer as ArrayBuffer] });
          moved++;
        }
        return { claim: () => -1, take: () => [], finish: async () => ({ files: [], failed: true }) };
      },
    }));
    const { loadRepository } = await built<typeof import('../src/usecases/load.js')>('usecases/load.js');
    const { diskSource } = await built<typeof import('../src/io/disk.js')>('io/disk.js');
    const dir = mkdtempSync(path.join(tmpdir(), 'edgeops-worker-fails-'));
    writeRepository(dir, generate(40_000, 10, 5, 6));
    const one = await loadRepository(diskSource(dir), { parallel: false });
    // Left to decide (no `parallel`), a fleet of a few MB is read on this thread alone: no worker starts.
    await loadRepository(diskSource(dir));
    expect(streamed).toBe(0);
    const same = (two: typeof one) => {
      expect(two.analysis.repository.fleet.devices.map((d) => d.deviceId)).toEqual(one.analysis.repository.fleet.devices.map((d) => d.deviceId));
      expect(two.analysis.resolution.winners).toEqual(one.analysis.resolution.winners);
      expect(two.diagnostics).toEqual(one.diagnostics);
    };
    // Files on disk go to the worker's queue as paths.
    same(await loadRepository(diskSource(dir), { parallel: true }));
    expect(streamed).toBeGreaterThan(0);
    expect(moved).toBe(0);
    // Once hashed for their blob ids (a plan's working tree) their bytes are in memory, and are moved.
    const hashed = diskSource(dir);
    await hashed.treeOid!('fleet');
    same(await loadRepository(hashed, { parallel: true }));
    expect(moved).toBeGreaterThan(0);
  });
});
