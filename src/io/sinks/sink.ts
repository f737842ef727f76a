/**
 * Where an apply writes: a rendered git branch, a folder, or Azure IoT Hub. Each
 * sink carries out the change set the core computed (core/apply/changes.ts) and
 * says what it last received; it decides nothing itself.
 */
import type { ApplyChanges, DesiredDevice } from '../../core/apply/changes.js';
import type { RenderedManifest } from '../../core/manifest/render.js';

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

export interface SinkResult {
  readonly failed: readonly DeviceFailure[];
  /** The commit that records this apply (git-backed sinks). */
  readonly commit?: string;
  /** Set when nothing was written because the target already holds a rendering of a newer source. */
  readonly skipped?: string;
}

export interface Sink {
  readonly kind: SinkKind;
  /** What to print as the target (a path, a URL without credentials, a hub host name). */
  readonly target: string;
  /** deviceId → key (git blob id of the manifest file) of what the target last received and acknowledged. */
  received(): Promise<ReadonlyMap<string, string>>;
  /**
   * Carries out the change set: `add` and `update` write each device's manifest
   * (`manifests` by deployment id), `remove` deletes a device's entry. Failures
   * are per device and returned, never thrown; the others are still delivered.
   */
  apply(changes: ApplyChanges, manifests: ReadonlyMap<string, RenderedManifest>, source: ApplySource, hooks?: SinkHooks): Promise<SinkResult>;
}

export type { DesiredDevice };
