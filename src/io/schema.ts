/**
 * JSON Schema checks (ajv, draft 2020-12) of deployment files, with ajv's
 * errors turned into one readable diagnostic per place. The validation functions
 * are compiled at build time (ajv's standalone code, src/generated/validators.ts,
 * with `allErrors`, `verbose`, non-strict and the `date-time` format): nothing is
 * compiled at run time.
 */
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { error, type Diagnostic } from '../core/diagnostics.js';
import { clip } from '../core/text.js';
import * as schemas from '../generated/schemas.js';
import * as validators from '../generated/validators.js';

/** The schemas shipped in `schemas/`, as editors see them (carried in at build: scripts/generate.mjs). */
export const deploymentSchema = (): Record<string, unknown> => schemas.deploymentSchema;
export const fleetSchema = (): Record<string, unknown> => schemas.fleetSchema;
export const policySchema = (): Record<string, unknown> => schemas.policySchema;

const validateDeployment = validators.validateDeployment as unknown as ValidateFunction;
const validatePolicy = validators.validatePolicy as unknown as ValidateFunction;

const pointer = (instancePath: string): string[] =>
  instancePath === ''
    ? []
    : instancePath
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));

/** A value for a message: at most ~200 characters, never a whole mapping. */
const show = (v: unknown): string => {
  if (typeof v === 'string') return `'${clip(v)}'`;
  if (typeof v === 'object' && v !== null) return Array.isArray(v) ? `a list of ${v.length}` : 'a mapping';
  return String(v);
};

/** Schema diagnostics listed per file; the rest are counted in one more. */
export const MAX_SCHEMA_DIAGNOSTICS = 100;

function describe(e: ErrorObject, value: unknown): string {
  const description = (e.parentSchema as { description?: string } | undefined)?.description;
  const found = value === undefined ? '' : ` (found ${show(value)})`;
  switch (e.keyword) {
    case 'required':
      return `missing required key '${e.params.missingProperty}': add it`;
    case 'additionalProperties': {
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return `unknown key '${clip(String(e.params.additionalProperty), 80)}': remove it or check its spelling${allowed.length ? ` (allowed here: ${allowed.join(', ')})` : ''}`;
    }
    case 'enum':
      return `must be one of ${(e.params.allowedValues as unknown[]).map(show).join(', ')}${found}`;
    case 'const':
      return `must be ${show(e.params.allowedValue)}${found}`;
    case 'type':
      return `must be ${String(e.params.type).replace(',', ' or ')}${found}`;
    case 'pattern':
    case 'minLength':
    case 'maxLength':
      return `${show(value)} is not allowed${description ? `: ${description}` : `: ${e.message}`}`;
    case 'format':
      return `${show(value)} is not an RFC 3339 date-time such as 2026-10-01T09:00:00Z`;
    case 'oneOf':
    case 'anyOf':
      return description ?? `${e.message}${found}`;
    case 'false schema':
      return 'is not allowed here';
    default:
      return `${e.message}${found}`;
  }
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let v = root;
  for (const p of path) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

/** Schema diagnostics for one deployment file: one per place, the most specific first. */
export function checkDeploymentSchema(file: string, value: unknown, validate = validateDeployment): Diagnostic[] {
  return checkSchema(validate, file, value);
}

/** Schema diagnostics for `.github/edgeops.yml`. */
export function checkPolicySchema(file: string, value: unknown, validate = validatePolicy): Diagnostic[] {
  return checkSchema(validate, file, value).map((d) => ({ ...d, code: 'policy/invalid' }));
}

function checkSchema(validate: ValidateFunction, file: string, value: unknown): Diagnostic[] {
  if (validate(value)) return [];
  // A bad key name is reported by the failing check inside propertyNames (it carries the
  // name's own description); the propertyNames summary adds nothing.
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if' && e.keyword !== 'propertyNames');
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  // Indexed once, so a file with thousands of errors is not checked pair by pair.
  const summaries = new Set(errors.filter((o) => o.keyword === 'oneOf' || o.keyword === 'anyOf').map((o) => o.instancePath));
  const parents = new Set<string>();
  for (const o of errors) for (let p = o.instancePath, i = p.lastIndexOf('/'); i > 0; p = p.slice(0, i), i = p.lastIndexOf('/')) parents.add(p.slice(0, i));
  for (const o of errors) if (o.instancePath !== '') parents.add('');
  let dropped = 0;
  for (const e of errors) {
    const path = pointer(e.instancePath);
    // A branch of oneOf/anyOf said more precisely where it failed: skip the summary, and a
    // type error of the other branch at the same place.
    const summarised = summaries.has(e.instancePath);
    const deeper = parents.has(e.instancePath);
    if (summarised && deeper) continue;
    if (summarised && e.keyword !== 'oneOf' && e.keyword !== 'anyOf') continue;
    const badKey = (e as ErrorObject & { propertyName?: string }).propertyName;
    const extra = e.params.additionalProperty ?? badKey;
    const where = extra !== undefined ? [...path, String(extra)] : path;
    const key = `${where.join('/')}|${e.keyword === 'required' ? e.params.missingProperty : ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const name = where.length > 0 ? `${where[where.length - 1]}: ` : '';
    const description = (e.parentSchema as { description?: string } | undefined)?.description;
    const message =
      badKey !== undefined
        ? `key '${clip(String(badKey), 80)}' is not allowed: ${description ?? e.message}`
        : `${e.keyword === 'additionalProperties' ? '' : name}${describe(e, valueAt(value, path))}`;
    const pointsAtKey = extra !== undefined || e.keyword === 'required';
    if (out.length >= MAX_SCHEMA_DIAGNOSTICS) {
      dropped++;
      continue;
    }
    out.push(error('schema/invalid', message, { file, path: where, key: pointsAtKey }));
  }
  if (dropped > 0) {
    out.push(error('schema/invalid', `and ${dropped} more schema errors in this file: fix the ones above first`, { file }));
  }
  return out;
}
