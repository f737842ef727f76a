/** The "why" of a transition in words, for every face; `code` marks up ids and conditions. */
import { andMore, labelsText, listWithMore, plural } from '../../core/text.js';
import type { ClauseExplanation } from '../../core/condition/index.js';
import type { ContentChange } from '../../core/plan/content-diff.js';
import type { DeploymentEdit, PlanDeployment, Transition, UnknownOutcome, VerdictChange, Why } from '../../core/plan/plan.js';

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
  if (why.contentChanges && why.contentChanges.length > 0) {
    const shown = why.contentChanges.slice(0, 3).map((c) => contentChangeText(c, code));
    const more = why.contentChanges.length - shown.length;
    lines.push(`the manifest changed: ${shown.join('; ')}${more > 0 ? `; ${andMore(more)}` : ''}`);
  } else if (why.contentHash) lines.push(`the manifest changed (content ${short(why.contentHash.before)} → ${short(why.contentHash.after)})`);
  if (why.unreadable) lines.push(`${code(why.unreadable)} could not be read at head, so this outcome is not certain`);
  if (why.tagsChanged) lines.push("the device's tags changed");
  if (why.tie) lines.push(`${code(why.tie[0])} and ${code(why.tie[1])} tie (same priority and createdAt): no deployment wins until one has a higher priority`);
  for (const v of why.verdicts) lines.push(verdictText(v, code, why.addedToFleet === true));
  return lines;
}

/** A transition's end: `null` before means no deployment (or a new device); after, unmanaged. */
export const endpoint = (id: string | null, side: 'from' | 'to' = 'to'): string => id ?? (side === 'from' ? '(none)' : '(unmanaged)');

export function transitionTitle(t: Transition, code: Code): string {
  const devices = plural(t.count, 'device');
  if (t.why?.tie && t.to === null) return `${code(endpoint(t.from, 'from'))} → ${code(`(tie: ${t.why.tie.join(' = ')})`)}: ${devices}`;
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
          : `the outcome of ${plural(u.count, 'device')} it targeted is unknown: ${listWithMore(u.devices.map(code), u.count)}`;
    return `${code(u.deployment)} is invalid at head (${u.reason}); ${who}`;
  });
}

/** A value in a change line: strings quoted, the rest as JSON, long ones shortened. */
function value(v: unknown): string {
  const text = typeof v === 'string' ? `'${v}'` : (JSON.stringify(v) ?? String(v));
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/** `module tempSensor: settings.image '…:1.5' → '…:1.6'`, `route upstream added`, `twin tempSensor: TelemetryInterval 5 → 10`. */
export function contentChangeText(c: ContentChange, code: Code): string {
  const where = c.name !== undefined ? `${c.scope} ${code(c.name)}` : code(c.scope === 'edgeAgent' ? '$edgeAgent' : '$edgeHub');
  const path = c.path === '' ? '' : ` ${code(c.path)}`;
  const sep = c.path === '' ? '' : ':';
  if (c.before === undefined) return `${where}${sep}${path} added${c.path === '' ? '' : ` (${code(value(c.after))})`}`;
  if (c.after === undefined) return `${where}${sep}${path} removed${c.path === '' ? '' : ` (was ${code(value(c.before))})`}`;
  return `${where}${sep}${path} ${code(value(c.before))} → ${code(value(c.after))}`;
}

/** `priority 10 → 20`, `labels team=a → team=b`. */
export function editText(e: DeploymentEdit, code: Code): string {
  const show = (v: unknown): string => {
    if (v === null) return '(none)';
    if (e.field === 'labels') {
      const labels = labelsText(v as Record<string, string>);
      return code(labels || '(none)');
    }
    return code(String(v));
  };
  return `${e.field} ${show(e.before)} → ${show(e.after)}`;
}

/** Per deployment, the edits and manifest changes: `[id, lines]` for the ones that have any. */
export function deploymentChangeLines(deployments: readonly PlanDeployment[], code: Code): [string, string[]][] {
  return deployments
    .map((d): [string, string[]] => {
      const lines = [...(d.edits ?? []).map((e) => editText(e, code)), ...(d.contentChanges ?? []).map((c) => contentChangeText(c, code))];
      if (d.moreContentChanges) lines.push(andMore(d.moreContentChanges, 'manifest changes'));
      return [d.id, lines];
    })
    .filter(([, lines]) => lines.length > 0);
}
