/**
 * What the App does for one pull request: fetch, plan, post the check run and the
 * sticky comment; or answer `/edgeops explain`. Events for one pull request run one
 * at a time (see `serial`), and each result belongs to the head SHA it was made for.
 */
import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { ProbotOctokit, Logger } from 'probot';
import type { PullRequestRefs, RepositoryCache } from '../io/github/fetch-pull-request.js';
import { upsertStickyComment, writtenByApp, type CommentsClient } from '../io/github/sticky-comment.js';
import type { ParseCache } from '../usecases/load.js';
import type { PlanResult } from '../usecases/plan.js';
import { explainPullRequest, introducedDiagnostics, planPullRequest, relabelPlan, worthCommenting } from '../usecases/pull-request.js';
import { explainFailedMarkdown, explainReplyMarkdown } from '../render/app/explain.js';
import { annotationBatches, checkRunOutput, conclusionOf, IN_PROGRESS_OUTPUT, internalErrorOutput, type CheckRunOutput } from '../render/app/check-run.js';
import { planMarkdown } from '../render/plan/markdown.js';

export const CHECK_NAME = 'edgeops';

/** The facts about a pull request the App works from (a webhook payload's or `GET /pulls/<n>`'s). */
export interface PullRequestInfo extends PullRequestRefs {
  readonly owner: string;
  readonly repo: string;
  readonly labels: readonly string[];
  /** The head branch's name, for the comment's header. */
  readonly headRef?: string;
}

/** The REST shape of a pull request, as much as is read here. */
export interface PullRequestPayload {
  readonly number: number;
  readonly base: {
    readonly ref: string;
    readonly sha: string;
    readonly repo: { readonly id: number; readonly clone_url: string; readonly name: string; readonly owner: { readonly login: string } };
  };
  readonly head: { readonly sha: string; readonly ref?: string };
  readonly labels?: readonly { readonly name: string }[];
}

export const pullRequestInfo = (pr: PullRequestPayload): PullRequestInfo => ({
  owner: pr.base.repo.owner.login,
  repo: pr.base.repo.name,
  repositoryId: pr.base.repo.id,
  // The base repository's clone URL: GitHub serves refs/pull/<n>/* there, forks included.
  cloneUrl: pr.base.repo.clone_url,
  number: pr.number,
  baseRef: pr.base.ref,
  baseSha: pr.base.sha,
  headSha: pr.head.sha,
  headRef: pr.head.ref,
  labels: (pr.labels ?? []).map((l) => l.name),
});

export interface PullRequestDeps {
  /** The App's id (asked for once). */
  readonly appIdOf: (octokit: ProbotOctokit) => Promise<number>;
  readonly repositories: RepositoryCache;
  readonly cache: ParseCache;
  readonly onRead?: (path: string) => void;
}

interface Planned {
  readonly headSha: string;
  readonly baseSha: string;
  readonly base: string;
  readonly head: string;
  readonly merge: boolean;
  readonly result: PlanResult;
}

/** isomorphic-git's refusal: HTTP 401/403, or the retry cancelled in onAuthFailure. */
const refusedAuth = (e: unknown): boolean => {
  const x = e as { code?: string; data?: { statusCode?: number } };
  return x?.code === 'UserCanceledError' || (x?.code === 'HttpError' && (x.data?.statusCode === 401 || x.data?.statusCode === 403));
};

/** What a reader may be told about a failure (the details stay in the log). */
const failureReason = (e: unknown): string => (refusedAuth(e) ? 'the repository could not be read (authentication refused)' : 'an internal error');

const short = (sha: string): string => sha.slice(0, 7);

