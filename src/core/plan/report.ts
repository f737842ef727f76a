import type { PlacedDiagnostic } from '../diagnostics.js';
import type { Plan } from './plan.js';
import type { PolicyReport } from './policy.js';

/** Everything a face shows about a plan: what every rendering (text, JSON, Markdown) takes. */
export interface PlanReport {
  readonly plan: Plan;
  /** From head: true when head has no errors other than ones base already had. */
  readonly valid: boolean;
  readonly diagnostics: readonly PlacedDiagnostic[];
  /** `null` when the base has no policy. */
  readonly policy: PolicyReport | null;
  /** valid, and no policy finding is an error. */
  readonly ok: boolean;
}
