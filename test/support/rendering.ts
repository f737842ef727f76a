/**
 * Writes the rendered layout (`devices/<xx>/<encoded id>.json`, canonical JSON of
 * each device's effective manifest) for a repository, as `edgeops apply` does to a
 * folder: a stand-in for the status and simulate tests.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { devicePath } from '../../src/core/manifest/layout.js';
import { renderManifest } from '../../src/core/manifest/render.js';
import type { LoadedRepository } from '../../src/usecases/load.js';

/** Writes one file per managed device under `dir`; returns how many. */
export function writeRendering(dir: string, loaded: LoadedRepository): number {
  const { repository, resolution } = loaded.analysis;
  const json = new Map(repository.deployments.map((d) => [d.id, renderManifest(d).json]));
  let n = 0;
  resolution.deviceIds.forEach((deviceId, i) => {
    const winner = resolution.winners[i];
    if (winner === null) return;
    const file = path.join(dir, devicePath(deviceId));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, json.get(winner)!);
    n++;
  });
  return n;
}
