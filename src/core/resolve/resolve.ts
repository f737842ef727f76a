/**
 * Which deployment wins on which device (DESIGN §2), for the whole fleet at once:
 * conditions become bitsets over the fleet through inverted indexes, and
 * deployments in precedence order claim the devices nobody has claimed yet.
 * Among the deployments whose condition holds: the highest priority, then the
 * newest createdAt; an exact tie between the best two is an error, and such a
 * device gets nothing. `resolveFleetReference` is the slow, obvious twin this is
 * tested against.
 */
import type { ColumnarFleet } from '../fleet-columns.js';
import { comparePrecedence, isTie, type Device } from '../model.js';
import * as B from './bitset.js';
import { bitIndex, popcount } from './bitset.js';
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
export function indexFleet(devices: readonly Device[] | ColumnarFleet, targets: readonly Target[], options: FleetIndexOptions = {}): FleetIndex {
  const index = new FleetIndex(devices, options);
  index.prepare(targets.flatMap((t) => (t.expr ? tagPaths(t.expr) : [])));
  return index;
}

/** Resolves a fleet, given as devices or as an index already built (see `indexFleet`). */
export function resolveFleet(targets: readonly Target[], fleet: readonly Device[] | FleetIndex, options: ResolveOptions = {}): Resolution {
  const ordered = [...targets].sort((a, b) => comparePrecedence(a.deployment, b.deployment));
  const index = fleet instanceof FleetIndex ? fleet : indexFleet(fleet, targets, options);
  const claims = new Claims(ordered, index);
  for (const [first, end] of priorityGroups(ordered)) {
    if (end - first === 1) claims.claimAlone(first);
    else claims.claimGroup(first, end);
  }
  return claims.finish();
}

/** Runs of deployments of equal priority, in precedence order: `[first, end)`. */
function* priorityGroups(ordered: readonly Target[]): Generator<[number, number]> {
  for (let first = 0; first < ordered.length;) {
    let end = first + 1;
    while (end < ordered.length && ordered[end].deployment.priority === ordered[first].deployment.priority) end++;
    yield [first, end];
    first = end;
  }
}

/**
 * What resolution has found so far: deployments in precedence order (index k) claim
 * the devices no deployment before them has; per deployment, the range of words
 * holding its members (pins touch one word), targeted and applied counts; per device,
 * the winner's k. Equal-priority groups also record overlaps (ties and createdAt
 * decisions) and every deployment tied on a device.
 */
class Claims {
  private readonly n: number;
  private readonly w: number;
  private readonly ids: readonly string[];
  private readonly evaluator: SetEvaluator;
  private readonly lo: Int32Array;
  private readonly hi: Int32Array;
  private readonly targeted: Int32Array;
  private readonly applied: Int32Array;
  private readonly winnerIndex: Int32Array;
  /** Devices some deployment has claimed (won, or lost to a tie). */
  private readonly assigned: B.Bitset;
  /** Scratch: the devices the current deployment is first candidate of. */
  private readonly claimed: B.Bitset;
  private readonly stats = new Int32Array(4);
  private readonly overlaps: Overlap[] = [];
  /** Memory reused from group to group: the group's sets, and three scratch sets for overlaps (see recordOverlaps). */
  private groupMemory = new Uint32Array(0);
  private readonly scratches: B.Bitset[] = [];
  private readonly ties = new Map<number, readonly string[]>();

  constructor(
    private readonly ordered: readonly Target[],
    private readonly index: FleetIndex,
  ) {
    const n = (this.n = index.size);
    const count = ordered.length;
    this.w = B.words(n);
    this.ids = ordered.map((t) => t.deployment.id);
    this.evaluator = new SetEvaluator(index);
    this.lo = new Int32Array(count);
    this.hi = new Int32Array(count);
    this.targeted = new Int32Array(count);
    this.applied = new Int32Array(count);
    this.winnerIndex = new Int32Array(n).fill(-1);
    this.assigned = B.empty(n);
    this.claimed = B.empty(n);
  }

  /** Alone at its priority: evaluate, count and claim in one pass; its set is not kept. */
  claimAlone(k: number): void {
    const expr = this.ordered[k].expr;
    if (!expr) return;
    claimFused(this.evaluator.conjuncts(expr), this.assigned, this.winnerIndex, k, this.stats);
    [this.lo[k], this.hi[k], this.targeted[k], this.applied[k]] = this.stats;
    this.evaluator.release();
  }

  /**
   * Equal priorities: the group's sets are needed together, to find the second
   * candidate of each device (a tie, or a decision by createdAt).
   */
  claimGroup(first: number, end: number): void {
    const sets = this.evaluateGroup(first, end);
    for (let k = first; k < end; k++) {
      if (this.targeted[k] === 0 || !this.takeFirstCandidates(k, sets[k - first])) continue;
      const tied = this.recordOverlaps(k, first, end, sets);
      if (tied) {
        this.recordTies(k, first, end, sets, tied);
        B.andNotInto(this.claimed, tied);
      }
      this.award(k);
    }
  }

  /**
   * The members of each deployment of the group, in one block of memory reused from
   * group to group (new memory costs more than zeroing memory already touched).
   */
  private evaluateGroup(first: number, end: number): B.Bitset[] {
    const { w } = this;
    if (this.groupMemory.length < w * (end - first)) this.groupMemory = new Uint32Array(w * (end - first));
    const group = this.groupMemory.fill(0, 0, w * (end - first));
    const sets: B.Bitset[] = [];
    for (let k = first; k < end; k++) {
      const set = group.subarray((k - first) * w, (k - first + 1) * w);
      sets.push(set);
      const expr = this.ordered[k].expr;
      if (!expr) continue;
      fuse(set, this.evaluator.conjuncts(expr), this.stats);
      [this.lo[k], this.hi[k], this.targeted[k]] = this.stats;
      this.evaluator.release();
    }
    return sets;
  }

