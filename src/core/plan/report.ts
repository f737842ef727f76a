import type { PlacedDiagnostic } from '../diagnostics.js';
import type { Plan } from './plan.js';
import type { PolicyReport } from './policy.js';

/** Everything a face shows about a plan: what every rendering (text, JSON, Markdown) takes. */
export interface PlanReport {
  readonly plan: Plan;
  /** From head: true when head has no errors other than ones base already had. */
  readonly valid: boolean;
  readonly diagnostics: readonly PlacedDiagnostic[];
  /** The items of `diagnostics` that base already had: not news. The rest were introduced by the change. */
  readonly present?: readonly PlacedDiagnostic[];
  /** The commits compared, when read from git (`undefined` for the working tree). */
  readonly commits?: { readonly base?: string; readonly head?: string };
  /** Problems base had that head no longer has. */
  readonly fixed?: readonly PlacedDiagnostic[];
  /** `null` when the base has no policy. */
  readonly policy: PolicyReport | null;
  /** valid, and no policy finding is an error. */
  readonly ok: boolean;
}

/** The diagnostics the change introduced (every one when the report does not say which base had). */
export function introducedDiagnostics(report: PlanReport): readonly PlacedDiagnostic[] {
  if (!report.present || report.present.length === 0) return report.diagnostics;
  const old = new Set(report.present);
  return report.diagnostics.filter((d) => !old.has(d));
}