export function pullRequests(deps: PullRequestDeps) {
  const queues = new Map<string, Promise<unknown>>();
  // The last plans, for a label change right after: a plan of a large fleet holds both
  // analyses in memory, so only a few are kept.
  const planned = new LRUCache<string, Planned>({ max: 4 });
  const keyOf = (pr: PullRequestInfo) => `${pr.repositoryId}#${pr.number}`;

  /** One event of a pull request at a time; other pull requests run alongside. */
  function serial<T>(pr: PullRequestInfo, job: () => Promise<T>): Promise<T> {
    const key = keyOf(pr);
    const next = (queues.get(key) ?? Promise.resolve()).then(job, job);
    const settled = next.catch(() => undefined);
    queues.set(key, settled);
    void settled.then(() => queues.get(key) === settled && queues.delete(key));
    return next;
  }

  async function fetchCommits(octokit: ProbotOctokit, pr: PullRequestInfo) {
    const auth = (await octokit.auth({ type: 'installation' })) as { token: string };
    return deps.repositories.fetchPullRequest(pr, {
      token: auth.token,
      refreshMerge: async () => {
        const { data } = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner: pr.owner, repo: pr.repo, pull_number: pr.number });
        return { mergeable: data.mergeable };
      },
    });
  }

  async function updateCheck(octokit: ProbotOctokit, pr: PullRequestInfo, id: number, fields: Record<string, unknown>) {
    await octokit.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', { owner: pr.owner, repo: pr.repo, check_run_id: id, ...fields });
  }

  /** Completes the check run: annotations 50 per request, all sent; the last request completes it. */
  async function completeCheck(octokit: ProbotOctokit, pr: PullRequestInfo, id: number, result: PlanResult, output: CheckRunOutput) {
    const batches = annotationBatches(introducedDiagnostics(result), result.pathPrefix);
    for (let i = 0; i < batches.length - 1; i++) await updateCheck(octokit, pr, id, { output: { ...output, annotations: batches[i] } });
    const last = batches.at(-1);
    await updateCheck(octokit, pr, id, { status: 'completed', conclusion: conclusionOf(result), output: last ? { ...output, annotations: last } : output });
  }

  async function stillHead(octokit: ProbotOctokit, pr: PullRequestInfo): Promise<boolean> {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner: pr.owner, repo: pr.repo, pull_number: pr.number });
    return data.head.sha === pr.headSha;
  }

  /**
   * Plans the pull request and posts the results. `reuse`: labels changed only,
   * so the previous plan of the same head and base is checked against the policy again.
   */
  async function plan(octokit: ProbotOctokit, log: Logger, pr: PullRequestInfo, reuse = false): Promise<void> {
    return serial(pr, async () => {
      const { data: check } = await octokit.request('POST /repos/{owner}/{repo}/check-runs', {
        owner: pr.owner,
        repo: pr.repo,
        name: CHECK_NAME,
        head_sha: pr.headSha,
        status: 'in_progress',
        output: IN_PROGRESS_OUTPUT,
      });
      const checkId = Number(check.id);
      let done: Planned;
      let markdown: string;
      try {
        const previous = planned.get(keyOf(pr));
        if (reuse && previous && previous.headSha === pr.headSha && previous.baseSha === pr.baseSha) {
          const fetched = deps.repositories.repository(pr.repositoryId);
          done = { ...previous, result: await relabelPlan(previous.result, fetched, previous.base, pr.labels) };
        } else {
          const fetched = await fetchCommits(octokit, pr);
          const result = await planPullRequest(fetched.repo, fetched.base, fetched.head, { labels: pr.labels, cache: deps.cache, onRead: deps.onRead });
          done = { headSha: pr.headSha, baseSha: pr.baseSha, base: fetched.base, head: fetched.head, merge: fetched.merge, result };
        }
        planned.set(keyOf(pr), done);
        const title = done.merge
          ? `edgeops plan for \`${short(pr.headSha)}\` merged into \`${pr.baseRef}\``
          : `edgeops plan for \`${short(pr.headSha)}\` against base \`${short(done.base)}\`, without a merge commit (GitHub had none for this head, e.g. because of conflicts)`;
        markdown = planMarkdown(done.result, {
          title,
          baseRef: pr.baseRef,
          headRef: pr.headRef,
          fullReportHint: `run \`edgeops plan --base ${short(done.base)} --head ${short(done.head)} --format json\` in a clone`,
        });
        await completeCheck(octokit, pr, checkId, done.result, checkRunOutput(done.result, markdown));
      } catch (e) {
        const errorId = randomUUID();
        log.error(
          { err: e, errorId, pullRequest: keyOf(pr), headSha: pr.headSha },
          `edgeops could not plan ${pr.owner}/${pr.repo}#${pr.number} (error id ${errorId})`,
        );
        await updateCheck(octokit, pr, checkId, { status: 'completed', conclusion: 'failure', output: internalErrorOutput(errorId, failureReason(e)) });
        return;
      }
      // The comment only ever shows the newest head: another replica may have moved on.
      if (!(await stillHead(octokit, pr))) {
        log.info(`${pr.owner}/${pr.repo}#${pr.number}: head moved past ${short(pr.headSha)}; the comment is left to the newer plan`);
        return;
      }
      await upsertStickyComment(octokit as unknown as CommentsClient, {
        owner: pr.owner,
        repo: pr.repo,
        issueNumber: pr.number,
        body: markdown,
        isOurs: writtenByApp(await deps.appIdOf(octokit)),
        createIfMissing: worthCommenting(done.result),
      });
    });
  }

  /** `/edgeops explain <device>`: a reply with the device at base and at head (or why there is none: never silence). */
  async function explain(octokit: ProbotOctokit, log: Logger, pr: PullRequestInfo, deviceId: string): Promise<void> {
    return serial(pr, async () => {
      let body: string;
      try {
        const fetched = await fetchCommits(octokit, pr);
        const e = await explainPullRequest(fetched.repo, fetched.base, fetched.head, deviceId, deps.cache);
        body = explainReplyMarkdown({
          deviceId,
          base: e.base.explanation,
          head: e.head.explanation,
          baseLabel: `\`${short(fetched.base)}\``,
          headLabel: `\`${short(fetched.head)}\`${fetched.merge ? ' merged' : ''}`,
          closest: e.closest,
        });
      } catch (e) {
        const errorId = randomUUID();
        log.error(
          { err: e, errorId, pullRequest: keyOf(pr), headSha: pr.headSha },
          `edgeops could not explain a device in ${pr.owner}/${pr.repo}#${pr.number} (error id ${errorId})`,
        );
        body = explainFailedMarkdown(deviceId, errorId, failureReason(e));
      }
      await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner: pr.owner, repo: pr.repo, issue_number: pr.number, body });
    });
  }

  /** A closed pull request's plan is not needed any more. */
  const forget = (pr: { repositoryId: number; number: number }) => void planned.delete(`${pr.repositoryId}#${pr.number}`);

  return { plan, explain, forget };
}
