/** GitHub Actions workflow commands: `::error file=…,line=…,col=…::message`, escaped as the runner expects. */
import type { PlacedDiagnostic } from '../core/diagnostics.js';
import { safe } from './text/escape.js';

// Line breaks become the runner's escapes; other control characters from a repository are shown, never sent.
const escapeData = (s: string): string => safe(s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A'));
const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/**
 * `pathPrefix` is where the edgeops repository sits inside the git repository
 * (`infra/edge`): GitHub attaches annotations to paths from the git root.
 */
export function githubAnnotations(diagnostics: readonly PlacedDiagnostic[], pathPrefix = ''): string {
  const prefix = pathPrefix === '' ? '' : `${pathPrefix.replace(/\/$/, '')}/`;
  return diagnostics
    .map((d) => {
      const props = [`file=${escapeProperty(prefix + d.file)}`, `line=${d.line}`, `col=${d.column}`, `title=${escapeProperty(`edgeops ${d.code}`)}`];
      return `::${d.severity} ${props.join(',')}::${escapeData(d.message)}\n`;
    })
    .join('');
}
