/**
 * Which deployment wins on which device (DESIGN §2), for the whole fleet at once:
 * conditions become bitsets over the fleet through inverted indexes, and
 * deployments in precedence order claim the devices nobody has claimed yet.
 * Among the deployments whose condition holds: the highest priority, then the
 * newest createdAt; an exact tie between the best two is an error, and such a
 * device gets nothing. `resolveFleetReference` is the slow, obvious twin this is
 * tested against.
 */
import { comparePrecedence, isTie, type Device } from '../model.js';
import * as B from './bitset.js';
import { SetEvaluator } from './evaluate-sets.js';
import { FleetIndex } from './index-fleet.js';
import { byString, finish, SAMPLE, type Overlap, type Resolution, type Target } from './resolution.js';

export type { DeploymentMetrics, DeviceResolution, Resolution, Target } from './resolution.js';

export function resolveFleet(targets: readonly Target[], devices: readonly Device[]): Resolution {
  const ordered = [...targets].sort((a, b) => comparePrecedence(a.deployment, b.deployment));
  // Fleets usually arrive sorted (or nearly): check before paying for a sort.
  let sortedAlready = true;
  for (let i = 1; i < devices.length && sortedAlready; i++) sortedAlready = devices[i - 1].deviceId < devices[i].deviceId;
  const sorted = sortedAlready ? devices : [...devices].sort((x, y) => byString(x.deviceId, y.deviceId));
  const n = sorted.length;
  const deviceIds = sorted.map((d) => d.deviceId);
  const index = new FleetIndex(sorted);
  const evaluator = new SetEvaluator(index);
  const none = B.empty(n);
  const sets = ordered.map((t) => (t.expr ? evaluator.evaluate(t.expr).t : none));

  const targeted = new Int32Array(ordered.length);
  const applied = new Int32Array(ordered.length);
  const winnerIndex = new Int32Array(n).fill(-1);
  const overlaps: Overlap[] = [];
  const assigned = B.empty(n);
  for (let k = 0; k < ordered.length; k++) {
    const mine = sets[k];
    targeted[k] = B.count(mine);
    if (targeted[k] === 0) continue;
    // Devices where k is the first candidate.
    const claimed = B.andNot(mine, assigned);
    if (B.isEmpty(claimed)) continue;
    B.orInto(assigned, claimed);
    // The second candidate, if it has the same priority: a tie, or createdAt decides.
    const deployment = ordered[k].deployment;
    let remaining: B.Bitset | undefined;
    const tied = B.empty(n);
    for (let j = k + 1; j < ordered.length && ordered[j].deployment.priority === deployment.priority; j++) {
      remaining ??= claimed.slice();
      const hit = B.and(remaining, sets[j]);
      const count = B.count(hit);
      if (count === 0) continue;
      const tie = isTie(deployment, ordered[j].deployment);
      const sample: string[] = [];
      let first = -1;
      B.forEach(hit, (i) => {
        if (first < 0) first = i;
        sample.push(deviceIds[i]);
        return sample.length < SAMPLE;
      });
      overlaps.push({ a: k, b: j, tie, count, devices: sample, first });
      if (tie) B.orInto(tied, hit);
      B.andNotInto(remaining, hit);
      if (B.isEmpty(remaining)) break;
    }
    const won = B.andNot(claimed, tied);
    applied[k] = B.count(won);
    B.forEach(won, (i) => {
      winnerIndex[i] = k;
    });
  }

  const ids = ordered.map((t) => t.deployment.id);
  const winners = Array.from(winnerIndex, (k) => (k < 0 ? null : ids[k]));
  return finish({
    ordered,
    deviceIds,
    winners,
    targeted,
    applied,
    overlaps,
    candidatesOf: (i) => {
      const out: string[] = [];
      for (let k = 0; k < sets.length; k++) if (B.has(sets[k], i)) out.push(ids[k]);
      return out;
    },
    // Word by word: 32 devices at a time against each deployment, in precedence order.
    candidatesRange: (start, end) => {
      const lists: string[][] = Array.from({ length: end - start }, () => []);
      for (let w = start >>> 5; w < (end + 31) >>> 5; w++) {
        for (let k = 0; k < sets.length; k++) {
          let v = sets[k][w];
          while (v !== 0) {
            const low = v & -v;
            const i = (w << 5) + (31 - Math.clz32(low)) - start;
            if (i >= 0 && i < lists.length) lists[i].push(ids[k]);
            v ^= low;
          }
        }
      }
      return lists;
    },
  });
}
