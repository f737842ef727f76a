/** `command: plan`: what the pull request (or push) does to the fleet, as the job summary. */
import { existsSync } from 'node:fs';
import * as core from '@actions/core';
import { diskSource } from '../../io/disk.js';
import { findGitRoot } from '../../io/git-root.js';
import { planMarkdown } from '../../render/plan/markdown.js';
import { verdictLine } from '../../render/plan/verdict.js';
import { runPlan, type PlanResult } from '../../usecases/plan.js';
import { worthCommenting } from '../../usecases/pull-request.js';
import { upsertPlanComment } from '../comment.js';
import { isPullRequest, type ActionContext } from '../context.js';
import type { ActionInputs } from '../inputs.js';
import type { Outcome } from '../outcome.js';
import { baseCommit, commitSource } from '../sources.js';

/** The plan from the event's base to the checkout, and its Markdown. */
export async function planFromEvent(inputs: ActionInputs, context: ActionContext): Promise<{ result: PlanResult; markdown: string }> {
  const sha = baseCommit(context);
  const base = await commitSource(inputs.workingDirectory, context, sha);
  const labels = context.event.pull_request?.labels?.map((l) => l.name) ?? [];
  // Blob ids of the checkout from git's index where it has them (see io/git-index.ts).
  const head = diskSource(inputs.workingDirectory, findGitRoot(inputs.workingDirectory, existsSync));
  const result = await runPlan(base, head, { labels });
  const markdown = planMarkdown(result, { title: title(context, sha), fullReportHint: `run \`edgeops plan --base ${short(sha)} --format json\` in a clone` });
  return { result, markdown };
}

const short = (sha: string): string => sha.slice(0, 7);

/** As the App titles its comment: the checkout of a pull request is its merge into the base branch. */
function title(context: ActionContext, base: string): string {
  const pr = context.event.pull_request;
  if (pr?.head?.sha && pr.base.ref) return `edgeops plan for \`${short(pr.head.sha)}\` merged into \`${pr.base.ref}\``;
  const head = context.event.after ?? context.env.GITHUB_SHA;
  return head ? `edgeops plan for \`${short(head)}\` against \`${short(base)}\`` : `edgeops plan against \`${short(base)}\``;
}

/** The sticky comment on the pull request: created when worth it (as the App does), updated whenever it exists. */
async function comment(inputs: ActionInputs, context: ActionContext, result: PlanResult, markdown: string): Promise<string[]> {
  if (!inputs.comment || !isPullRequest(context.eventName)) return [];
  try {
    const { action } = await upsertPlanComment(context, inputs.token, markdown, worthCommenting(result));
    core.info(`plan comment: ${action}`);
    return [];
  } catch (e) {
    return [`the plan comment could not be written (${e instanceof Error ? e.message : String(e)}); the plan is in the job summary`];
  }
}

export async function planAction(inputs: ActionInputs, context: ActionContext): Promise<Outcome> {
  const { result, markdown } = await planFromEvent(inputs, context);
  const warnings = await comment(inputs, context, result, markdown);
  return {
    warnings,
    outputs: { valid: result.valid, changed: result.plan.summary.changed },
    summary: markdown,
    diagnostics: result.diagnostics,
    failure: result.ok ? undefined : `edgeops plan: ${verdictLine(result)}`,
  };
}
