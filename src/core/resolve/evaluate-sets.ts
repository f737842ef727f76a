/**
 * Evaluates a condition over the whole fleet at once. Three-valued logic as a
 * pair of bitsets: `t` (true) and `u` (unknown); false is everything else.
 * `u` is only computed where a NOT needs it: without negation, true is all that
 * decides targeting.
 */
import { lowerBound, upperBound } from '../collections.js';
import type { CompareOp, Expr, Literal, Property } from '../condition/index.js';
import * as B from './bitset.js';
import { valueKey, type FleetIndex } from './index-fleet.js';

export interface Truths {
  readonly t: B.Bitset;
  /** Present when asked for. */
  readonly u?: B.Bitset;
  /** `t` is a fresh bitset nobody else holds: the caller may change it in place. */
  readonly owned?: boolean;
}

const orders: Record<Exclude<CompareOp, '=' | '!='>, (a: string | number, b: string | number) => boolean> = {
  '<': (a, b) => a < b,
  '>': (a, b) => a > b,
  '<=': (a, b) => a <= b,
  '>=': (a, b) => a >= b,
};

export class SetEvaluator {
  private readonly ids: readonly string[];
  /** Temporaries for connectives, reused from one deployment to the next (see `release`). */
  private readonly free: B.Bitset[] = [];
  private readonly taken: B.Bitset[] = [];
  private readonly zero: B.Bitset;

  constructor(private readonly index: FleetIndex) {
    this.ids = index.deviceIds;
    this.zero = B.empty(index.size);
  }

  /** A scratch bitset, not zeroed: every operation writing into it sets every word. */
  private temp(): B.Bitset {
    const b = this.free.pop() ?? new Uint32Array(this.zero.length);
    this.taken.push(b);
    return b;
  }

  /** Returns every temporary to the pool: results of `evaluate` are invalid after this. */
  release(): void {
    for (const b of this.taken) this.free.push(b);
    this.taken.length = 0;
  }

  /** The true sets of a condition's top-level AND operands (one set when it is no AND): their intersection is its true set. */
  conjuncts(expr: Expr, out: B.Bitset[] = []): B.Bitset[] {
    if (expr.kind === 'and') {
      this.conjuncts(expr.left, out);
      this.conjuncts(expr.right, out);
    } else out.push(this.evaluate(expr).t);
    return out;
  }

  evaluate(expr: Expr, needU = false): Truths {
    const all = this.index.all;
    switch (expr.kind) {
      case 'all':
        return { t: all, u: needU ? this.zero : undefined };
      case 'and': {
        const l = this.evaluate(expr.left, needU);
        const r = this.evaluate(expr.right, needU);
        if (!needU) {
          // Without unknowns to track, reuse a fresh side instead of another temporary.
          if (l.owned) return (B.andInto(l.t, r.t), l);
          if (r.owned) return (B.andInto(r.t, l.t), r);
          const t = this.temp();
          B.andTo(t, l.t, r.t);
          return { t, owned: true };
        }
        const t = this.temp();
        B.andTo(t, l.t, r.t);
        // Unknown: neither side false, and not both true.
        const u = this.temp();
        const other = this.temp();
        B.orTo(u, l.t, l.u!);
        B.orTo(other, r.t, r.u!);
        B.andInto(u, other);
        B.andNotInto(u, t);
        return { t, u, owned: true };
      }
      case 'or': {
        const l = this.evaluate(expr.left, needU);
        const r = this.evaluate(expr.right, needU);
        if (!needU) {
          if (l.owned) return (B.orInto(l.t, r.t), l);
          if (r.owned) return (B.orInto(r.t, l.t), r);
          const t = this.temp();
          B.orTo(t, l.t, r.t);
          return { t, owned: true };
        }
        const t = this.temp();
        B.orTo(t, l.t, r.t);
        const u = this.temp();
        B.orTo(u, l.u!, r.u!);
        B.andNotInto(u, t);
        return { t, u, owned: true };
      }
      case 'not': {
        // `owned` is about `t` only: `u` is never changed in place, so it may be shared.
        const inner = this.evaluate(expr.operand, true);
        if (inner.owned) return (B.norInto(inner.t as B.Bitset, inner.u!, all), { t: inner.t, u: inner.u, owned: true });
        const t = this.temp();
        B.norTo(t, inner.t, inner.u!, all);
        return { t, u: inner.u, owned: true };
      }
      default: {
        const sparse = this.sparseEquality(expr);
        if (sparse) return sparse;
        // Leaves depend on the fleet alone: the index keeps them for every resolution of it.
        const key = leafKey(expr);
        let leaf = this.index.leaves.get(key);
        if (!leaf) {
          leaf = this.leaf(expr);
          this.index.leaves.set(key, leaf);
        }
        return leaf;
      }
    }
  }

  /**
   * `tags.customer = 'c128'` matching few devices (under 1 in 64): its true set made
   * from the postings in a temporary, not kept. Kept, each such leaf was 125 KB of new
   * memory at 1M devices, and new memory costs more than setting a few thousand bits
   * again for each deployment that asks.
   */
  private sparseEquality(expr: Expr): Truths | undefined {
    if (expr.kind !== 'compare' || expr.op !== '=' || expr.property.kind !== 'tag') return undefined;
    const postings = this.index.path(expr.property.path).postings.get(expr.value.value);
    if (postings && postings.length * 64 >= this.index.size) return undefined;
    const t = this.temp().fill(0);
    if (postings) for (let k = 0; k < postings.length; k++) B.set(t, postings[k]);
    return { t, u: this.notOfType(expr.property, typeof expr.value.value as 'string' | 'number' | 'boolean'), owned: true };
  }

