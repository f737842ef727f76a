/** `edgeops explain <device>`: each deployment's condition clause by clause, and why the winner wins. */
import type { DeviceExplanation, WinReason } from '../../core/analysis/explain.js';
import { isTags, type Tags } from '../../core/model.js';
import { plural } from '../../core/text.js';
import type { Style } from '../style.js';
import { safe } from './escape.js';
import { table } from './table.js';

export function flattenTags(tags: Tags, prefix = 'tags.'): [string, string][] {
  const out: [string, string][] = [];
  for (const key of Object.keys(tags)) {
    const value = tags[key];
    if (isTags(value)) out.push(...flattenTags(value, `${prefix}${key}.`));
    else out.push([`${prefix}${key}`, typeof value === 'string' ? `'${value}'` : String(value)]);
  }
  return out;
}

export function reasonText(winner: string | null, reason: WinReason): string {
  switch (reason.kind) {
    case 'unmanaged':
      return 'no deployment targets this device: it is unmanaged, nothing is pushed and it keeps what it last received';
    case 'only-candidate':
      return `${winner} wins: it is the only deployment that targets this device`;
    case 'priority':
      return `${winner} wins: priority ${reason.priority} beats ${reason.over} (priority ${reason.overPriority})`;
    case 'created-at':
      return `${winner} wins: same priority as ${reason.over}, and its createdAt ${reason.createdAt} is newer than ${reason.overCreatedAt}`;
    case 'tie':
      return `no winner: ${reason.between[0]} and ${reason.between[1]} have equal priority and createdAt (an error: change one's priority)`;
  }
}

const ROLE = { winner: 'WINNER', candidate: 'targeted, lower precedence', tied: 'TIED', 'not-targeted': 'not targeted' } as const;

export function explainText(e: DeviceExplanation, style: Style): string {
  const tags = flattenTags(e.device.tags);
  const out: string[] = [
    `${style.bold(safe(e.device.deviceId))} ${style.dim(`(${safe(e.device.file)})`)}`,
    tags.length ? tags.map(([k, v]) => `  ${safe(k)} = ${safe(v)}`).join('\n') : '  (no tags)',
    '',
    style.bold(`→ ${safe(reasonText(e.winner, e.reason))}`),
  ];
  if (e.winnerManifest) {
    const { errors, first, line } = e.winnerManifest;
    out.push(
      style.red(
        `  but the manifest of ${e.winner} is invalid (${plural(errors, 'error')}; line ${line}: ${safe(first)}): IoT Edge would reject what it pushes; see edgeops validate`,
      ),
    );
  }
  for (const d of e.deployments) {
    const mark = d.result === 'true' ? style.green('✓') : d.result === 'unknown' ? style.yellow('?') : style.red('✗');
    const role = d.role === 'winner' ? style.green(ROLE[d.role]) : d.role === 'tied' ? style.red(ROLE[d.role]) : style.dim(ROLE[d.role]);
    out.push('', `${mark} ${style.cyan(safe(d.id))}  priority ${d.priority}  createdAt ${d.createdAt}  ${d.result}  ${role}`);
    out.push(`    ${d.targetCondition === null ? style.dim('(no target condition)') : safe(d.targetCondition)}`);
    if (d.result === 'invalid' && d.targetCondition !== null) out.push(`    ${style.red('the condition has an error: see edgeops validate')}`);
    if (d.clauses.length > 0) {
      const rendered = table(
        [
          { header: 'CLAUSE' },
          { header: 'RESULT', paint: (c) => (c.trim() === 'true' ? style.green(c) : c.trim() === 'false' ? style.red(c) : style.yellow(c)) },
          { header: 'WHY', paint: (c) => style.dim(c) },
        ],
        d.clauses.map((c) => [c.text, c.result, c.reason]),
      );
      out.push(
        rendered
          .split('\n')
          .map((l) => `    ${l}`)
          .join('\n'),
      );
    }
  }
  return `${out.join('\n')}\n`;
}
