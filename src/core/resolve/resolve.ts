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

/** A node of the trie of candidate lists: equal lists are one array. */
interface CandidateList {
  readonly list: readonly string[];
  next?: Map<number, CandidateList>;
}

export type ResolveOptions = FleetIndexOptions;

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
  const w = B.words(n);
  const count = ordered.length;
  // The range of words that hold each deployment's members: pins touch one word.
  const lo = new Int32Array(count);
  const hi = new Int32Array(count);
  const targeted = new Int32Array(count);
  const applied = new Int32Array(count);
  const winnerIndex = new Int32Array(n).fill(-1);
  const overlaps: Overlap[] = [];
  const assigned = B.empty(n);
  const claimed = B.empty(n);
  const stats = new Int32Array(4);
  const ids = ordered.map((t) => t.deployment.id);
  const ties = new Map<number, readonly string[]>();
  const note = (k: number) => {
    [lo[k], hi[k], targeted[k], applied[k]] = stats;
  };

  for (let g = 0; g < count;) {
    let end = g + 1;
    while (end < count && ordered[end].deployment.priority === ordered[g].deployment.priority) end++;
    if (end - g === 1) {
      // Alone at its priority: evaluate, count and claim in one pass; its set is not kept.
      const expr = ordered[g].expr;
      if (expr) {
        claimFused(evaluator.conjuncts(expr), assigned, winnerIndex, g, stats);
        note(g);
        evaluator.release();
      }
      g = end;
      continue;
    }
    // Equal priorities: the group's sets are needed together, to find the second
    // candidate of each device (a tie, or a decision by createdAt).
    const group = new Uint32Array(w * (end - g));
    const sets: B.Bitset[] = [];
    for (let k = g; k < end; k++) {
      const set = group.subarray((k - g) * w, (k - g + 1) * w);
      sets.push(set);
      const expr = ordered[k].expr;
      if (!expr) continue;
      fuse(set, evaluator.conjuncts(expr), stats);
      [lo[k], hi[k], targeted[k]] = stats;
      evaluator.release();
    }
    for (let k = g; k < end; k++) {
      if (targeted[k] === 0) continue;
      const mine = sets[k - g];
      // Devices where k is the first candidate (claimed is zero outside k's range).
      let any = 0;
      for (let i = lo[k]; i < hi[k]; i++) {
        const v = mine[i] & ~assigned[i];
        claimed[i] = v;
        assigned[i] |= v;
        any |= v;
      }
      if (any === 0) continue;
      const deployment = ordered[k].deployment;
      let remaining: B.Bitset | undefined;
      let tied: B.Bitset | undefined;
      for (let j = k + 1; j < end; j++) {
        if (!remaining) {
          remaining = B.empty(n);
          remaining.set(claimed.subarray(lo[k], hi[k]), lo[k]);
        }
        const hit = B.and(remaining, sets[j - g]);
        const hits = B.count(hit);
        if (hits === 0) continue;
        const tie = isTie(deployment, ordered[j].deployment);
        const sample: string[] = [];
        let first = -1;
        B.forEach(hit, (i) => {
          if (first < 0) first = i;
          sample.push(deviceIds[i]);
          return sample.length < SAMPLE;
        });
        overlaps.push({ a: k, b: j, tie, count: hits, devices: sample, first });
        if (tie) B.orInto((tied ??= B.empty(n)), hit);
        B.andNotInto(remaining, hit);
        if (B.isEmpty(remaining)) break;
      }
      if (tied) {
        // Every deployment tied with k on the device, in precedence order.
        B.forEach(tied, (i) => {
          const list = [ids[k]];
          for (let j = k + 1; j < end && isTie(deployment, ordered[j].deployment); j++) if (B.has(sets[j - g], i)) list.push(ids[j]);
          ties.set(i, list);
        });
        B.andNotInto(claimed, tied);
      }
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
    g = end;
  }

  // Every deployment's set, for the candidates lists: built only when asked for
  // (JSON output, not validate or plan), in one arena.
  let arena: B.Bitset[] | undefined;
  const sets = (): B.Bitset[] => {
    if (!arena) {
      const memory = new Uint32Array(w * count);
      arena = ordered.map((t, k) => {
        const set = memory.subarray(k * w, (k + 1) * w);
        if (t.expr && targeted[k] > 0) {
          fuse(set, evaluator.conjuncts(t.expr), stats);
          evaluator.release();
        }
        return set;
      });
    }
    return arena;
  };

  const noCandidates: CandidateList = { list: [] };
  const extend = (c: CandidateList, k: number): CandidateList => {
    const next = (c.next ??= new Map());
    let longer = next.get(k);
    if (!longer) next.set(k, (longer = { list: [...c.list, ids[k]] }));
    return longer;
  };
  const winners: (string | null)[] = new Array(n);
  for (let i = 0; i < n; i++) winners[i] = winnerIndex[i] < 0 ? null : ids[winnerIndex[i]];
  return finish({
    ordered,
    deviceIds,
    winners,
    ties,
    targeted,
    applied,
    overlaps,
    candidatesOf: (i) => {
      const all = sets();
      const out: string[] = [];
      const word = i >>> 5;
      for (let k = 0; k < count; k++) if (word >= lo[k] && word < hi[k] && B.has(all[k], i)) out.push(ids[k]);
      return out;
    },
    // Word by word: 32 devices at a time against each deployment, in precedence order.
    // Equal lists are one array (a trie of lists): a million devices share a few hundred.
    candidatesRange: (start, end) => {
      const all = sets();
      const at: CandidateList[] = new Array<CandidateList>(end - start).fill(noCandidates);
      for (let word = start >>> 5; word < (end + 31) >>> 5; word++) {
        for (let k = 0; k < count; k++) {
          if (word < lo[k] || word >= hi[k]) continue;
          let v = all[k][word];
          while (v !== 0) {
            const low = v & -v;
            const i = (word << 5) + (31 - Math.clz32(low)) - start;
            if (i >= 0 && i < at.length) at[i] = extend(at[i], k);
            v ^= low;
          }
        }
      }
      return at.map((c) => c.list);
    },
  });
}