  /** Leaves always carry `u`: they are cached and shared by every deployment. */
  private leaf(expr: Expr): Truths {
    const all = this.index.all;
    switch (expr.kind) {
      case 'defined':
        // Never unknown: the shared empty set (leaves' sets are never changed in place).
        return { t: expr.property.kind === 'deviceId' ? all : this.index.path(expr.property.path).defined, u: this.zero };
      case 'compare':
        return this.compare(expr.property, expr.op, expr.value.value);
      case 'in': {
        // OR of equalities in three-valued logic: true if one is; unknown unless the
        // device's value has the type of every element (then a miss is false).
        // One postings lookup per element, bits set in place: no bitset per element.
        const t = B.empty(this.index.size);
        const path = expr.property.kind === 'tag' ? this.index.path(expr.property.path) : undefined;
        for (const v of expr.values) {
          if (path) {
            const postings = path.postings.get(v.value);
            if (postings) for (const i of postings) B.set(t, i);
          } else if (typeof v.value === 'string') {
            for (let i = lowerBound(this.ids, v.value), hi = upperBound(this.ids, v.value); i < hi; i++) B.set(t, i);
          }
        }
        const types = new Set(expr.values.map((v) => typeof v.value));
        const decided = types.size === 1 ? this.typeSet(expr.property, [...types][0] as 'string' | 'number' | 'boolean') : B.empty(this.index.size);
        const u = B.andNot(all, t);
        B.andNotInto(u, decided);
        return expr.negated ? { t: B.nor(t, u, all), u } : { t, u };
      }
      default:
        throw new Error(`not a leaf: ${expr.kind}`);
    }
  }

  private typeSet(property: Property, type: 'string' | 'number' | 'boolean'): B.Bitset {
    if (property.kind === 'deviceId') return type === 'string' ? this.index.all : B.empty(this.index.size);
    return this.index.path(property.path).types[type];
  }

  /**
   * Devices whose value is not of this type (missing, an object, another type): where a
   * comparison with such a literal is unknown. One per path and type, shared by every
   * leaf that compares it (never changed in place): at 1M devices each is 125 KB of new
   * memory, and a thousand conditions compare a handful of paths.
   */
  private notOfType(property: Property, type: 'string' | 'number' | 'boolean'): B.Bitset {
    const key = `${property.kind}|${property.path.join('.')}|${type}`;
    let u = this.index.notOfType.get(key);
    if (!u) {
      u = B.andNot(this.index.all, this.typeSet(property, type));
      this.index.notOfType.set(key, u);
    }
    return u;
  }

  private compare(property: Property, op: CompareOp, literal: Literal): Truths {
    const { all, size } = this.index;
    const type = typeof literal as 'string' | 'number' | 'boolean';
    const typed = this.typeSet(property, type);
    const u = this.notOfType(property, type);
    if (type === 'boolean' && op !== '=' && op !== '!=') return { t: B.empty(size), u: all };
    if (property.kind === 'deviceId') {
      if (type !== 'string') return { t: B.empty(size), u };
      const x = literal as string;
      const range = (from: number, to: number) => {
        const b = B.empty(size);
        for (let i = from; i < to; i++) B.set(b, i);
        return b;
      };
      const lo = lowerBound(this.ids, x);
      const hi = upperBound(this.ids, x);
      switch (op) {
        case '=':
          return { t: range(lo, hi), u };
        case '!=':
          return { t: B.andNot(all, range(lo, hi)), u };
        case '<':
          return { t: range(0, lo), u };
        case '<=':
          return { t: range(0, hi), u };
        case '>':
          return { t: range(hi, size), u };
        case '>=':
          return { t: range(lo, size), u };
      }
    }
    const path = this.index.path(property.path);
    if (op === '=' || op === '!=') {
      const eq = this.index.postingBitset(path.postings.get(literal));
      return { t: op === '=' ? eq : B.andNot(typed, eq), u };
    }
    const test = orders[op];
    const t = B.empty(size);
    const values: readonly (string | number)[] = type === 'string' ? path.strings : path.numbers;
    for (const v of values) {
      if (test(v, literal as string | number)) {
        for (const i of path.postings.get(v)!) B.set(t, i);
      }
    }
    return { t, u };
  }
}

function leafKey(expr: Expr): string {
  switch (expr.kind) {
    case 'defined':
      return `d|${expr.property.kind}|${expr.property.path.join('.')}`;
    case 'compare':
      return `c|${expr.property.kind}|${expr.property.path.join('.')}|${expr.op}|${valueKey(expr.value.value)}`;
    case 'in':
      return `i|${expr.negated}|${expr.property.kind}|${expr.property.path.join('.')}|${expr.values.map((v) => valueKey(v.value)).join('\u0000')}`;
    default:
      return expr.kind;
  }
}

/** Every tag path a condition reads, so the index can build them all in one pass. */
export function tagPaths(expr: Expr, out: string[][] = []): string[][] {
  switch (expr.kind) {
    case 'and':
    case 'or':
      tagPaths(expr.left, out);
      tagPaths(expr.right, out);
      break;
    case 'not':
      tagPaths(expr.operand, out);
      break;
    case 'compare':
    case 'in':
    case 'defined':
      if (expr.property.kind === 'tag') out.push([...expr.property.path]);
      break;
  }
  return out;
}
