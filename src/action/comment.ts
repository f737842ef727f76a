/**
 * The sticky plan comment on a pull request, through GITHUB_API_URL with the
 * Action's token: the same comment the GitHub App writes, found by its marker
 * and edited in place (io/github/sticky-comment.ts does the finding and editing).
 */
import { Octokit } from 'octokit';
import { upsertStickyComment, type CommentsClient, type IssueComment, type StickyResult } from '../io/github/sticky-comment.js';
import type { ActionContext } from './context.js';

/** GITHUB_TOKEN writes as the github-actions app; a personal token writes as its user. */
function writtenByThisToken(octokit: Octokit): (comment: IssueComment) => Promise<boolean> {
  let login: Promise<string | undefined> | undefined;
  return async (comment) => {
    if (comment.performed_via_github_app?.slug === 'github-actions' || comment.user?.login === 'github-actions[bot]') return true;
    // An installation token cannot read /user: then only the github-actions app's comments are ours.
    login ??= octokit.request('GET /user').then(
      (r) => r.data.login,
      () => undefined,
    );
    const user = await login;
    return user !== undefined && comment.user?.login === user;
  };
}

export async function upsertPlanComment(context: ActionContext, token: string, body: string, createIfMissing: boolean): Promise<StickyResult> {
  const [owner, repo] = context.repository.split('/');
  const issueNumber = context.event.pull_request?.number;
  if (!owner || !repo || issueNumber === undefined) throw new Error('the pull request is unknown (GITHUB_REPOSITORY and the event name it)');
  const octokit = new Octokit({ auth: token, baseUrl: context.apiUrl });
  return upsertStickyComment(octokit as unknown as CommentsClient, {
    owner,
    repo,
    issueNumber,
    body,
    isOurs: writtenByThisToken(octokit),
    createIfMissing,
  });
}
