/** The reply to `/edgeops explain <device>` in a pull request: the device at base and at head. */
import type { DeviceExplanation } from '../../core/analysis/explain.js';
import { flattenTags, reasonText } from '../text/explain.js';

const code = (s: string): string => `\`${s.replace(/`/g, "'")}\``;
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const MARK = { true: '✅', false: '❌', unknown: '❔', invalid: '⚠️' } as const;
const ROLE = { winner: '**winner**', candidate: 'targeted, lower precedence', tied: '**tied**', 'not-targeted': 'not targeted' } as const;

export function explanationMarkdown(e: DeviceExplanation): string {
  const tags = flattenTags(e.device.tags);
  const out = [
    `**${reasonText(e.winner === null ? null : code(e.winner), e.reason)}**`,
    '',
    `Tags (${code(e.device.file)}): ${tags.length ? tags.map(([k, v]) => code(`${k} = ${v}`)).join(', ') : 'none'}`,
  ];
  if (e.deployments.length > 0) {
    out.push('', '| deployment | priority | createdAt | condition | role |', '|---|---:|---|---|---|');
    for (const d of e.deployments) {
      out.push(
        `| ${MARK[d.result]} ${code(d.id)} | ${d.priority} | ${d.createdAt} | ${d.targetCondition === null ? '(none)' : code(cell(d.targetCondition))} | ${ROLE[d.role]} |`,
      );
    }
    const clauses = e.deployments.filter((d) => d.clauses.length > 0);
    if (clauses.length > 0) {
      out.push('', '<details><summary>Clause by clause</summary>', '');
      for (const d of clauses) {
        out.push(`${code(d.id)}:`, '');
        for (const c of d.clauses) out.push(`- ${MARK[c.result]} ${code(c.text)}: ${c.result} — ${cell(c.reason)}`);
        out.push('');
      }
      out.push('</details>');
    }
  }
  return out.join('\n');
}

export interface ExplainReply {
  readonly deviceId: string;
  readonly base: DeviceExplanation | undefined;
  readonly head: DeviceExplanation | undefined;
  readonly baseLabel: string;
  readonly headLabel: string;
  readonly closest: readonly string[];
}

/** Never longer than GitHub's comment limit. */
export function explainReplyMarkdown(r: ExplainReply, max = 65_000): string {
  let text: string;
  if (!r.base && !r.head) {
    const hint = r.closest.length ? ` Closest ids: ${r.closest.map(code).join(', ')}.` : '';
    text = `### edgeops explain ${code(r.deviceId)}\n\nNo device ${code(r.deviceId)} at base (${r.baseLabel}) or at head (${r.headLabel}).${hint}\n`;
  } else {
    const side = (label: string, e: DeviceExplanation | undefined, name: string) =>
      `#### At ${name} (${label})\n\n${e ? explanationMarkdown(e) : `${code(r.deviceId)} is not in the fleet at ${name}.`}`;
    text = `### edgeops explain ${code(r.deviceId)}\n\n${side(r.baseLabel, r.base, 'base')}\n\n${side(r.headLabel, r.head, 'head')}\n`;
  }
  return text.length <= max ? text : `${text.slice(0, max - 40)}\n\n…(cut at ${max} characters)\n`;
}

/** The reply when the pull request could not be read: the reason a reader may see, and the id of the log entry. */
export function explainFailedMarkdown(deviceId: string, errorId: string, reason: string): string {
  return (
    [
      `### edgeops explain ${code(deviceId)}`,
      '',
      `edgeops could not explain this device: ${reason}.`,
      '',
      `Error id: \`${errorId}\` (the App's log has the details under this id). Comment ${code(`/edgeops explain ${deviceId}`)} again to retry.`,
    ].join('\n') + '\n'
  );
}
