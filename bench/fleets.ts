/** The generated repositories the bench measures: bench/out/<N>x<D> (ignored by git), generated once. */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generate, writeRepository } from '../test/support/fleet-generator.js';

export const benchRoot = path.resolve(import.meta.dirname, '..');

/** The repository for `size` (`200000x300`), generated with test/support/fleet-generator.ts when missing. */
export function generatedRepository(size: string): { dir: string; devices: number; deployments: number } {
  const [devices, deployments] = size.split('x').map(Number);
  const dir = path.join(benchRoot, 'bench/out', `${devices}x${deployments}`);
  const metaFile = path.join(dir, 'meta.json');
  if (!existsSync(metaFile)) {
    const fleet = generate(devices, deployments);
    writeRepository(dir, fleet);
    writeFileSync(metaFile, JSON.stringify({ devices, deployments, fleetBytes: fleet.fleetBytes }));
  }
  return { dir, devices, deployments };
}
