/** The parsed repository: deployments and the fleet, as plain immutable data. */

export type TagValue = string | number | boolean | Tags;

/** Device tags. A record (core/record.ts): no Object.prototype in its chain, so `__proto__` is just a tag name. */
export interface Tags {
  readonly [name: string]: TagValue;
}

export interface Device {
  readonly deviceId: string;
  readonly tags: Tags;
  /** The fleet file that declares the device and its index in that file's `devices` list. */
  readonly file: string;
  readonly index: number;
}

export interface Deployment {
  /** The file name without `.yaml`/`.yml`. */
  readonly id: string;
  readonly file: string;
  readonly priority: number;
  /** As written (RFC 3339). */
  readonly createdAt: string;
  /** `createdAt` as epoch milliseconds: ties are broken on instants, not strings. */
  readonly createdAtMs: number;
  /** `undefined` when the file has none: such a deployment targets no device. */
  readonly targetCondition: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  /** `content.modulesContent` exactly as written (createOptions may still be objects). */
  readonly modulesContent: Readonly<Record<string, unknown>>;
}

export interface Fleet {
  /** In file order, files sorted by path. */
  readonly devices: readonly Device[];
  /** Some tag name has an upper-case letter: lookups must fold case (absent means: assume so). */
  readonly mixedCaseTagNames?: boolean;
}

export interface Repository {
  readonly deployments: readonly Deployment[];
  readonly fleet: Fleet;
}

export const isTags = (value: TagValue | undefined): value is Tags => typeof value === 'object' && value !== null;

/** Precedence: higher priority first, then newer createdAt, then id (only to keep output stable). */
export function comparePrecedence(a: Deployment, b: Deployment): number {
  return b.priority - a.priority || b.createdAtMs - a.createdAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Two deployments whose order no rule decides. */
export const isTie = (a: Deployment, b: Deployment): boolean => a.priority === b.priority && a.createdAtMs === b.createdAtMs;

/**
 * The safety net the README recommends: priority 0, condition `*`. Every device falls
 * back to it, so being fully shadowed is its job, and losing it is news.
 */
export const isSafetyNet = (d: Pick<Deployment, 'priority' | 'targetCondition'>): boolean => d.priority === 0 && d.targetCondition?.trim() === '*';
