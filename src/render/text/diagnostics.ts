/** Diagnostics for a person: position, severity, code, message, and the source line with a caret. */
import type { PlacedDiagnostic } from '../../core/diagnostics.js';
import type { Style } from '../style.js';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function diagnosticText(d: PlacedDiagnostic, style: Style): string {
  const severity = d.severity === 'error' ? style.red('error') : style.yellow('warning');
  const head = `${style.bold(`${d.file}:${d.line}:${d.column}`)} ${severity} ${style.dim(d.code)}`;
  const lines = [head, ...d.message.split('\n').map((l) => `  ${l}`)];
  if (d.excerpt !== undefined && d.excerpt.trim() !== '') {
    const gutter = String(d.line);
    // Tabs would shift the caret: show them as single spaces.
    const source = d.excerpt.replace(/\t/g, ' ');
    lines.push(
      `  ${style.dim(`${gutter} |`)} ${source}`,
      `  ${' '.repeat(gutter.length)} ${style.dim('|')} ${' '.repeat(Math.max(0, d.column - 1))}${style.red('^')}`,
    );
  }
  return lines.join('\n');
}

export function diagnosticsText(diagnostics: readonly PlacedDiagnostic[], style: Style): string {
  return diagnostics.map((d) => diagnosticText(d, style)).join('\n\n');
}

export function countsText(diagnostics: readonly PlacedDiagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  return `${plural(errors, 'error')}, ${plural(diagnostics.length - errors, 'warning')}`;
}

export { plural };
