/**
 * A report for a job summary: a heading, the verdict in bold, then the text
 * report (positions, carets, tables) in a code block, exactly as the CLI prints it.
 */

/** A fence longer than any run of backticks in the text, so a message cannot close it. */
const fence = (text: string): string => '`'.repeat(Math.max(3, ...(text.match(/`+/g) ?? []).map((run) => run.length + 1)));

export interface CodeReport {
  readonly title: string;
  readonly ok: boolean;
  readonly verdict: string;
  /** Plain text (no colour); omitted when empty. */
  readonly text?: string;
  /** Markdown after the block, e.g. "…and 12 more". */
  readonly after?: string;
}

export function codeReport(r: CodeReport): string {
  const head = `### ${r.title}\n\n${r.ok ? '🟢' : '🔴'} **${r.verdict.replace(/^[✓✗–] /, '')}**\n`;
  const text = r.text?.trimEnd() ?? '';
  if (text === '') return head;
  const f = fence(text);
  return `${head}\n${f}text\n${text}\n${f}\n${r.after ? `\n${r.after}\n` : ''}`;
}
