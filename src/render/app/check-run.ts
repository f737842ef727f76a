/**
 * A plan as a GitHub check run: the output (title = the one-line verdict, summary =
 * the plan's Markdown) and the annotations on the exact YAML lines.
 */
import type { PlacedDiagnostic } from '../../core/diagnostics.js';
import type { PlanReport } from '../../core/plan/report.js';
import { verdictLine } from '../plan/verdict.js';

/** GitHub's check-run annotation object (REST `output.annotations[]`). */
export interface CheckAnnotation {
  readonly path: string;
  readonly start_line: number;
  readonly end_line: number;
  readonly start_column?: number;
  readonly end_column?: number;
  readonly annotation_level: 'notice' | 'warning' | 'failure';
  readonly message: string;
  readonly title: string;
}

/** GitHub takes at most 50 annotations per request. */
export const ANNOTATIONS_PER_REQUEST = 50;
/** Check-run summaries and texts are limited to 65,535 characters. */
const MAX_SUMMARY = 65_535;
const MAX_TITLE = 255;
const MAX_MESSAGE = 64 * 1024 - 1;

/**
 * Errors are `failure`, warnings `warning`. A diagnostic is a point on one line, so
 * each annotation is single-line and may carry its column (GitHub accepts
 * start/end_column only when start_line = end_line).
 */
export function checkRunAnnotation(d: PlacedDiagnostic, pathPrefix = ''): CheckAnnotation {
  const line = Math.max(1, d.line);
  const column = Math.max(1, d.column);
  return {
    // GitHub attaches annotations by path from the repository root.
    path: pathPrefix ? `${pathPrefix}/${d.file}` : d.file,
    start_line: line,
    end_line: line,
    start_column: column,
    end_column: column,
    annotation_level: d.severity === 'error' ? 'failure' : 'warning',
    message: d.message.slice(0, MAX_MESSAGE),
    title: `edgeops ${d.code}`,
  };
}

/** Annotations in request-sized batches, all of them; `pathPrefix` is where the edgeops repository sits in the git repository. */
export function annotationBatches(diagnostics: readonly PlacedDiagnostic[], pathPrefix = ''): CheckAnnotation[][] {
  const batches: CheckAnnotation[][] = [];
  for (let i = 0; i < diagnostics.length; i += ANNOTATIONS_PER_REQUEST) {
    batches.push(diagnostics.slice(i, i + ANNOTATIONS_PER_REQUEST).map((d) => checkRunAnnotation(d, pathPrefix)));
  }
  return batches;
}

export type Conclusion = 'success' | 'failure';

export interface CheckRunOutput {
  readonly title: string;
  readonly summary: string;
}

const clip = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/** success when valid and within policy (or approved); failure otherwise. */
export const conclusionOf = (report: PlanReport): Conclusion => (report.ok ? 'success' : 'failure');

export function checkRunOutput(report: PlanReport, markdown: string): CheckRunOutput {
  return { title: clip(verdictLine(report), MAX_TITLE), summary: clip(markdown, MAX_SUMMARY) };
}

export const INTERNAL_ERROR_TITLE = 'edgeops could not plan this change';

/** The output of a run that failed inside edgeops: the error id to find the log, never the stack. */
export function internalErrorOutput(errorId: string, reason: string): CheckRunOutput {
  return {
    title: INTERNAL_ERROR_TITLE,
    summary: `edgeops could not plan this change: ${reason}.\n\nError id: \`${errorId}\` (the App's log has the details under this id). Re-run the check to try again.`,
  };
}

export const IN_PROGRESS_OUTPUT: CheckRunOutput = { title: 'Planning…', summary: 'edgeops is reading the pull request and planning the change.' };
