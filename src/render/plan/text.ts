/** `edgeops plan` for a terminal: a verdict, the transitions with their why, the per-deployment table. */
import { safe } from '../text/escape.js';
import { introducedDiagnostics, type PlanReport } from '../../core/plan/report.js';
import type { Style } from '../style.js';
import { diagnosticsText } from '../text/diagnostics.js';
import { andMore, labelsText, plural } from '../../core/text.js';
import { table } from '../text/table.js';
import { verdictLine } from './verdict.js';
import { deploymentChangeLines, deploymentStatus, transitionTitle, unknownLines, whyLines } from './why.js';

const DEVICES_SHOWN = 10;
const arrow = (a: number | undefined, b: number | undefined): string => (a === b ? String(a ?? '–') : `${a ?? '–'} → ${b ?? '–'}`);

export function planText(report: PlanReport, style: Style): string {
  const { plan } = report;
  const mark = !report.ok ? style.red('✗') : style.green('✓');
  const out: string[] = [`${mark} ${style.bold(verdictLine(report))}`];
  if (plan.transitions.length > 0) {
    const lines: string[] = [];
    for (const t of plan.transitions) {
      const shown = safe(t.devices.slice(0, DEVICES_SHOWN).join(', ')) + (t.count > DEVICES_SHOWN ? `, ${andMore(t.count - DEVICES_SHOWN)}` : '');
      lines.push(`${style.cyan(transitionTitle(t, safe))} ${style.dim(`(${t.kind})`)}`, `    ${shown}`);
      if (t.why) {
        const why = whyLines(t.why, safe).map(safe);
        if (why.length) lines.push(`    why (${safe(t.why.deviceId)}): ${why[0]}`, ...why.slice(1).map((l) => `      ${l}`));
      }
    }
    out.push(lines.join('\n'));
  }
  out.push(
    table(
      [
        { header: 'DEPLOYMENT', paint: (c) => style.cyan(c) },
        { header: 'TARGETED', align: 'right' },
        { header: 'APPLIED', align: 'right' },
        { header: 'LABELS', paint: (c) => style.dim(c) },
      ],
      plan.deployments.map((d) => [
        `${d.id}${deploymentStatus(d)}`,
        arrow(d.before?.targeted, d.after?.targeted),
        arrow(d.before?.applied, d.after?.applied),
        labelsText(d.labels),
      ]),
    ),
  );
  const edited = deploymentChangeLines(plan.deployments, safe);
  if (edited.length > 0) {
    out.push(['Deployment changes:', ...edited.flatMap(([id, lines]) => [`  ${style.cyan(id)}`, ...lines.map((l) => `    ${safe(l)}`)])].join('\n'));
  }
  const unknown = unknownLines(plan.unknown, safe).map(safe);
  if (unknown.length > 0) out.push(unknown.map((l) => `${style.red('unknown')} ${l}`).join('\n'));
  if (report.policy && report.policy.findings.length > 0) {
    out.push(report.policy.findings.map((f) => `${f.severity === 'error' ? style.red('policy') : style.yellow('policy')} ${f.message}`).join('\n'));
  }
  const introduced = introducedDiagnostics(report);
  if (introduced.length > 0) out.push(diagnosticsText(introduced, style));
  const old = [
    report.fixed?.length ? `${plural(report.fixed.length, 'problem')} fixed by this change` : '',
    report.present?.length ? `${plural(report.present.length, 'problem')} already present on base (run edgeops validate --ref BASE to list them)` : '',
  ].filter((l) => l !== '');
  if (old.length > 0) out.push(style.dim(old.join('; ')));
  return `${out.join('\n\n')}\n`;
}
