/**
 * YAML reads some condition and manifest mistakes as something else before edgeops
 * sees them: `targetCondition: *` is an alias, `tags.environment: 'prod'` a mapping,
 * `!tags…` a tag, `schemaVersion: 1.1` a number. The problem is then said in YAML's
 * words, far from the fix; here it is said in the operator's, once per mistake.
 */
import type { PlacedDiagnostic } from '../core/diagnostics.js';

const CONDITION = /^\s*targetCondition:\s*(.*)$/;

function hint(d: PlacedDiagnostic): PlacedDiagnostic | undefined {
  const line = d.excerpt ?? '';
  const condition = CONDITION.exec(line)?.[1];
  if (condition !== undefined && (d.code === 'yaml/syntax' || d.code === 'yaml/warning')) {
    if (condition.startsWith('*')) {
      return { ...d, code: 'yaml/syntax', message: `YAML reads an unquoted * as an alias: quote it, targetCondition: '*'` };
    }
    if (condition.startsWith('!')) {
      return {
        ...d,
        severity: 'error',
        code: 'yaml/syntax',
        message: `YAML reads a leading ! as a tag, so the condition is not what you wrote: write NOT for negation and quote the condition, e.g. targetCondition: "NOT ${condition.slice(1).trim().replace(/"/g, "'")}"`,
      };
    }
    if (/^[^'"][^#]*:\s/.test(condition) || /^[^'"][^#]*:$/.test(condition)) {
      const fixed = condition.replace(/:\s*/, ' = ');
      return {
        ...d,
        code: 'yaml/syntax',
        message: `YAML reads this condition as a mapping (because of ': '): a comparison is written with =, e.g. targetCondition: ${fixed}`,
      };
    }
  }
  const version = /^\s*schemaVersion:\s*(\d+\.\d+)\s*$/.exec(line)?.[1];
  if (version !== undefined && d.code === 'schema/invalid') {
    return { ...d, message: `${d.message}: YAML reads an unquoted ${version} as a number; quote it, schemaVersion: "${version}"` };
  }
  return undefined;
}

/** Rewrites what YAML made of these mistakes, and drops what the same mistake caused further on its line. */
export function explainYamlMistakes(diagnostics: readonly PlacedDiagnostic[]): PlacedDiagnostic[] {
  const hinted = diagnostics.map((d) => hint(d));
  const lines = new Set(diagnostics.filter((_, i) => hinted[i]).map((d) => `${d.file}:${d.line}`));
  if (lines.size === 0) return [...diagnostics];
  const seen = new Set<string>();
  return diagnostics.flatMap((d, i) => {
    const key = `${d.file}:${d.line}`;
    if (!lines.has(key)) return [d];
    // One mistake, one diagnostic: the first hint on the line stands for all.
    if (!hinted[i] || seen.has(key)) return [];
    seen.add(key);
    return [hinted[i]];
  });
}
