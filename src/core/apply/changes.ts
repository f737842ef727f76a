/**
 * What an apply must do to a target (a rendered branch, a folder, an IoT hub):
 * the add / update / remove change set of probot/settings' Diffable, computed
 * from the resolution and what the target last received. Pure; sinks only carry
 * it out.
 *
 *   add     the device has a winner and the target has nothing for it
 *   update  the device has a winner and the target has other content for it
 *   remove  the target has an entry for a device that left the fleet
 *
 * A device of the fleet without a winner (unmanaged, or blocked by a tie) is left
 * exactly as it was: IoT Edge keeps running what it last received.
 */
import { byString, indexOfSorted } from '../collections.js';
import type { Resolution } from '../resolve/resolution.js';

/** One device and the manifest it should have: `key` identifies the rendered bytes (the git blob id of the manifest file). */
export interface DesiredDevice {
  readonly deviceId: string;
  readonly deployment: string;
  readonly key: string;
}

export interface ApplyChanges {
  /** Sorted by deviceId. */
  readonly add: readonly DesiredDevice[];
  /** Sorted by deviceId. */
  readonly update: readonly DesiredDevice[];
  /** Device ids the target has but the fleet no longer does, sorted. */
  readonly remove: readonly string[];
  /** Devices whose target entry already has the desired content. */
  readonly unchanged: number;
  /** Devices in the fleet with no winner: left as they are. */
  readonly unmanaged: number;
}

/** What a device of the fleet needs, as `changeSet` reads it (a byte per device): anything else is nothing to do. */
export const ADD = 1;
export const UPDATE = 2;

/**
 * The change set from a verdict per device (`ADD`, `UPDATE`, else nothing to do;
 * index-aligned with `deviceIds`) and the received devices that left the fleet.
 * A sink that compares in its own terms (the git sink compares tree bytes) still
 * counts exactly as `diffTarget` does.
 */
export function changeSet(
  resolution: Pick<Resolution, 'deviceIds' | 'winners'>,
  keys: ReadonlyMap<string, string>,
  verdicts: Uint8Array,
  remove: readonly string[],
): ApplyChanges {
  const add: DesiredDevice[] = [];
  const update: DesiredDevice[] = [];
  let unchanged = 0;
  let unmanaged = 0;
  const { deviceIds, winners } = resolution;
  for (let i = 0; i < deviceIds.length; i++) {
    const deployment = winners[i];
    if (deployment === null) {
      unmanaged++;
      continue;
    }
    const verdict = verdicts[i];
    if (verdict !== ADD && verdict !== UPDATE) {
      unchanged++;
      continue;
    }
    const key = keys.get(deployment);
    if (key === undefined) throw new Error(`no rendered manifest for deployment '${deployment}'`);
    (verdict === ADD ? add : update).push({ deviceId: deviceIds[i], deployment, key });
  }
  return { add, update, remove: [...remove].sort(byString), unchanged, unmanaged };
}

/**
 * The change set for a target that holds `received` (deviceId → key of what it
 * last acknowledged). `keys` gives the key of each deployment's rendered manifest.
 */
export function diffTarget(
  resolution: Pick<Resolution, 'deviceIds' | 'winners'>,
  keys: ReadonlyMap<string, string>,
  received: ReadonlyMap<string, string>,
): ApplyChanges {
  const { deviceIds, winners } = resolution;
  const verdicts = new Uint8Array(deviceIds.length);
  // Entries of `received` that belong to a device of the fleet: when that is all of them, nothing is removed.
  let known = 0;
  for (let i = 0; i < deviceIds.length; i++) {
    const deployment = winners[i];
    const had = received.get(deviceIds[i]);
    if (had !== undefined) known++;
    if (deployment === null) continue;
    const key = keys.get(deployment);
    if (key === undefined) throw new Error(`no rendered manifest for deployment '${deployment}'`);
    if (had === undefined) verdicts[i] = ADD;
    else if (had !== key) verdicts[i] = UPDATE;
  }
  const remove: string[] = [];
  if (received.size > known) {
    // deviceIds is sorted: membership by binary search, without a set of a million ids.
    for (const deviceId of received.keys()) if (indexOfSorted(deviceIds, deviceId) < 0) remove.push(deviceId);
  }
  return changeSet(resolution, keys, verdicts, remove);
}
