/**
 * The apply use-case: validate, resolve, render each winning deployment once,
 * and have the sink write what differs from what it last received. An invalid
 * repository writes nothing.
 */
import { diffTarget, type ApplyChanges } from '../core/apply/changes.js';
import type { PlacedDiagnostic } from '../core/diagnostics.js';
import { gitBlobId } from '../core/manifest/canonical.js';
import { renderManifest, type RenderedManifest } from '../core/manifest/render.js';
import type { Source } from '../io/source.js';
import { NO_CHANGES, type ApplySource, type Desired, type DeviceFailure, type Sink, type SinkKind } from '../io/sinks/sink.js';
import { loadRepository, type LoadOptions } from './load.js';

export interface ApplyOptions extends LoadOptions {
  /** Compute and report, write nothing. */
  readonly dryRun?: boolean;
  /** What the source is, for the output and the rendered commit's trailer (a promise: worked out while the source loads). */
  readonly sourceInfo: ApplySource | Promise<ApplySource>;
  readonly onProgress?: (done: number, total: number) => void;
}

/** Per winning deployment: the devices it applies to, and how many were written this time. */
export interface DeploymentApply {
  readonly id: string;
  readonly applied: number;
  readonly pushed: number;
  readonly failed: number;
}

export interface ApplyResult {
  readonly valid: boolean;
  readonly diagnostics: readonly PlacedDiagnostic[];
  readonly dryRun: boolean;
  readonly source: ApplySource;
  readonly sink: { readonly kind: SinkKind; readonly target: string };
  /** Devices written or sent (a dry run: that would be). */
  readonly pushed: number;
  readonly unchanged: number;
  readonly removed: number;
  readonly unmanaged: number;
  readonly failed: readonly DeviceFailure[];
  /** The rendered commit (git-backed sinks). */
  readonly commit: string | null;
  /** The delivered branch's commit (iothub). */
  readonly delivered?: string;
  readonly skipped?: string;
  /** Deployments that win at least one device, by id. */
  readonly deployments: readonly DeploymentApply[];
  /** Every device was delivered and the repository is valid. */
  readonly ok: boolean;
}

export async function apply(source: Source, sink: Sink, options: ApplyOptions): Promise<ApplyResult> {
  sink.readAhead?.();
  const [loaded, sourceInfo] = await Promise.all([loadRepository(source, options), options.sourceInfo]);
  const base = { diagnostics: loaded.diagnostics, dryRun: options.dryRun ?? false, source: sourceInfo, sink: { kind: sink.kind, target: sink.target } };
  if (!loaded.valid) {
    return { ...base, valid: false, pushed: 0, unchanged: 0, removed: 0, unmanaged: 0, failed: [], commit: null, deployments: [], ok: false };
  }
  const { resolution, repository } = loaded.analysis;
  const winning = resolution.deployments.filter((d) => d.applied > 0);
  const byId = new Map(repository.deployments.map((d) => [d.id, d]));
  const manifests = new Map<string, RenderedManifest>();
  const keys = new Map<string, string>();
  for (const { id } of winning) {
    const rendered = renderManifest(byId.get(id)!);
    manifests.set(id, rendered);
    keys.set(id, gitBlobId(rendered.json));
  }
  const desired: Desired = {
    manifests,
    fleet: resolution,
    keys,
    changesAgainst: (received: ReadonlyMap<string, string>) => diffTarget(resolution, keys, received),
  };

  let changes: ApplyChanges;
  let failed: readonly DeviceFailure[] = [];
  let commit: string | null = null;
  let skipped: string | undefined;
  let delivered: string | undefined;
  if (base.dryRun) changes = desired.changesAgainst(await sink.received());
  else {
    const result = await sink.apply(desired, sourceInfo, { onProgress: options.onProgress });
    changes = result.changes;
    failed = result.failed;
    commit = result.commit ?? null;
    skipped = result.skipped;
    delivered = result.delivered;
  }
  if (skipped) changes = { ...NO_CHANGES, unmanaged: resolution.winners.length - winning.reduce((n, d) => n + d.applied, 0) };

  const failedIds = new Set(failed.map((f) => f.deviceId));
  const pushedBy = new Map<string, number>();
  const failedBy = new Map<string, number>();
  for (const list of [changes.add, changes.update]) {
    for (const d of list) {
      const counts = failedIds.size > 0 && failedIds.has(d.deviceId) ? failedBy : pushedBy;
      counts.set(d.deployment, (counts.get(d.deployment) ?? 0) + 1);
    }
  }
  const deployments = winning.map((d) => ({ id: d.id, applied: d.applied, pushed: pushedBy.get(d.id) ?? 0, failed: failedBy.get(d.id) ?? 0 }));
  const pushed = deployments.reduce((n, d) => n + d.pushed, 0);
  return {
    ...base,
    valid: true,
    pushed,
    unchanged: skipped ? resolution.winners.length - changes.unmanaged : changes.unchanged,
    removed: changes.remove.length - changes.remove.filter((id) => failedIds.has(id)).length,
    unmanaged: changes.unmanaged,
    failed,
    commit,
    ...(skipped ? { skipped } : {}),
    ...(delivered ? { delivered } : {}),
    deployments,
    ok: failed.length === 0,
  };
}
