/** The one-line verdict and the counts, shared by every rendering of a plan. */
import { CHANGE_KINDS, type PlanSummary } from '../../core/plan/plan.js';
import type { PlanReport } from '../../core/plan/report.js';

export function countsLine(summary: PlanSummary): string {
  if (summary.changed === 0) return `no device changes (${summary.devices} devices)`;
  const kinds = CHANGE_KINDS.filter((k) => summary[k] > 0).map((k) => `${summary[k]} ${k}`);
  return `${summary.changed} of ${summary.devices} devices change: ${kinds.join(', ')}`;
}

export function verdictLine(report: PlanReport): string {
  const errors = report.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = report.diagnostics.length - errors;
  const policyErrors = report.policy?.findings.filter((f) => f.severity === 'error').length ?? 0;
  const status = !report.valid
    ? `invalid: ${errors} error${errors === 1 ? '' : 's'}`
    : policyErrors > 0
      ? `blocked by policy: ${policyErrors} finding${policyErrors === 1 ? '' : 's'} need the label ${report.policy!.approvalLabel}`
      : 'valid';
  const warned = warnings > 0 ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : '';
  return `${status}${warned} — ${countsLine(report.plan.summary)}`;
}
