/**
 * `command: apply`: the checkout's deployments and fleet, resolved and rendered,
 * written to the sink (by default the `edgeops/rendered` branch of this
 * repository); on a push, the plan of what the push changed goes in the summary.
 */
import fs from 'node:fs';
import path from 'node:path';
import http from 'isomorphic-git/http/node';
import { diskSource } from '../../io/disk.js';
import { flushKeptColumns, keptColumns } from '../../io/edgeops-folder.js';
import { findGitRoot } from '../../io/git-root.js';
import { openCheckout } from '../../io/checkout.js';
import { dirSink } from '../../io/sinks/dir.js';
import { gitSink, isUrl, openRenderedTarget, RENDERED_BRANCH, type RenderedRepository } from '../../io/sinks/git.js';
import { iotHubSink } from '../../io/sinks/iothub.js';
import { SinkError, type ApplySource, type Sink } from '../../io/sinks/sink.js';
import { cleanHead } from '../../io/sinks/source-history.js';
import { applyText, applyVerdict } from '../../render/apply.js';
import { codeReport } from '../../render/markdown-report.js';
import { createStyle } from '../../render/style.js';
import { apply } from '../../usecases/apply.js';
import { DEPLOYMENTS_FOLDER, FLEET_FOLDER } from '../../usecases/load.js';
import { repositoryRoot, type ActionContext } from '../context.js';
import { hubClient } from '../hub.js';
import { ActionError, type ActionInputs } from '../inputs.js';
import type { Outcome } from '../outcome.js';
import { planFromEvent } from './plan.js';

/** On a runner the rendered branch lives in the repository itself: a local folder would end with the job. */
function defaultTarget(context: ActionContext): string {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository } = context.env;
  if (!server || !repository) throw new ActionError('set `to`: the rendered repository (a git URL, or a folder relative to working-directory)');
  return `${server}/${repository}.git`;
}

function openSink(inputs: ActionInputs, context: ActionContext, root: string): Sink {
  const kind = inputs.sink || 'git';
  const openRendered = (to: string): RenderedRepository =>
    openRenderedTarget({ fs, http, to, baseDir: inputs.workingDirectory, token: inputs.token || undefined });
  const branch = inputs.branch || RENDERED_BRANCH;
  const sourceRepo = openCheckout(root);
  if (kind === 'git') return gitSink({ rendered: openRendered(inputs.to || defaultTarget(context)), branch, sourceRepo });
  if (kind === 'dir') {
    if (!inputs.to || isUrl(inputs.to)) throw new ActionError('sink dir needs `to`: a folder, relative to working-directory');
    return dirSink({ dir: path.resolve(inputs.workingDirectory, inputs.to), target: inputs.to });
  }
  if (kind === 'iothub') {
    // The hub comes from the connection string; `to` is where the rendered and delivered branches are kept.
    const client = hubClient(inputs, context);
    return iotHubSink({ client, rendered: openRendered(inputs.to || defaultTarget(context)), branch, sourceRepo });
  }
  throw new ActionError(`sink must be git, dir or iothub (got '${kind}')`);
}

/** The commit the files on disk are (null when deployments/ or fleet/ differ from HEAD), as the CLI says it. */
async function sourceInfo(context: ActionContext, workingDirectory: string, root: string): Promise<ApplySource> {
  const prefix = path.relative(root, workingDirectory).split(path.sep).join('/');
  const folders = [DEPLOYMENTS_FOLDER, FLEET_FOLDER].map((f) => (prefix ? `${prefix}/${f}` : f));
  const commit = await cleanHead(openCheckout(root), folders);
  return { ref: commit === null ? null : (context.env.GITHUB_REF_NAME ?? 'HEAD'), commit };
}

/** What the push changed, for the summary; an apply does not fail for want of its plan. */
async function pushPlan(inputs: ActionInputs, context: ActionContext): Promise<{ changed?: number; markdown: string }> {
  if (context.eventName !== 'push' || !context.event.before) return { markdown: '' };
  try {
    const { result, markdown } = await planFromEvent(inputs, context);
    return { changed: result.plan.summary.changed, markdown };
  } catch (e) {
    if (e instanceof ActionError) return { markdown: `> [!NOTE]\n> No plan of this push: ${e.message}\n` };
    throw e;
  }
}

export async function applyAction(inputs: ActionInputs, context: ActionContext): Promise<Outcome> {
  const root = repositoryRoot(inputs.workingDirectory, context.workspace);
  const sink = openSink(inputs, context, root);
  const info = await sourceInfo(context, inputs.workingDirectory, root);
  // Fleet columns kept in .edgeops/cache/ (restore it with actions/cache): an unchanged fleet file is not scanned again.
  const columns = keptColumns(inputs.workingDirectory, context.env);
  const source = diskSource(inputs.workingDirectory, findGitRoot(inputs.workingDirectory, fs.existsSync), { columns });
  let result;
  try {
    result = await apply(source, sink, { sourceInfo: info });
  } catch (e) {
    if (e instanceof SinkError) throw new ActionError(`edgeops apply: ${e.message}`);
    throw e;
  }
  if (result.valid) await flushKeptColumns(inputs.workingDirectory, columns);
  const plan = result.valid ? await pushPlan(inputs, context) : { markdown: '' };
  const plain = createStyle(false);
  const verdict = applyVerdict(result, plain);
  // The text report ends with the verdict, which the summary shows first.
  const text = applyText(result, plain).trimEnd();
  const report = codeReport({
    title: 'edgeops apply',
    ok: result.ok && result.valid,
    verdict,
    text: text.endsWith(verdict) ? text.slice(0, -verdict.length) : text,
  });
  return {
    outputs: {
      valid: result.valid,
      ...(plan.changed !== undefined && { changed: plan.changed }),
      pushed: result.pushed,
      failed: result.failed.length,
      'rendered-commit': result.commit ?? '',
    },
    summary: [report, plan.markdown].filter(Boolean).join('\n'),
    diagnostics: result.diagnostics,
    failure: !result.valid
      ? `edgeops apply: ${verdict}`
      : result.failed.length > 0
        ? `edgeops apply: ${result.failed.length} of ${result.pushed + result.failed.length} devices could not be delivered`
        : undefined,
  };
}
