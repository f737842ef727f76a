/**
 * The plan as Markdown, for the pull-request comment and job summaries.
 * Assembled from sections, each a pure function of the facts (the renovate habit);
 * truncation knows the structure: it shortens device lists first, then drops
 * device ids, then details, and always says at the top what was left out.
 */
import { safe } from '../text/escape.js';
import type { PlacedDiagnostic } from '../../core/diagnostics.js';
import { andMore, labelsText, plural } from '../../core/text.js';
import type { PlanDeployment, Transition } from '../../core/plan/plan.js';
import type { PolicyReport } from '../../core/plan/policy.js';
import { introducedDiagnostics, type PlanReport } from '../../core/plan/report.js';
import { countsLine, verdictLine } from './verdict.js';
import { deploymentChangeLines, deploymentStatus, transitionTitle, unknownLines, whyLines } from './why.js';

/** The hidden marker the App finds its comment by. */
export const PLAN_MARKER = '<!-- edgeops:plan -->';
/** GitHub rejects comment bodies over 65,536 characters; stay clear of it. */
export const MAX_MARKDOWN = 65_000;

export interface MarkdownOptions {
  /** How the reader gets everything, e.g. "run `edgeops plan --base main --format json`". */
  readonly fullReportHint?: string;
  /** A heading, e.g. "edgeops plan for `a1b2c3d`". */
  readonly title?: string;
  /** The base's branch (or ref) name, when known: shown with its short SHA. */
  readonly baseRef?: string;
  /** The head's branch (or ref) name, when known. */
  readonly headRef?: string;
}

interface Level {
  readonly devicesPerTransition: number;
  readonly transitions: number;
  readonly diagnostics: number;
  readonly why: boolean;
  readonly mermaid: boolean;
  readonly note?: string;
}

const LEVELS: readonly Level[] = [
  { devicesPerTransition: 50, transitions: Infinity, diagnostics: 100, why: true, mermaid: true },
  { devicesPerTransition: 10, transitions: Infinity, diagnostics: 50, why: true, mermaid: true, note: 'device lists were cut to 10 per transition' },
  {
    devicesPerTransition: 0,
    transitions: 200,
    diagnostics: 20,
    why: true,
    mermaid: true,
    note: 'device ids were left out, and only the first 200 transitions are shown',
  },
  {
    devicesPerTransition: 0,
    transitions: 30,
    diagnostics: 10,
    why: false,
    mermaid: false,
    note: 'device ids, explanations and all but the 30 largest transitions were left out',
  },
];

const code = (s: string): string => `\`${safe(s).replace(/`/g, "'")}\``;
const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** Inside <summary>, Markdown is not rendered: use HTML. */
const htmlCode = (s: string): string => `<code>${escapeHtml(safe(s))}</code>`;
const cell = (s: string): string => safe(s.replace(/\n/g, ' ')).replace(/\|/g, '\\|');

/** `` `main` @ `a1b2c3d` ``: a ref name and a short SHA, whichever are known. */
function side(ref: string | undefined, commit: string | undefined, fallback: string): string {
  const sha = commit?.slice(0, 7);
  // A ref that is the SHA itself says nothing more.
  const name = ref !== undefined && !(commit !== undefined && /^[0-9a-f]{4,40}$/i.test(ref) && commit.startsWith(ref.toLowerCase())) ? ref : undefined;
  if (name && sha) return `${code(name)} @ ${code(sha)}`;
  return name ? code(name) : sha ? code(sha) : fallback;
}

export function headerSection(report: PlanReport, options: MarkdownOptions): string {
  const safetyNet = (report.plan.safetyNet ?? []).length > 0;
  const icon = report.ok ? (safetyNet ? '⚠️' : report.plan.summary.changed === 0 ? '⚪' : '🟢') : report.valid ? '🟠' : '🔴';
  const { base, head } = report.commits ?? {};
  const compared =
    base !== undefined || head !== undefined || options.baseRef !== undefined || options.headRef !== undefined
      ? `\n\nBase ${side(options.baseRef, base, 'unknown')} → head ${side(options.headRef, head, 'the working tree')}`
      : '';
  return `${PLAN_MARKER}\n### ${options.title ?? 'edgeops plan'}\n\n${icon} **${verdictLine(report)}**${compared}`;
}

