/** What a command of the Action produces; run.ts hands it to the runner through @actions/core. */
import type { PlacedDiagnostic } from '../core/diagnostics.js';

export type OutputName = 'valid' | 'changed' | 'pushed' | 'failed' | 'rendered-commit';

export interface Outcome {
  readonly outputs: Partial<Record<OutputName, string | number | boolean>>;
  /** Markdown for the job summary. */
  readonly summary: string;
  /** Annotated on their file and line; `file` is relative to the working directory. */
  readonly diagnostics: readonly PlacedDiagnostic[];
  /** Said as warnings without a place (e.g. the pull-request comment could not be written). */
  readonly warnings?: readonly string[];
  /** When set, the step fails with this message. */
  readonly failure?: string;
}
