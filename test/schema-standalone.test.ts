/**
 * The schema checks run ajv's standalone code, compiled at build time
 * (src/generated/validators.ts). Its reference twin is ajv compiling the same
 * schemas at run time with the same options: both must give the same diagnostics
 * for real deployment files and policies, and for random edits of them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { checkDeploymentSchema, checkPolicySchema, deploymentSchema, policySchema } from '../src/io/schema.js';

const root = path.resolve(import.meta.dirname, '..');

/** The options scripts/generate.mjs compiles with. */
function compiled(schema: Record<string, unknown>): ValidateFunction {
  const ajv = new Ajv2020.default({ allErrors: true, strict: false, verbose: true });
  addFormats.default(ajv, ['date-time']);
  return ajv.compile(schema);
}

/** Every file under `folder` whose path matches. */
function files(folder: string, match: RegExp): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((f) => match.test(f.split(path.sep).join('/')))
    .map((f) => path.join(folder, f));
}

/** A file's value; `undefined` for the few fixtures that are not YAML on purpose. */
function readYamlFile(file: string): unknown {
  try {
    return parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

const readable = (list: string[]) => list.filter((f) => readYamlFile(f) !== undefined);
const deployments = readable([...files(path.join(root, 'deployments'), /\.yaml$/), ...files(path.join(root, 'test/fixtures'), /deployments\/[^/]+\.yaml$/)]);
const policies = readable(files(path.join(root, 'test/fixtures'), /\.github\/edgeops\.yml$/));

/** Sets `value` at a path chosen by `choices` (a key at each level, possibly a new one), or deletes there. */
function edit(doc: unknown, choices: readonly number[], value: unknown, remove: boolean): unknown {
  const copy = structuredClone(doc);
  let node = copy as Record<string, unknown>;
  for (let level = 0; level < choices.length; level++) {
    const keys = Object.keys(node);
    const key = keys.length === 0 || choices[level] >= keys.length ? `extra${choices[level]}` : keys[choices[level]];
    const last = level === choices.length - 1 || typeof node[key] !== 'object' || node[key] === null;
    if (last) {
      if (remove) delete node[key];
      else node[key] = value;
      break;
    }
    node = node[key] as Record<string, unknown>;
  }
  return copy;
}

const anyValue = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', 'not-a-date', '2026-10-01T09:00:00Z', 'running', 'always', 'docker', '1.1', 'a'.repeat(300)),
  fc.integer({ min: -5, max: 2 ** 31 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.string({ maxLength: 4 }), fc.integer()), { maxKeys: 3 }),
);

const anEdit = fc.record({
  choices: fc.array(fc.nat({ max: 12 }), { minLength: 1, maxLength: 7 }),
  value: anyValue,
  remove: fc.boolean(),
});

describe('schema checks compiled at build time', () => {
  const reference = { deployment: compiled(deploymentSchema()), policy: compiled(policySchema()) };

  it('has real files to compare', () => {
    expect(deployments.length).toBeGreaterThan(20);
    expect(policies.length).toBeGreaterThan(1);
  });

  it('gives the diagnostics runtime compilation gives, for every deployment file in the repository', () => {
    for (const file of deployments) {
      const value = readYamlFile(file);
      expect(checkDeploymentSchema(file, value), file).toEqual(checkDeploymentSchema(file, value, reference.deployment));
    }
  });

  it('and for random edits of them (wrong types, unknown keys, removed keys, bad strings)', () => {
    const values = deployments.map(readYamlFile);
    let invalid = 0;
    fc.assert(
      fc.property(fc.nat({ max: values.length - 1 }), fc.array(anEdit, { minLength: 1, maxLength: 4 }), (which, edits) => {
        const value = edits.reduce((doc, e) => edit(doc, e.choices, e.value, e.remove), values[which]);
        const got = checkDeploymentSchema('d.yaml', value);
        if (got.length > 0) invalid++;
        expect(got).toEqual(checkDeploymentSchema('d.yaml', value, reference.deployment));
      }),
      { numRuns: 400, seed: 20261126 },
    );
    // The edits reach the checks: most of them break something.
    expect(invalid).toBeGreaterThan(200);
  });

  it('gives the same diagnostics for policies and their edits', () => {
    const values = policies.map(readYamlFile);
    for (const [i, value] of values.entries()) expect(checkPolicySchema(policies[i], value)).toEqual(checkPolicySchema(policies[i], value, reference.policy));
    fc.assert(
      fc.property(fc.nat({ max: values.length - 1 }), anEdit, (which, e) => {
        const value = edit(values[which], e.choices, e.value, e.remove);
        expect(checkPolicySchema('p.yml', value)).toEqual(checkPolicySchema('p.yml', value, reference.policy));
      }),
      { numRuns: 200, seed: 20261126 },
    );
  });
});
