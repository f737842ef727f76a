/** `validate` for a job summary: the verdict, then the text report (positions, carets) in a code block. */
import { createStyle } from './style.js';
import { validateText, type ValidateFacts } from './text/validate.js';

/** A fence longer than any run of backticks in the text, so a message cannot close it. */
const fence = (text: string): string => '`'.repeat(Math.max(3, ...(text.match(/`+/g) ?? []).map((run) => run.length + 1)));

export function validateMarkdown(facts: ValidateFacts): string {
  const text = validateText(facts, createStyle(false)).trimEnd();
  const f = fence(text);
  return `### edgeops validate\n\n${facts.valid ? '🟢' : '🔴'} **${facts.valid ? 'valid' : 'invalid'}**\n\n${f}text\n${text}\n${f}\n`;
}
