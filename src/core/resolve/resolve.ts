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
import { SetEvaluator, tagPaths } from './evaluate-sets.js';
import { FleetIndex, type FleetIndexOptions } from './index-fleet.js';
import { finish, SAMPLE, type Overlap, type Resolution, type Target } from './resolution.js';

export type { DeploymentMetrics, DeviceResolution, Resolution, Target } from './resolution.js';
export { FleetIndex } from './index-fleet.js';

export interface ResolveOptions extends FleetIndexOptions {}

/** Indexes a fleet for the paths these deployments' conditions read: built once, reusable. */
export function indexFleet(devices: readonly Device[], targets: readonly Target[], options: FleetIndexOptions = {}): FleetIndex {
  const index = new FleetIndex(devices, options);
  index.prepare(targets.flatMap((t) => (t.expr ? tagPaths(t.expr) : [])));
  return index;
}

/** Resolves a fleet, given as devices or as an index already built (see `indexFleet`). */
export function resolveFleet(targets: readonly Target[], fleet: readonly Device[] | FleetIndex, options: ResolveOptions = {}): Resolution {
  const ordered = [...targets].sort((a, b) => comparePrecedence(a.deployment, b.deployment));
  const index = fleet instanceof FleetIndex ? fleet : indexFleet(fleet, targets, options);
  const { deviceIds, size: n } = index;
  const evaluator = new SetEvaluator(index);
  // Every deployment's targeted set lives in one arena (one allocation, not a thousand),
  // with the range of words that hold members: pins and narrow conditions touch little.
  const w = B.words(n);
  const arena = new Uint32Array(w * ordered.length);
  const sets: B.Bitset[] = [];
  const lo = new Int32Array(ordered.length);
  const hi = new Int32Array(ordered.length);
  const targeted = new Int32Array(ordered.length);
  const stats = new Int32Array(3);
  ordered.forEach((t, k) => {
    const set = arena.subarray(k * w, (k + 1) * w);
    sets.push(set);
    if (!t.expr) return;
    // The top-level AND is fused with the copy into the arena, the count and the range:
    // one pass over the words for a conjunction of any length.
    const terms = evaluator.conjuncts(t.expr);
    if (terms.length === 1) fuse1(set, terms[0], stats);
    else if (terms.length === 2) fuse2(set, terms[0], terms[1], stats);
    else fuseN(set, terms, stats);
    const [first, end, members] = stats;
    lo[k] = first;
    hi[k] = end;
    targeted[k] = members;
    evaluator.release();
  });

  const applied = new Int32Array(ordered.length);
  const winnerIndex = new Int32Array(n).fill(-1);
  const overlaps: Overlap[] = [];
  const assigned = B.empty(n);
  const claimed = B.empty(n);
  for (let k = 0; k < ordered.length; k++) {
    if (targeted[k] === 0) continue;
    const mine = sets[k];
    // Devices where k is the first candidate (within k's range; claimed is zero elsewhere).
    let any = 0;
    for (let i = lo[k]; i < hi[k]; i++) {
      const v = mine[i] & ~assigned[i];
      claimed[i] = v;
      assigned[i] |= v;
      any |= v;
    }
    if (any === 0) continue;
    // The second candidate, if it has the same priority: a tie, or createdAt decides.
    const deployment = ordered[k].deployment;
    let remaining: B.Bitset | undefined;
    let tied: B.Bitset | undefined;
    for (let j = k + 1; j < ordered.length && ordered[j].deployment.priority === deployment.priority; j++) {
      if (!remaining) {
        remaining = B.empty(n);
        remaining.set(claimed.subarray(lo[k], hi[k]), lo[k]);
      }
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
      if (tie) B.orInto((tied ??= B.empty(n)), hit);
      B.andNotInto(remaining, hit);
      if (B.isEmpty(remaining)) break;
    }
    if (tied) B.andNotInto(claimed, tied);
    let won = 0;
    for (let word = lo[k]; word < hi[k]; word++) {
      let v = claimed[word];
      claimed[word] = 0;
      while (v !== 0) {
        const low = v & -v;
        winnerIndex[(word << 5) + (31 - Math.clz32(low))] = k;
        won++;
        v ^= low;
      }
    }
    applied[k] = won;
  }

  const ids = ordered.map((t) => t.deployment.id);
  const winners: (string | null)[] = new Array(n);
  for (let i = 0; i < n; i++) winners[i] = winnerIndex[i] < 0 ? null : ids[winnerIndex[i]];
  return finish({
    ordered,
    deviceIds,
    winners,
    targeted,
    applied,
    overlaps,
    candidatesOf: (i) => {
      const out: string[] = [];
      const word = i >>> 5;
      for (let k = 0; k < sets.length; k++) if (word >= lo[k] && word < hi[k] && B.has(sets[k], i)) out.push(ids[k]);
      return out;
    },
    // Word by word: 32 devices at a time against each deployment, in precedence order.
    candidatesRange: (start, end) => {
      const lists: string[][] = Array.from({ length: end - start }, () => []);
      for (let word = start >>> 5; word < (end + 31) >>> 5; word++) {
        for (let k = 0; k < sets.length; k++) {
          if (word < lo[k] || word >= hi[k]) continue;
          let v = sets[k][word];
          while (v !== 0) {
            const low = v & -v;
            const i = (word << 5) + (31 - Math.clz32(low)) - start;
            if (i >= 0 && i < lists.length) lists[i].push(ids[k]);
            v ^= low;
          }
        }
      }
      return lists;
    },
  });
}

// Monomorphic loops for the hottest pass: out = AND of the terms, and in `stats` the
// first word with members, one past the last, and the number of members.
function record(stats: Int32Array, first: number, last: number, members: number): void {
  stats[0] = last < 0 ? 0 : first;
  stats[1] = last + 1;
  stats[2] = members;
}

const popcount = (v: number): number => {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
};

function fuse1(out: Uint32Array, a: Uint32Array, stats: Int32Array): void {
  let first = -1;
  let last = -1;
  let members = 0;
  for (let i = 0; i < out.length; i++) {
    const v = a[i];
    if (v === 0) continue;
    out[i] = v;
    if (first < 0) first = i;
    last = i;
    members += popcount(v);
  }
  record(stats, first, last, members);
}

function fuse2(out: Uint32Array, a: Uint32Array, b: Uint32Array, stats: Int32Array): void {
  let first = -1;
  let last = -1;
  let members = 0;
  for (let i = 0; i < out.length; i++) {
    const v = a[i] & b[i];
    if (v === 0) continue;
    out[i] = v;
    if (first < 0) first = i;
    last = i;
    members += popcount(v);
  }
  record(stats, first, last, members);
}

function fuseN(out: Uint32Array, terms: readonly Uint32Array[], stats: Int32Array): void {
  let first = -1;
  let last = -1;
  let members = 0;
  const [a, b] = terms;
  for (let i = 0; i < out.length; i++) {
    let v = a[i] & b[i];
    for (let x = 2; x < terms.length && v !== 0; x++) v &= terms[x][i];
    if (v === 0) continue;
    out[i] = v;
    if (first < 0) first = i;
    last = i;
    members += popcount(v);
  }
  record(stats, first, last, members);
}
