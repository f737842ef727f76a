/** The one-line verdict and the counts, shared by every rendering of a plan. */
import { CHANGE_KINDS, type PlanSummary } from '../../core/plan/plan.js';
import { introducedDiagnostics, type PlanReport } from '../../core/plan/report.js';
import { plural } from '../../core/text.js';

export function countsLine(summary: PlanSummary): string {
  if (summary.changed === 0) return `no device changes (${summary.devices} devices)`;
  const kinds = CHANGE_KINDS.filter((k) => summary[k] > 0).map((k) => `${summary[k]} ${k}`);
  return `${summary.changed} of ${summary.devices} devices change: ${kinds.join(', ')}`;
}

/** What the safety-net check found, for the headline: `the safety net 'baseline' is deleted`. */
export function safetyNetLine(report: PlanReport): string | undefined {
  const changes = report.plan.safetyNet ?? [];
  if (changes.length === 0) return undefined;
  return changes.map((c) => `the safety net '${c.id}' is ${c.change}`).join(', ');
}

/** Counts in the headline are of what this change introduced: problems already on base are not news. */
export function verdictLine(report: PlanReport): string {
  const introduced = introducedDiagnostics(report);
  const errors = introduced.filter((d) => d.severity === 'error').length;
  const warnings = introduced.length - errors;
  const findings = report.policy?.findings ?? [];
  const policyErrors = findings.filter((f) => f.severity === 'error').length;
  const status = !report.valid
    ? `invalid: ${plural(errors, 'error')}`
    : policyErrors > 0
      ? `blocked by policy: ${plural(policyErrors, 'finding')} ${policyErrors === 1 ? 'needs' : 'need'} the label ${report.policy!.approvalLabel}`
      : findings.length > 0 && report.policy!.approved
        ? `valid, approved by label ${report.policy!.approvalLabel}`
        : 'valid';
  const net = safetyNetLine(report);
  const warned = warnings > 0 ? `, ${plural(warnings, 'new warning')}` : '';
  return `${status}${warned}${net ? ` — ${net}` : ''} — ${countsLine(report.plan.summary)}`;
}
