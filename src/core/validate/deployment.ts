/** Builds a Deployment from a parsed deployment file, with every semantic problem as a diagnostic. */
import { isMapping } from '../collections.js';
import { conditionDiagnostic, parseCondition, type Expr } from '../condition/index.js';
import { append, error, warning, type Diagnostic } from '../diagnostics.js';
import { checkManifest } from '../manifest/checks.js';
import { checkManifestLimits } from '../manifest/limits.js';
import type { Deployment } from '../model.js';
import { isBare, record } from '../record.js';

const DEPLOYMENT_ID = /^[a-z0-9\-+%_*!']{1,128}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export interface BuiltDeployment {
  /** Missing when the file lacks what resolution needs (a valid priority and createdAt). */
  readonly deployment?: Deployment;
  /** The parsed target condition; missing when it is absent, empty or has an error. */
  readonly expr?: Expr;
  readonly diagnostics: readonly Diagnostic[];
}

/** `deployments/telemetry-prod.yaml` → `telemetry-prod`. */
export const deploymentIdOf = (file: string): string => file.replace(/^.*\//, '').replace(/\.ya?ml$/i, '');

export function buildDeployment(file: string, value: unknown): BuiltDeployment {
  const diagnostics: Diagnostic[] = [];
  const id = deploymentIdOf(file);
  if (!DEPLOYMENT_ID.test(id)) {
    diagnostics.push(
      error('deployment/invalid-id', `deployment id '${id}' (the file name) must be 1 to 128 lowercase letters, digits and -+%_*!': rename the file`, { file }),
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    // The schema check has said what is wrong with the shape.
    return { diagnostics };
  }
  const doc = value as Record<string, unknown>;
  if (doc.id !== undefined && doc.id !== id) {
    diagnostics.push(
      error('deployment/id-mismatch', `id '${String(doc.id)}' differs from the file name '${id}': the file name is the id, so remove id: or rename the file`, {
        file,
        path: ['id'],
      }),
    );
  }
  const createdAtMs = typeof doc.createdAt === 'string' && RFC3339.test(doc.createdAt) ? Date.parse(doc.createdAt) : NaN;
  // A malformed string is the schema's to report; this catches what its format check lets through (e.g. leap seconds).
  if (typeof doc.createdAt === 'string' && RFC3339.test(doc.createdAt) && Number.isNaN(createdAtMs)) {
    diagnostics.push(
      error('deployment/invalid-created-at', `createdAt '${doc.createdAt}' is not an RFC 3339 instant such as 2026-10-01T09:00:00Z`, {
        file,
        path: ['createdAt'],
      }),
    );
  }

  let targetCondition: string | undefined;
  let expr: Expr | undefined;
  if (doc.targetCondition === undefined || doc.targetCondition === null) {
    diagnostics.push(warning('condition/empty', "deployment has no targetCondition, so it targets no device; use '*' to target every device", { file }));
  } else if (typeof doc.targetCondition === 'string') {
    targetCondition = doc.targetCondition;
    const parsed = parseCondition(targetCondition);
    expr = parsed.expr;
    for (const p of parsed.problems) diagnostics.push(conditionDiagnostic(p, file, ['targetCondition']));
  }

  if (doc.content === undefined) {
    // A warning, not an error: resolution does not depend on content, and a repository
    // sketched without manifests (conditions and priorities first) should still resolve.
    diagnostics.push(
      warning('deployment/no-content', 'deployment has no content: IoT Hub would reject it and apply pushes nothing for it; add content.modulesContent', {
        file,
      }),
    );
  }

  if (isMapping(doc.content)) append(diagnostics, checkManifest(file, doc.content.modulesContent));

  const priority = doc.priority;
  const validPriority = typeof priority === 'number' && Number.isInteger(priority) && priority >= 0 && priority <= 2147483647;
  if (!validPriority || Number.isNaN(createdAtMs)) return { expr, diagnostics };

  const deployment: Deployment = {
    id,
    file,
    priority,
    createdAt: doc.createdAt as string,
    createdAtMs,
    targetCondition,
    labels: isMapping(doc.labels) ? stringRecord(doc.labels) : {},
    modulesContent: isMapping(doc.content) && isMapping(doc.content.modulesContent) ? doc.content.modulesContent : {},
  };
  diagnostics.push(...checkManifestLimits(deployment));
  return { deployment, expr, diagnostics };
}

function stringRecord(v: Record<string, unknown>): Record<string, string> {
  // Labels are almost always all strings: keep the record as read (copying a wide one is slow).
  if (isBare(v) && Object.values(v).every((x) => typeof x === 'string')) return v as Record<string, string>;
  const out = record<string>();
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}
