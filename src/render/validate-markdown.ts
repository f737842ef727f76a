/**
 * `validate` for a job summary: the verdict, then the first SHOWN diagnostics as
 * the text report shows them (a summary over 1 MiB is dropped by the runner).
 */
import { andMore, plural } from '../core/text.js';
import { codeReport } from './markdown-report.js';
import { createStyle } from './style.js';
import { countsText, diagnosticsText } from './text/diagnostics.js';
import type { ValidateFacts } from './text/validate.js';

const SHOWN = 200;

export function validateMarkdown(facts: ValidateFacts): string {
  const scope = `${plural(facts.deployments, 'deployment')}, ${plural(facts.devices, 'device')} in ${plural(facts.files, 'file')}`;
  const counts = facts.diagnostics.length > 0 ? `: ${countsText(facts.diagnostics)}` : '';
  const hidden = facts.diagnostics.length - SHOWN;
  return codeReport({
    title: 'edgeops validate',
    ok: facts.valid,
    verdict: `${facts.valid ? 'valid' : 'invalid'}${counts} (${scope})`,
    text: diagnosticsText(facts.diagnostics.slice(0, SHOWN), createStyle(false)),
    after: hidden > 0 ? `${andMore(hidden)}: run \`edgeops validate\` for all of them.` : undefined,
  });
}
