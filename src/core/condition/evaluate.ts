/**
 * Three-valued evaluation, as in the IoT Hub query language: a comparison with a
 * tag the device lacks, or between values of different types, is unknown; a
 * device is targeted only when the whole condition is true.
 */
import { formatLiteral, type CompareOp, type Expr, type Literal, type Property } from './ast.js';
import { isTags, type TagValue, type Tags } from '../model.js';

export const FALSE = 0;
export const TRUE = 1;
export const UNKNOWN = 2;
export type Truth = typeof FALSE | typeof TRUE | typeof UNKNOWN;

export const truthName = (t: Truth): 'false' | 'true' | 'unknown' => (t === TRUE ? 'true' : t === FALSE ? 'false' : 'unknown');

export interface Subject {
  readonly deviceId: string;
  readonly tags: Tags;
}

export const and3 = (a: Truth, b: Truth): Truth => (a === FALSE || b === FALSE ? FALSE : a === UNKNOWN || b === UNKNOWN ? UNKNOWN : TRUE);
export const or3 = (a: Truth, b: Truth): Truth => (a === TRUE || b === TRUE ? TRUE : a === UNKNOWN || b === UNKNOWN ? UNKNOWN : FALSE);
export const not3 = (a: Truth): Truth => (a === UNKNOWN ? UNKNOWN : a === TRUE ? FALSE : TRUE);

/** Looks a tag path up; property names match case-insensitively (`path` is lower-cased). */
export function lookupTag(tags: Tags, path: readonly string[]): TagValue | undefined {
  let value: TagValue | undefined = tags;
  for (const segment of path) {
    if (!isTags(value)) return undefined;
    const map: Tags = value;
    if (Object.hasOwn(map, segment)) {
      value = map[segment];
      continue;
    }
    value = undefined;
    for (const key of Object.keys(map)) {
      if (key.toLowerCase() === segment) {
        value = map[key];
        break;
      }
    }
    if (value === undefined) return undefined;
  }
  return value;
}

export function propertyValue(property: Property, subject: Subject): TagValue | undefined {
  return property.kind === 'deviceId' ? subject.deviceId : lookupTag(subject.tags, property.path);
}

/** Compares a device's value with a literal. */
export function compare(actual: TagValue | undefined, op: CompareOp, literal: Literal): Truth {
  if (actual === undefined || typeof actual === 'object' || typeof actual !== typeof literal) return UNKNOWN;
  switch (op) {
    case '=':
      return actual === literal ? TRUE : FALSE;
    case '!=':
      return actual === literal ? FALSE : TRUE;
  }
  if (typeof actual === 'boolean') return UNKNOWN;
  const a = actual as string | number;
  const b = literal as string | number;
  switch (op) {
    case '<':
      return a < b ? TRUE : FALSE;
    case '>':
      return a > b ? TRUE : FALSE;
    case '<=':
      return a <= b ? TRUE : FALSE;
    case '>=':
      return a >= b ? TRUE : FALSE;
  }
}

export type CompiledCondition = (subject: Subject) => Truth;

/** Compiles a condition once into a closure; evaluating it does no parsing or allocation. */
export function compileCondition(expr: Expr): CompiledCondition {
  switch (expr.kind) {
    case 'all':
      return () => TRUE;
    case 'and': {
      const l = compileCondition(expr.left);
      const r = compileCondition(expr.right);
      return (s) => {
        const a = l(s);
        return a === FALSE ? FALSE : and3(a, r(s));
      };
    }
    case 'or': {
      const l = compileCondition(expr.left);
      const r = compileCondition(expr.right);
      return (s) => {
        const a = l(s);
        return a === TRUE ? TRUE : or3(a, r(s));
      };
    }
    case 'not': {
      const inner = compileCondition(expr.operand);
      return (s) => not3(inner(s));
    }
    case 'defined': {
      const p = expr.property;
      return (s) => (propertyValue(p, s) === undefined ? FALSE : TRUE);
    }
    case 'compare': {
      const { property, op } = expr;
      const literal = expr.value.value;
      return (s) => compare(propertyValue(property, s), op, literal);
    }
    case 'in': {
      const { property, negated } = expr;
      const literals = expr.values.map((v) => v.value);
      return (s) => {
        const actual = propertyValue(property, s);
        let result: Truth = FALSE;
        for (const literal of literals) result = or3(result, compare(actual, '=', literal));
        return negated ? not3(result) : result;
      };
    }
  }
}

export interface ClauseExplanation {
  /** The clause as written in the condition. */
  readonly text: string;
  readonly start: number;
  readonly result: 'true' | 'false' | 'unknown';
  /** Why, in words: what the device has for the property. */
  readonly reason: string;
}

export interface ConditionExplanation {
  readonly result: 'true' | 'false' | 'unknown';
  readonly clauses: readonly ClauseExplanation[];
}

const typeName = (v: TagValue): string => (typeof v === 'object' ? 'an object' : `a ${typeof v}`);

function describeValue(property: Property, actual: TagValue | undefined): string {
  if (actual === undefined) return `${property.text} is not defined`;
  if (typeof actual === 'object') return `${property.text} is an object, not a value`;
  return `${property.text} is ${formatLiteral(actual)}`;
}

function explainLeaf(expr: Expr, subject: Subject): string {
  switch (expr.kind) {
    case 'all':
      return "'*' targets every device";
    case 'defined':
      return describeValue(expr.property, propertyValue(expr.property, subject));
    case 'compare':
    case 'in': {
      const actual = propertyValue(expr.property, subject);
      const base = describeValue(expr.property, actual);
      if (actual === undefined || typeof actual === 'object') return `${base}, so the comparison is unknown`;
      const literals = expr.kind === 'compare' ? [expr.value.value] : expr.values.map((v) => v.value);
      const mismatched = literals.filter((l) => typeof l !== typeof actual);
      if (mismatched.length === literals.length) {
        return `${base} (${typeName(actual)}), compared with ${formatLiteral(literals[0])} (${typeName(literals[0])}): different types are unknown`;
      }
      if (expr.kind === 'compare' && typeof actual === 'boolean' && expr.op !== '=' && expr.op !== '!=') {
        return `${base}: booleans have no order, so ${expr.op} is unknown`;
      }
      return base;
    }
    default:
      return '';
  }
}

/** Evaluates every clause (no short-circuit) so `explain` can show each one's truth and why. */
export function explainCondition(text: string, expr: Expr, subject: Subject): ConditionExplanation {
  const clauses: ClauseExplanation[] = [];
  const walk = (e: Expr): Truth => {
    switch (e.kind) {
      case 'and':
        return and3(walk(e.left), walk(e.right));
      case 'or':
        return or3(walk(e.left), walk(e.right));
      case 'not':
        return not3(walk(e.operand));
      default: {
        const result = compileCondition(e)(subject);
        clauses.push({ text: text.slice(e.span.start, e.span.end), start: e.span.start, result: truthName(result), reason: explainLeaf(e, subject) });
        return result;
      }
    }
  };
  return { result: truthName(walk(expr)), clauses };
}