export function summarySection(report: PlanReport): string {
  const s = report.plan.summary;
  return [
    '| devices | changed | retargeted | targeted | untargeted | updated | removed |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    `| ${s.devices} | ${s.changed} | ${s.retargeted} | ${s.targeted} | ${s.untargeted} | ${s.updated} | ${s.removed} |`,
  ].join('\n');
}

export function policySection(policy: PolicyReport | null): string {
  if (!policy || policy.findings.length === 0) return '';
  const lines = policy.findings.map((f) => `- ${f.severity === 'error' ? '⛔' : '⚠️'} **${f.rule}**: ${f.message}`);
  return `#### Policy\n\n${lines.join('\n')}`;
}

function diagnosticLines(diagnostics: readonly PlacedDiagnostic[], max: number, mark?: string): string[] {
  const sorted = [...diagnostics].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  const lines = sorted
    .slice(0, max)
    .map((d) => `- ${mark ?? (d.severity === 'error' ? '❌' : '⚠️')} \`${d.file}:${d.line}:${d.column}\` ${cell(d.message)} <sub>${d.code}</sub>`);
  if (sorted.length > max) lines.push(`- ${andMore(sorted.length - max)}`);
  return lines;
}

/** Problems this change introduced, listed; what it fixed and what base already had, collapsed. */
export function diagnosticsSection(report: PlanReport, max: number): string {
  const introduced = introducedDiagnostics(report);
  const present = report.present ?? [];
  const fixed = report.fixed ?? [];
  const parts: string[] = [];
  if (introduced.length > 0) {
    const errors = introduced.filter((d) => d.severity === 'error').length;
    const title = present.length > 0 || fixed.length > 0 ? 'Problems introduced by this change' : 'Problems';
    parts.push(`#### ${title}: ${plural(errors, 'error')}, ${plural(introduced.length - errors, 'warning')}\n\n${diagnosticLines(introduced, max).join('\n')}`);
  }
  if (fixed.length > 0) {
    parts.push(
      `<details><summary>✅ Fixed by this change: ${plural(fixed.length, 'problem')}</summary>\n\n${diagnosticLines(fixed, max, '✅').join('\n')}\n\n</details>`,
    );
  }
  if (present.length > 0) {
    parts.push(
      `<details><summary>Already present on base, not changed by this pull request: ${plural(present.length, 'problem')}</summary>\n\n${diagnosticLines(present, max).join('\n')}\n\n</details>`,
    );
  }
  return parts.join('\n\n');
}

const metric = (d: PlanDeployment, key: 'targeted' | 'applied'): string => {
  const b = d.before?.[key];
  const a = d.after?.[key];
  return b === a ? String(a) : `${b ?? '–'} → **${a ?? '–'}**`;
};

export function deploymentsSection(deployments: readonly PlanDeployment[]): string {
  if (deployments.length === 0) return '';
  const rows = deployments.map((d) => {
    const status = deploymentStatus(d);
    const labels = labelsText(d.labels);
    return `| ${code(d.id)}${status} | ${metric(d, 'targeted')} | ${metric(d, 'applied')} | ${cell(labels)} |`;
  });
  return ['#### Deployments', '', '| deployment | targeted | applied | labels |', '|---|---:|---:|---|', ...rows].join('\n');
}

/** Edits that may move no device, and manifest diffs; a long list is collapsed. */
export function deploymentChangesSection(deployments: readonly PlanDeployment[]): string {
  const edited = deploymentChangeLines(deployments, code);
  if (edited.length === 0) return '';
  const blocks = edited.map(([id, lines]) => {
    const list = lines.map((l) => `  - ${cell(l)}`).join('\n');
    return lines.length > 5
      ? `- ${code(id)}: ${plural(lines.length, 'change')}\n\n  <details><summary>show</summary>\n\n${list}\n\n  </details>`
      : `- ${code(id)}\n${list}`;
  });
  return `#### Deployment changes\n\n${blocks.join('\n')}`;
}

