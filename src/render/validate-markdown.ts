/**
 * `validate` for a job summary: the verdict, then the diagnostics as the text
 * report shows them (position, source line, caret) in a code block, the first
 * SHOWN of them: a summary over 1 MiB is dropped by the runner.
 */
import { createStyle } from './style.js';
import { countsText, diagnosticsText, plural } from './text/diagnostics.js';
import type { ValidateFacts } from './text/validate.js';

const SHOWN = 200;

/** A fence longer than any run of backticks in the text, so a message cannot close it. */
const fence = (text: string): string => '`'.repeat(Math.max(3, ...(text.match(/`+/g) ?? []).map((run) => run.length + 1)));

export function validateMarkdown(facts: ValidateFacts): string {
  const scope = `${plural(facts.deployments, 'deployment')}, ${plural(facts.devices, 'device')} in ${plural(facts.files, 'file')}`;
  const counts = facts.diagnostics.length > 0 ? `: ${countsText(facts.diagnostics)}` : '';
  const verdict = `${facts.valid ? '🟢 **valid' : '🔴 **invalid'}${counts}** (${scope})`;
  if (facts.diagnostics.length === 0) return `### edgeops validate\n\n${verdict}\n`;
  const text = diagnosticsText(facts.diagnostics.slice(0, SHOWN), createStyle(false));
  const more = facts.diagnostics.length > SHOWN ? `\n\n…and ${facts.diagnostics.length - SHOWN} more: run \`edgeops validate\` for all of them.` : '';
  const f = fence(text);
  return `### edgeops validate\n\n${verdict}\n\n${f}text\n${text}\n${f}${more}\n`;
}
