/**
 * The Action: reads the inputs, runs one command (a use-case and its rendering),
 * and hands the outcome to the runner with @actions/core: outputs, the job
 * summary, annotations on file and line, and a failed step when it failed.
 */
import * as core from '@actions/core';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { PlacedDiagnostic } from '../core/diagnostics.js';
import { applyAction } from './commands/apply.js';
import { planAction } from './commands/plan.js';
import { statusAction } from './commands/status.js';
import { validateAction } from './commands/validate.js';
import { actionContext, repositoryRoot, type ActionContext } from './context.js';
import { ActionError, readInputs, type ActionCommand, type ActionInputs } from './inputs.js';
import type { Outcome } from './outcome.js';

const COMMANDS: Record<ActionCommand, (inputs: ActionInputs, context: ActionContext) => Promise<Outcome>> = {
  validate: validateAction,
  plan: planAction,
  apply: applyAction,
  status: statusAction,
};

/** The runner shows the first annotations of each kind; the log keeps this many. */
const MAX_ANNOTATIONS = 1000;

/**
 * Annotations on the file's path from the repository root, even when the working
 * directory is a subfolder. A problem about something that is not a file of the
 * checkout (`iothub:<host>`, a file only at the base commit) is annotated without
 * a place, naming it in the message.
 */
function annotate(diagnostics: readonly PlacedDiagnostic[], workingDirectory: string, root: string): void {
  for (const d of diagnostics.slice(0, MAX_ANNOTATIONS)) {
    const full = path.resolve(workingDirectory, d.file);
    const inCheckout = !path.isAbsolute(d.file) && existsSync(full);
    const file = path.relative(root, full).split(path.sep).join('/');
    const properties = inCheckout ? { title: `edgeops ${d.code}`, file, startLine: d.line, startColumn: d.column } : { title: `edgeops ${d.code}` };
    const message = inCheckout ? d.message : `${d.file}: ${d.message}`;
    if (d.severity === 'error') core.error(message, properties);
    else core.warning(message, properties);
  }
  if (diagnostics.length > MAX_ANNOTATIONS) core.info(`…and ${diagnostics.length - MAX_ANNOTATIONS} more problems (see the job summary)`);
}

export async function run(env: Readonly<Record<string, string | undefined>> = process.env, cwd: string = process.cwd()): Promise<void> {
  try {
    const context = actionContext(env, cwd);
    const inputs = readInputs(context);
    const outcome = await COMMANDS[inputs.command](inputs, context);
    annotate(outcome.diagnostics, inputs.workingDirectory, repositoryRoot(inputs.workingDirectory, context.workspace));
    for (const warning of outcome.warnings ?? []) core.warning(warning);
    for (const [name, value] of Object.entries(outcome.outputs)) core.setOutput(name, value);
    if (env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(outcome.summary, true).write();
    else core.info(outcome.summary);
    if (outcome.failure) core.setFailed(outcome.failure);
  } catch (e) {
    if (!(e instanceof ActionError)) core.debug(e instanceof Error && e.stack ? e.stack : String(e));
    core.setFailed(e instanceof Error ? e.message : String(e));
  }
}