// The hottest loops. The top-level AND of a condition is fused with everything done
// to its result, in one pass over the words; claiming takes exactly two terms
// because a loop over `terms` inside would be several times slower.
// `stats` gets: first word with members, one past the last, members, and (claiming) wins.

const popcount = (v: number): number => {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
};

function record(stats: Int32Array, first: number, last: number, members: number, won: number): void {
  stats[0] = last < 0 ? 0 : first;
  stats[1] = last + 1;
  stats[2] = members;
  stats[3] = won;
}

/** out = AND of the terms (out is zero where the result is). */
function fuse(out: Uint32Array, terms: readonly Uint32Array[], stats: Int32Array): void {
  let first = -1;
  let last = -1;
  let members = 0;
  const [a, b, c] = terms;
  for (let i = 0; i < out.length; i++) {
    let v = a[i];
    if (b !== undefined) v &= b[i];
    if (c !== undefined) v &= c[i];
    for (let x = 3; x < terms.length && v !== 0; x++) v &= terms[x][i];
    if (v === 0) continue;
    out[i] = v;
    if (first < 0) first = i;
    last = i;
    members += popcount(v);
  }
  record(stats, first, last, members, 0);
}

/** Claims for deployment k the members no deployment before it has: winners, without storing the set. */
function claimFused(terms: readonly Uint32Array[], assigned: Uint32Array, winners: Int32Array, k: number, stats: Int32Array): void {
  // One term is `a AND a`; longer conjunctions (rare) are folded into two.
  if (terms.length <= 2) return claim2(terms[0], terms[terms.length - 1], assigned, winners, k, stats);
  const folded = terms[0].slice();
  for (let x = 2; x < terms.length; x++) B.andInto(folded, terms[x]);
  return claim2(folded, terms[1], assigned, winners, k, stats);
}

function claim2(a: Uint32Array, b: Uint32Array, assigned: Uint32Array, winners: Int32Array, k: number, stats: Int32Array): void {
  let first = -1;
  let last = -1;
  let members = 0;
  let won = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i] & b[i];
    if (v === 0) continue;
    if (first < 0) first = i;
    last = i;
    members += popcount(v);
    let mine = v & ~assigned[i];
    if (mine === 0) continue;
    assigned[i] |= mine;
    while (mine !== 0) {
      const low = mine & -mine;
      winners[(i << 5) + (31 - Math.clz32(low))] = k;
      won++;
      mine ^= low;
    }
  }
  record(stats, first, last, members, won);
}
