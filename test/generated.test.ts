/** The committed modules generated from schemas/*.json and package.json are up to date. */
import { describe, expect, it } from 'vitest';
import { staleFiles } from '../scripts/generate.mjs';
import { deploymentSchema, fleetSchema } from '../src/io/schema.js';
import { VERSION } from '../src/generated/version.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const json = (file: string) => JSON.parse(readFileSync(path.join(root, file), 'utf8'));

describe('generated modules', () => {
  it('are fresh: run `npm run generate` and commit the result when this fails', () => {
    expect(staleFiles()).toEqual([]);
  });

  it('carry the schemas and the version', () => {
    expect(deploymentSchema()).toEqual(json('schemas/deployment.schema.json'));
    expect(fleetSchema()).toEqual(json('schemas/fleet.schema.json'));
    expect(VERSION).toBe(json('package.json').version);
  });
});
