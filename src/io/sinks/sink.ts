/**
 * Where an apply writes: a rendered git branch, a folder, or Azure IoT Hub. Each
 * sink carries out the change set the core computed (core/apply/changes.ts)
 * against what it last received; it decides nothing itself.
 */
import type { ApplyChanges, DesiredDevice } from '../../core/apply/changes.js';
import type { RenderedManifest } from '../../core/manifest/render.js';
import type { Resolution } from '../../core/resolve/resolution.js';

export type SinkKind = 'git' | 'dir' | 'iothub';

export interface DeviceFailure {
  readonly deviceId: string;
  /** Human-readable, never holding a secret: `404: device not found in hub`. */
  readonly error: string;
}

/** The source an apply renders: a commit, or the working tree (`commit: null`). */
export interface ApplySource {
  readonly ref: string | null;
  readonly commit: string | null;
}

export interface SinkHooks {
  /** Called as devices are done (written, sent or failed). */
  onProgress?(done: number, total: number): void;
}

/**
 * What the apply wants, independent of what the target holds: the change set is
 * computed against what the sink reads, and again if a git sink must redo its
 * commit on top of a rendering that landed meanwhile.
 */
export interface Desired {
  /** The change set against `received` (deviceId → key): core's diffTarget. */
  changesAgainst(received: ReadonlyMap<string, string>): ApplyChanges;
  /** The rendered manifest of each winning deployment, by deployment id; its key is `gitBlobId(json)`. */
  readonly manifests: ReadonlyMap<string, RenderedManifest>;
  /** The fleet (sorted device ids) and each device's winning deployment (`null`: unmanaged), for sinks that compare in their own terms. */
  readonly fleet: Pick<Resolution, 'deviceIds' | 'winners'>;
  /** Deployment id → key of its rendered manifest (the git blob id of the file). */
  readonly keys: ReadonlyMap<string, string>;
}

export interface SinkResult {
  /** The change set carried out (against what the target held when it was written). */
  readonly changes: ApplyChanges;
  readonly failed: readonly DeviceFailure[];
  /** The commit that records this apply (git-backed sinks); the tip as it was when there was nothing to write. */
  readonly commit?: string;
  /** Set when nothing was written because the target already holds a rendering of a newer source. */
  readonly skipped?: string;
  /** The last commit of the delivered branch (iothub): what the hub has acknowledged. */
  readonly delivered?: string;
}

export interface Sink {
  readonly kind: SinkKind;
  /** What to print as the target (a path, a URL without credentials, a hub host name). */
  readonly target: string;
  /** deviceId → key (git blob id of the manifest file) of what the target last received and acknowledged. */
  received(): Promise<ReadonlyMap<string, string>>;
  /** Starts reading what `apply` will compare against, while the source is loaded (never fails: `apply` reads what is missing). */
  readAhead?(): void;
  /**
   * Carries out the change set against what the target holds now: `add` and
   * `update` write each device's manifest, `remove` deletes a device's entry.
   * Device failures are returned, never thrown; the others are still delivered.
   * Throws (SinkError) only when the target itself cannot be used.
   */
  apply(desired: Desired, source: ApplySource, hooks?: SinkHooks): Promise<SinkResult>;
}

/** The target cannot be used at all (bad credentials, unreachable, history missing): a clear message, nothing written. */
export class SinkError extends Error {}

/** An empty change set: nothing to do. */
export const NO_CHANGES: ApplyChanges = { add: [], update: [], remove: [], unchanged: 0, unmanaged: 0 };

export const changeCount = (c: ApplyChanges): number => c.add.length + c.update.length + c.remove.length;

export type { DesiredDevice };