export function unknownSection(report: PlanReport): string {
  const lines = unknownLines(report.plan.unknown, code).map(safe);
  return lines.length ? `#### Outcome unknown\n\n${lines.map((l) => `- ❓ ${cell(l)}`).join('\n')}` : '';
}

export function transitionSection(t: Transition, level: Level): string {
  const body: string[] = [];
  if (level.why && t.why) {
    const lines = whyLines(t.why, code).map(safe);
    if (lines.length) body.push(`Why, for ${code(t.why.deviceId)}:`, '', ...lines.map((l) => `- ${l}`));
  }
  if (level.devicesPerTransition > 0) {
    const shown = t.devices.slice(0, level.devicesPerTransition).map(code).join(', ');
    body.push('', `Devices: ${shown}${t.count > level.devicesPerTransition ? `, ${andMore(t.count - level.devicesPerTransition)}` : ''}`);
  }
  const summary = `${transitionTitle(t, htmlCode)} <sub>${t.kind}</sub>`;
  return body.length ? `<details><summary>${summary}</summary>\n\n${body.join('\n').trim()}\n\n</details>` : `- ${summary}`;
}

export function mermaidSection(transitions: readonly Transition[]): string {
  const moving = transitions.filter((t) => t.kind !== 'updated');
  if (moving.length < 2 || moving.length > 15) return '';
  const ids = new Map<string, string>();
  const node = (name: string) => {
    if (!ids.has(name)) ids.set(name, `n${ids.size}`);
    return ids.get(name)!;
  };
  // "(none)" before and "(unmanaged)" after are one state: no deployment.
  const state = (id: string | null) => id ?? '(no deployment)';
  const edges = moving.map((t) => {
    const to = t.kind === 'removed' ? '(removed from the fleet)' : t.why?.tie && t.to === null ? `(tie: ${t.why.tie.join(' = ')})` : state(t.to);
    return `  ${node(state(t.from))} -->|${t.count} ${t.kind}| ${node(to)}`;
  });
  const nodes = [...ids].map(([name, id]) => `  ${id}["${name.replace(/"/g, '#quot;')}"]`);
  return ['```mermaid', 'flowchart LR', ...nodes, ...edges, '```'].join('\n');
}

function assemble(report: PlanReport, options: MarkdownOptions, level: Level): string {
  const { plan } = report;
  const shown = plan.transitions.slice(0, level.transitions);
  const transitions =
    shown.length === 0
      ? ''
      : `#### Transitions\n\n${shown.map((t) => transitionSection(t, level)).join('\n')}${
          plan.transitions.length > shown.length ? `\n\n${andMore(plan.transitions.length - shown.length, 'transitions')} (${countsLine(plan.summary)})` : ''
        }`;
  const notice = level.note
    ? `> [!NOTE]\n> This comment was shortened to fit GitHub's limit: ${level.note}.${options.fullReportHint ? ` For everything, ${options.fullReportHint}.` : ''}`
    : '';
  return [
    headerSection(report, options),
    notice,
    summarySection(report),
    policySection(report.policy),
    unknownSection(report),
    level.mermaid ? mermaidSection(plan.transitions) : '',
    transitions,
    deploymentsSection(plan.deployments),
    deploymentChangesSection(plan.deployments),
    diagnosticsSection(report, level.diagnostics),
  ]
    .filter((s) => s !== '')
    .join('\n\n')
    .concat('\n');
}

/** The plan as Markdown, never longer than `max` characters; what had to go is said at the top. */
export function planMarkdown(report: PlanReport, options: MarkdownOptions = {}, max = MAX_MARKDOWN): string {
  for (const level of LEVELS) {
    const text = assemble(report, options, level);
    if (text.length <= max) return text;
  }
  // Last resort: a hard cut, still with the marker and the verdict first.
  const cut = `\n\n> [!WARNING]\n> Cut at ${max} characters.${options.fullReportHint ? ` For everything, ${options.fullReportHint}.` : ''}\n`;
  return assemble(report, options, LEVELS[LEVELS.length - 1]).slice(0, max - cut.length) + cut;
}
