/** Diagnostics for a person: position, severity, code, message, and the source line with a caret. */
import type { PlacedDiagnostic } from '../../core/diagnostics.js';
import { plural } from '../../core/text.js';
import type { Style } from '../style.js';
import { excerptAround, safe } from './escape.js';

export function diagnosticText(d: PlacedDiagnostic, style: Style): string {
  const severity = d.severity === 'error' ? style.red('error') : style.yellow('warning');
  const head = `${style.bold(`${safe(d.file)}:${d.line}:${d.column}`)} ${severity} ${style.dim(d.code)}`;
  const lines = [head, ...d.message.split('\n').map((l) => `  ${safe(l)}`)];
  if (d.excerpt !== undefined && d.excerpt.trim() !== '') {
    const gutter = String(d.line);
    // Tabs would shift the caret: they show as single spaces; a long line shows around the column.
    const { text, caret } = excerptAround(d.excerpt, d.column);
    lines.push(`  ${style.dim(`${gutter} |`)} ${text}`, `  ${' '.repeat(gutter.length)} ${style.dim('|')} ${' '.repeat(caret)}${style.red('^')}`);
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
