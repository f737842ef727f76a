/** The JSON contracts of DESIGN §4: exactly these fields, nothing internal. */
import type { PlacedDiagnostic } from '../core/diagnostics.js';
import type { DeviceExplanation } from '../core/analysis/explain.js';
import type { PlanReport } from '../core/plan/report.js';
import type { DeploymentMetrics, Resolution } from '../core/resolve/resolve.js';

export const diagnosticJson = (d: PlacedDiagnostic) => ({
  severity: d.severity,
  code: d.code,
  message: d.message,
  file: d.file,
  line: d.line,
  column: d.column,
});

/** The version of the `resolve --format json` document. */
export const RESOLVE_JSON_VERSION = 1;

export interface ResolveJsonOptions {
  /** Each device also lists its candidates (matching deployments, winner first). */
  readonly candidates?: boolean;
}

export const deploymentJson = (d: DeploymentMetrics) => ({ id: d.id, priority: d.priority, targeted: d.targeted, applied: d.applied, labels: { ...d.labels } });

export interface DeviceJson {
  deviceId: string;
  deployment: string | null;
  tie?: readonly string[];
  candidates?: readonly string[];
}

/**
 * `resolve --format json` as one object: the reference the streamed writer
 * (render/json-stream.ts) is tested against; fine for small fleets.
 */
export function resolveJson(resolution: Resolution, diagnostics: readonly PlacedDiagnostic[], options: ResolveJsonOptions = {}) {
  const devices = resolution.deviceIds.map((deviceId, i): DeviceJson => {
    const tie = resolution.ties.get(i);
    const device: DeviceJson = { deviceId, deployment: tie ? null : resolution.winners[i] };
    if (tie) device.tie = [...tie];
    if (options.candidates) device.candidates = [...resolution.candidatesOf(i)];
    return device;
  });
  return { version: RESOLVE_JSON_VERSION, devices, deployments: resolution.deployments.map(deploymentJson), diagnostics: diagnostics.map(diagnosticJson) };
}

/** Every JSON output says which contract it follows; a breaking change bumps it. */
export const JSON_VERSION = RESOLVE_JSON_VERSION;

export function validateJson(valid: boolean, diagnostics: readonly PlacedDiagnostic[]) {
  return { version: JSON_VERSION, valid, diagnostics: diagnostics.map(diagnosticJson) };
}

export const stringify = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

export function explainJson(e: DeviceExplanation) {
  return {
    version: JSON_VERSION,
    deviceId: e.device.deviceId,
    file: e.device.file,
    tags: e.device.tags,
    deployment: e.winner,
    reason: e.reason,
    ...(e.winnerManifest ? { winnerManifest: { valid: false, ...e.winnerManifest } } : {}),
    deployments: e.deployments,
  };
}

/** `plan --format json`: DESIGN §4, plus `transitions` and `policy`. */
export function planJson(result: PlanReport) {
  const { plan } = result;
  const present = new Set(result.present ?? []);
  return {
    version: JSON_VERSION,
    valid: result.valid,
    // `introduced` by this change, or `present` on base already.
    diagnostics: result.diagnostics.map((d) => ({ ...diagnosticJson(d), status: present.has(d) ? 'present' : 'introduced' })),
    fixed: (result.fixed ?? []).map(diagnosticJson),
    summary: plan.summary,
    changes: plan.changes,
    deployments: plan.deployments.map((d) => ({
      id: d.id,
      before: d.before,
      after: d.after,
      ...(d.invalidAtHead !== undefined && { invalidAtHead: d.invalidAtHead }),
      ...(d.edits && { edits: d.edits }),
      ...(d.contentChanges && { contentChanges: d.contentChanges }),
      ...(d.moreContentChanges && { moreContentChanges: d.moreContentChanges }),
    })),
    transitions: plan.transitions.map((t) => ({ kind: t.kind, from: t.from, to: t.to, count: t.count, devices: t.devices, why: t.why })),
    policy: result.policy,
    unknown: plan.unknown ?? [],
  };
}
