/** The "why" of a transition in words, for every face; `code` marks up ids and conditions. */
import type { ClauseExplanation } from '../../core/condition/index.js';
import type { PlanDeployment, Transition, UnknownOutcome, VerdictChange, Why } from '../../core/plan/plan.js';

export type Code = (s: string) => string;

const short = (hash: string): string => hash.replace(/^sha256:/, '').slice(0, 12);

function clauseChanges(before: readonly ClauseExplanation[], after: readonly ClauseExplanation[], code: Code): string[] {
  const old = new Map(before.map((c) => [c.text, c]));
  return after.flatMap((c) => {
    const was = old.get(c.text);
    if (!was) return [`${code(c.text)} is ${c.result} (${c.reason})`];
    return was.result !== c.result ? [`${code(c.text)} ${was.result} → ${c.result} (${c.reason})`] : [];
  });
}

function verdictText(v: VerdictChange, code: Code, deviceAdded: boolean): string {
  const id = code(v.deployment);
  const { before: b, after: a } = v;
  if (deviceAdded && a) return `${id} (priority ${a.priority}) targets it`;
  if (!b && a) return `${id} is new (priority ${a.priority}): its condition is ${a.result} here`;
  if (b && !a) return `${id} was deleted (it was ${b.result} here)`;
  if (!b || !a) return id;
  const parts: string[] = [];
  if (a.priority !== b.priority) parts.push(`priority ${b.priority} → ${a.priority}`);
  if (a.createdAt !== b.createdAt) parts.push(`createdAt ${b.createdAt} → ${a.createdAt}`);
  if (a.targetCondition !== b.targetCondition) {
    parts.push(`condition ${code(b.targetCondition ?? '(none)')} → ${code(a.targetCondition ?? '(none)')}`);
  }
  if (a.result !== b.result) {
    const clauses = clauseChanges(b.clauses, a.clauses, code);
    parts.push(`${b.result} → ${a.result}${clauses.length ? `: ${clauses.join('; ')}` : ''}`);
  } else if (parts.length === 0) {
    parts.push(`still ${a.result}`);
  }
  return `${id}: ${parts.join(', ')}`;
}

/** One line per reason, most telling first. */
export function whyLines(why: Why, code: Code): string[] {
  const lines: string[] = [];
  if (why.removedFromFleet) lines.push('the device was deleted from the fleet');
  if (why.addedToFleet) lines.push('the device is new in the fleet');
  if (why.contentHash) lines.push(`the manifest changed (content ${short(why.contentHash.before)} → ${short(why.contentHash.after)})`);
  if (why.tagsChanged) lines.push("the device's tags changed");
  for (const v of why.verdicts) lines.push(verdictText(v, code, why.addedToFleet === true));
  return lines;
}

/** A transition's end: `null` before means no deployment (or a new device); after, unmanaged. */
export const endpoint = (id: string | null, side: 'from' | 'to' = 'to'): string => id ?? (side === 'from' ? '(none)' : '(unmanaged)');

export function transitionTitle(t: Transition, code: Code): string {
  const devices = `${t.count} device${t.count === 1 ? '' : 's'}`;
  if (t.kind === 'updated') return `${code(endpoint(t.to))} updated: ${devices}`;
  if (t.kind === 'removed') return `${code(endpoint(t.from, 'from'))} → removed from the fleet: ${devices}`;
  return `${code(endpoint(t.from, 'from'))} → ${code(endpoint(t.to))}: ${devices}`;
}

/** ` (new)`, ` (deleted)`, ` (invalid at head)` or nothing: a file that could not be read was not deleted. */
export function deploymentStatus(d: PlanDeployment): string {
  if (d.invalidAtHead !== undefined) return ' (invalid at head)';
  return d.before === null ? ' (new)' : d.after === null ? ' (deleted)' : '';
}

/** One line per deployment that could not be read at head: what is wrong, and whose outcome is unknown. */
export function unknownLines(unknown: readonly UnknownOutcome[] | undefined, code: Code): string[] {
  return (unknown ?? []).map((u) => {
    const who =
      u.count === null
        ? 'it is new, so which devices it would target is unknown'
        : u.count === 0
          ? 'its last readable condition targets no device'
          : `the outcome of ${u.count} device${u.count === 1 ? '' : 's'} it targeted is unknown: ${u.devices.map(code).join(', ')}${u.count > u.devices.length ? `, …and ${u.count - u.devices.length} more` : ''}`;
    return `${code(u.deployment)} is invalid at head (${u.reason}); ${who}`;
  });
}
