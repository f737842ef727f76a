/**
 * The edgeops GitHub App: a probot application function. Run it with `edgeops app`,
 * or host it on any Node server with probot's `createNodeMiddleware(edgeopsApp, …)`.
 * Collaborators are arguments (`createEdgeopsApp({...})`), so tests swap them.
 */
import fs from 'node:fs';
import http from 'isomorphic-git/http/node';
import type { ApplicationFunction, Probot, ProbotOctokit } from 'probot';
import { repositoryCache, type RepositoryCache } from '../io/github/fetch-pull-request.js';
import { parseCache, type ParseCache } from '../usecases/load.js';
import { cacheDirOf } from './config.js';
import { CHECK_NAME, pullRequestInfo, pullRequests, type PullRequestInfo, type PullRequestPayload } from './pull-requests.js';

export interface EdgeopsAppOptions {
  /** EDGEOPS_CACHE_DIR: where the bare cache repositories live. */
  readonly cacheDir: string;
  /** Parsed files by blob id, shared by every event (the large fleet's second event reads only what changed). */
  readonly cache?: ParseCache;
  readonly repositories?: RepositoryCache;
  /** Called for every file read from git (not found in the parse cache). */
  readonly onRead?: (path: string) => void;
  /** Fetches of a missing or stale merge ref after asking for the pull request (default 2), and the pause between (ms). */
  readonly mergeRetries?: number;
  readonly retryDelayMs?: number;
  /** The App's id (default: from its credentials). */
  readonly appId?: number;
}

/** `/edgeops explain <device>` or `/edgeops plan`, on a line of its own. */
export function parseCommand(body: string): { kind: 'plan' } | { kind: 'explain'; deviceId: string } | undefined {
  for (const line of body.split(/\r?\n/)) {
    const m = /^\s*\/edgeops\s+(plan|explain)(?:\s+(\S+))?\s*$/i.exec(line);
    if (!m) continue;
    if (m[1].toLowerCase() === 'plan') return { kind: 'plan' };
    const deviceId = m[2]?.replace(/^[`'"]|[`'"]$/g, '');
    if (deviceId) return { kind: 'explain', deviceId };
  }
  return undefined;
}

export function createEdgeopsApp(options: EdgeopsAppOptions): ApplicationFunction {
  return (app: Probot) => {
    const repositories =
      options.repositories ?? repositoryCache({ fs, http, dir: options.cacheDir, mergeRetries: options.mergeRetries, retryDelayMs: options.retryDelayMs });
    // The App's own id: its comments are found by `performed_via_github_app.id`.
    let appId = options.appId;
    const appIdOf = async (octokit: ProbotOctokit): Promise<number> => {
      if (appId === undefined) appId = Number(((await octokit.auth({ type: 'app' })) as { appId: number }).appId);
      return appId;
    };
    const handlers = pullRequests({ appIdOf, repositories, cache: options.cache ?? parseCache(), onRead: options.onRead });
    const fetchInfo = async (octokit: ProbotOctokit, owner: string, repo: string, number: number): Promise<PullRequestInfo> => {
      const { data } = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner, repo, pull_number: number });
      return pullRequestInfo(data as unknown as PullRequestPayload);
    };

    app.on(['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened', 'pull_request.ready_for_review'], async (context) => {
      await handlers.plan(context.octokit, context.log, pullRequestInfo(context.payload.pull_request as unknown as PullRequestPayload));
    });

    app.on('pull_request.edited', async (context) => {
      // A new title or body changes nothing; a new base branch changes the plan.
      if (!context.payload.changes.base) return;
      await handlers.plan(context.octokit, context.log, pullRequestInfo(context.payload.pull_request as unknown as PullRequestPayload));
    });

    app.on(['pull_request.labeled', 'pull_request.unlabeled'], async (context) => {
      // The approval label re-evaluates the policy; unchanged head and base reuse the plan.
      await handlers.plan(context.octokit, context.log, pullRequestInfo(context.payload.pull_request as unknown as PullRequestPayload), true);
    });

    app.on('pull_request.closed', async (context) => {
      handlers.forget({ repositoryId: context.payload.repository.id, number: context.payload.pull_request.number });
    });

    /** Re-runs for the pull requests of a commit (fork pull requests are not listed in check payloads: ask). */
    const rerun = async (octokit: ProbotOctokit, log: typeof app.log, owner: string, repo: string, headSha: string, listed: readonly { number: number }[]) => {
      let numbers = listed.map((p) => p.number);
      if (numbers.length === 0) {
        const { data } = await octokit.request('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', { owner, repo, commit_sha: headSha });
        numbers = data.filter((p) => p.state === 'open').map((p) => p.number);
      }
      for (const number of numbers) {
        const info = await fetchInfo(octokit, owner, repo, number);
        if (info.headSha === headSha) await handlers.plan(octokit, log, info);
      }
    };

    app.on('check_run.rerequested', async (context) => {
      const run = context.payload.check_run;
      if (run.name !== CHECK_NAME) return;
      const { owner, repo } = context.repo();
      await rerun(context.octokit, context.log, owner, repo, run.head_sha, run.pull_requests);
    });

    app.on('check_suite.rerequested', async (context) => {
      const suite = context.payload.check_suite;
      const { owner, repo } = context.repo();
      await rerun(context.octokit, context.log, owner, repo, suite.head_sha, suite.pull_requests);
    });

    app.on('issue_comment.created', async (context) => {
      const { issue, comment } = context.payload;
      if (!issue.pull_request || comment.user?.type === 'Bot' || context.payload.sender.type === 'Bot') return;
      const command = parseCommand(comment.body);
      if (!command) return;
      const { owner, repo } = context.repo();
      const info = await fetchInfo(context.octokit, owner, repo, issue.number);
      if (command.kind === 'plan') await handlers.plan(context.octokit, context.log, info);
      else await handlers.explain(context.octokit, context.log, info, command.deviceId);
    });
  };
}

/** The App with its settings from the environment: for `createNodeMiddleware(edgeopsApp, { probot })`. */
const edgeopsApp: ApplicationFunction = (app, options) => createEdgeopsApp({ cacheDir: cacheDirOf(process.env) })(app, options);
export default edgeopsApp;
