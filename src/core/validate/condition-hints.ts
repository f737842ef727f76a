/**
 * Where operators slip with values: a condition value that matches no device of
 * the fleet, but would if it had another type (`'0'` against number tags) or
 * another case (`'PROD'` against `'prod'`). Warnings that say the fix.
 */
import { formatLiteral, type Expr, type Literal, type Property } from '../condition/index.js';
import { warning, type Diagnostic } from '../diagnostics.js';
import type { FleetIndex, Target } from '../resolve/resolve.js';

type Leaf = {
  readonly property: Property;
  readonly values: readonly { readonly value: Literal; readonly span: { readonly start: number } }[];
  readonly list: boolean;
};

function leaves(expr: Expr, out: Leaf[] = []): Leaf[] {
  switch (expr.kind) {
    case 'and':
    case 'or':
      leaves(expr.left, out);
      leaves(expr.right, out);
      break;
    case 'not':
      leaves(expr.operand, out);
      break;
    case 'compare':
      if (expr.op === '=' || expr.op === '!=') out.push({ property: expr.property, values: [expr.value], list: false });
      break;
    case 'in':
      out.push({ property: expr.property, values: expr.values, list: true });
      break;
  }
  return out;
}

/** At most this many distinct values are searched for a case-insensitive match. */
const MAX_VALUES = 10_000;

export function conditionHints(targets: readonly Target[], fleet: FleetIndex): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (fleet.size === 0) return out;
  for (const { deployment, expr } of targets) {
    if (!expr) continue;
    for (const leaf of leaves(expr)) {
      if (leaf.property.kind !== 'tag') continue;
      const index = fleet.path(leaf.property.path);
      const where = { file: deployment.file, path: ['targetCondition'], index: leaf.values[0].span.start };
      const missing = leaf.values.filter((v) => !index.postings.has(v.value));
      if (missing.length === 0) continue;
      const name = leaf.property.text;
      const asNumber = (v: Literal) => (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined);
      // Strings that are numbers, against a tag that is a number on every device that has it.
      if (index.strings.length === 0 && index.numbers.length > 0 && missing.every((v) => asNumber(v.value) !== undefined)) {
        const fixed = leaf.values.map((v) => formatLiteral(asNumber(v.value) ?? v.value));
        const fix = leaf.list ? `IN [${fixed.join(', ')}]` : fixed[0];
        out.push(warning('condition/type-mismatch', `${name} compares strings with a number tag (every device's ${name} is a number): write ${fix}`, where));
        continue;
      }
      if (index.numbers.length === 0 && index.strings.length > 0 && missing.every((v) => typeof v.value === 'number' && index.postings.has(String(v.value)))) {
        const fixed = leaf.values.map((v) => formatLiteral(String(v.value)));
        const fix = leaf.list ? `IN [${fixed.join(', ')}]` : fixed[0];
        out.push(warning('condition/type-mismatch', `${name} compares numbers with a string tag (every device's ${name} is a string): write ${fix}`, where));
        continue;
      }
      if (index.strings.length > MAX_VALUES) continue;
      const byFold = new Map(index.strings.map((s) => [s.toLowerCase(), s]));
      for (const v of missing) {
        const close = typeof v.value === 'string' ? byFold.get(v.value.toLowerCase()) : undefined;
        if (close !== undefined) {
          out.push(
            warning(
              'condition/case-mismatch',
              `no device has ${name} = ${formatLiteral(v.value)}: values are case-sensitive; did you mean ${formatLiteral(close)}?`,
              { ...where, index: v.span.start },
            ),
          );
        }
      }
    }
  }
  return out;
}
