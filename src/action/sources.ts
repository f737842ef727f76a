/** The commits a plan compares: the event's base, read with isomorphic-git from the checkout. */
import path from 'node:path';
import { openCheckout } from '../io/checkout.js';
import { GitDataError, gitSource, RefError } from '../io/git.js';
import { memorySource, type Source } from '../io/source.js';
import { subfolderSource } from '../io/subfolder.js';
import { isPullRequest, repositoryRoot, type ActionContext } from './context.js';
import { ActionError } from './inputs.js';

const NO_COMMIT = /^0+$/;

/** The commit a plan starts from: the pull request's base, or the commit before the push. */
export function baseCommit(context: ActionContext): string {
  if (isPullRequest(context.eventName)) {
    const sha = context.event.pull_request?.base.sha;
    if (!sha) throw new ActionError('the pull_request event has no pull_request.base.sha');
    return sha;
  }
  if (context.eventName === 'push') {
    if (!context.event.before) throw new ActionError('the push event has no `before` commit');
    return context.event.before;
  }
  throw new ActionError(`a plan needs a pull_request or push event to compare with, not '${context.eventName || 'unknown'}'`);
}

/**
 * The edgeops files at `sha` in the git repository holding `workingDirectory`. A push
 * that creates a branch has no commit before it (all zeros): the base is empty.
 */
export async function commitSource(workingDirectory: string, context: ActionContext, sha: string): Promise<Source> {
  if (NO_COMMIT.test(sha)) return memorySource({}, 'no commit before this push');
  const root = repositoryRoot(workingDirectory, context.workspace);
  try {
    const source = await gitSource(openCheckout(root), sha);
    return subfolderSource(source, path.relative(root, workingDirectory).split(path.sep).join('/'));
  } catch (e) {
    if (e instanceof RefError || e instanceof GitDataError) {
      throw new ActionError(
        `the base commit ${sha} is not in the checkout (${e.message}): check out the whole history (actions/checkout with \`fetch-depth: 0\`)`,
      );
    }
    throw e;
  }
}