  /** `claimed` = the devices k is first candidate of (zero outside k's range); false when there are none. */
  private takeFirstCandidates(k: number, mine: B.Bitset): boolean {
    const { claimed, assigned } = this;
    let any = 0;
    for (let i = this.lo[k]; i < this.hi[k]; i++) {
      const v = mine[i] & ~assigned[i];
      claimed[i] = v;
      assigned[i] |= v;
      any |= v;
    }
    return any !== 0;
  }

  /** Scratch set `k` (0–2), allocated once; its content is whatever was left in it. */
  private scratch(k: number): B.Bitset {
    return (this.scratches[k] ??= B.empty(this.n));
  }

  /** Each later deployment of the group that is second candidate on some of k's devices: an overlap. Returns the tied devices. */
  private recordOverlaps(k: number, first: number, end: number, sets: readonly B.Bitset[]): B.Bitset | undefined {
    const deployment = this.ordered[k].deployment;
    let remaining: B.Bitset | undefined;
    let tied: B.Bitset | undefined;
    for (let j = k + 1; j < end; j++) {
      if (!remaining) {
        remaining = this.scratch(0).fill(0);
        remaining.set(this.claimed.subarray(this.lo[k], this.hi[k]), this.lo[k]);
      }
      const hit = this.scratch(1);
      B.andTo(hit, remaining, sets[j - first]);
      const hits = B.count(hit);
      if (hits === 0) continue;
      const tie = isTie(deployment, this.ordered[j].deployment);
      const sample: string[] = [];
      let at = -1;
      B.forEach(hit, (i) => {
        if (at < 0) at = i;
        sample.push(this.index.deviceIds[i]);
        return sample.length < SAMPLE;
      });
      this.overlaps.push({ a: k, b: j, tie, count: hits, devices: sample, first: at });
      if (tie) B.orInto((tied ??= this.scratch(2).fill(0)), hit);
      B.andNotInto(remaining, hit);
      if (B.isEmpty(remaining)) break;
    }
    return tied;
  }

  /** Every deployment tied with k on each tied device, in precedence order. */
  private recordTies(k: number, first: number, end: number, sets: readonly B.Bitset[], tied: B.Bitset): void {
    const deployment = this.ordered[k].deployment;
    B.forEach(tied, (i) => {
      const list = [this.ids[k]];
      for (let j = k + 1; j < end && isTie(deployment, this.ordered[j].deployment); j++) if (B.has(sets[j - first], i)) list.push(this.ids[j]);
      this.ties.set(i, list);
    });
  }

  /** k wins what is left in `claimed`, which is cleared for the next deployment. */
  private award(k: number): void {
    const { claimed, winnerIndex } = this;
    let won = 0;
    for (let word = this.lo[k]; word < this.hi[k]; word++) {
      let v = claimed[word];
      claimed[word] = 0;
      while (v !== 0) {
        const low = v & -v;
        winnerIndex[(word << 5) + bitIndex(low)] = k;
        won++;
        v ^= low;
      }
    }
    this.applied[k] = won;
  }

  finish(): Resolution {
    const { n, ids, winnerIndex } = this;
    // A million-entry array only when asked for (`validate` never does).
    let winners: (string | null)[] | undefined;
    const candidates = this.candidates();
    return finish({
      ordered: this.ordered,
      deviceIds: this.index.deviceIds,
      get winners() {
        if (!winners) {
          winners = new Array<string | null>(n);
          for (let i = 0; i < n; i++) winners[i] = winnerIndex[i] < 0 ? null : ids[winnerIndex[i]];
        }
        return winners;
      },
      ties: this.ties,
      targeted: this.targeted,
      applied: this.applied,
      overlaps: this.overlaps,
      candidatesOf: candidates.of,
      candidatesRange: candidates.range,
    });
  }

  /**
   * Candidate lists, from every deployment's set: built only when asked for (JSON
   * output, not validate or plan), in one arena. Equal lists are one array (a trie of
   * lists): a million devices share a few hundred.
   */
  private candidates() {
    const { ordered, ids, lo, hi, targeted, w, stats, evaluator } = this;
    const count = ordered.length;
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
    return {
      of: (i: number): readonly string[] => {
        const all = sets();
        const out: string[] = [];
        const word = i >>> 5;
        for (let k = 0; k < count; k++) if (word >= lo[k] && word < hi[k] && B.has(all[k], i)) out.push(ids[k]);
        return out;
      },
      // Word by word: 32 devices at a time against each deployment, in precedence order.
      range: (start: number, end: number): readonly (readonly string[])[] => {
        const all = sets();
        const at: CandidateList[] = new Array<CandidateList>(end - start).fill(noCandidates);
        for (let word = start >>> 5; word < (end + 31) >>> 5; word++) {
          for (let k = 0; k < count; k++) {
            if (word < lo[k] || word >= hi[k]) continue;
            let v = all[k][word];
            while (v !== 0) {
              const low = v & -v;
              const i = (word << 5) + bitIndex(low) - start;
              if (i >= 0 && i < at.length) at[i] = extend(at[i], k);
              v ^= low;
            }
          }
        }
        return at.map((c) => c.list);
      },
    };
  }
}

// The hottest loops. The top-level AND of a condition is fused with everything done
// to its result, in one pass over the words; claiming takes exactly two terms
// because a loop over `terms` inside would be several times slower.
// `stats` gets: first word with members, one past the last, members, and (claiming) wins.

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
      winners[(i << 5) + bitIndex(low)] = k;
      won++;
      mine ^= low;
    }
  }
  record(stats, first, last, members, won);
}
