/**
 * For the App tests: GitHub's REST API stubbed with nock (the only stub), holding
 * just enough state (check runs, comments, pull requests) to answer as GitHub does,
 * and recording every request; a real repository with real refs/pull/<n>/head and
 * /merge commits, served by the loopback git http-backend with the token checked;
 * and a probot instance running the App.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { Probot, ProbotOctokit } from 'probot';
import { pino } from 'pino';
import { createEdgeopsApp, type EdgeopsAppOptions } from '../../src/app/index.js';
import { testRepo, type TestRepo } from './git-repo.js';
import { startGitServer, type GitServer } from './git-server.js';

export const API = 'https://api.github.com';
export const APP_ID = 4242;
export const INSTALLATION = 42;
export const OWNER = 'contoso';
export const REPO = 'fleet';
export const TOKEN = 'ghs_installationToken0123456789';
export const PRIVATE_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

/** A webhook payload or REST body: JSON read from fixtures, reached into freely by tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** A webhook delivery as probot's `receive` takes it. */
export const delivery = (id: string, name: string, payload: Json) => ({ id, name, payload }) as Parameters<Probot['receive']>[0];

export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly body?: Json;
}

export interface StoredComment {
  id: number;
  issue: number;
  body: string;
  user: { login: string; type: string };
  performed_via_github_app: { id: number; slug: string } | null;
}

export interface StoredCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion?: string;
  output?: { title: string; summary: string };
  annotations: Json[];
  /** performance.now() when it was completed (for the bench). */
  completedAt?: number;
}

export interface FakeGitHub {
  readonly requests: ApiRequest[];
  /** The requests other than installation-token ones (probot caches the token). */
  calls(): ApiRequest[];
  readonly comments: StoredComment[];
  readonly checkRuns: StoredCheckRun[];
  /** `GET /pulls/<n>` answers: set what GitHub would say now. */
  readonly pulls: Map<number, Json>;
  /** The token handed to the App (change it to test a refused one). */
  token: string;
  reset(): void;
}

const fixture = (name: string): string => readFileSync(path.join(import.meta.dirname, '../fixtures/github', name), 'utf8');

/** A webhook payload from a trimmed real one, with this test's values. */
export function payload(name: string, values: Record<string, string>): Json {
  let text = fixture(name);
  for (const [k, v] of Object.entries(values)) text = text.split(k).join(v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n'));
  return JSON.parse(text);
}

export function fakeGitHub(): FakeGitHub {
  const state: FakeGitHub = {
    requests: [],
    calls: () => state.requests.filter((r) => !r.path.endsWith('/access_tokens')),
    comments: [],
    checkRuns: [],
    pulls: new Map(),
    token: TOKEN,
    reset() {
      state.requests.length = 0;
    },
  };
  let nextId = 1;
  const repoPath = `/repos/${OWNER}/${REPO}`;
  const handle = (method: string, uri: string, body: Json): [number, Json, Record<string, string>?] => {
    const url = new URL(uri, API);
    const p = url.pathname;
    state.requests.push({ method, path: `${p}${url.search}`, ...(body !== undefined && body !== '' ? { body } : {}) });
    let m: RegExpExecArray | null;
    if (method === 'POST' && p === `/app/installations/${INSTALLATION}/access_tokens`) {
      return [201, { token: state.token, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: {}, repository_selection: 'all' }];
    }
    if (method === 'GET' && p === '/app') return [200, { id: APP_ID, slug: 'edgeops' }];
    if (method === 'POST' && p === `${repoPath}/check-runs`) {
      const run: StoredCheckRun = { id: 900000 + nextId++, ...body, annotations: [...(body.output?.annotations ?? [])] };
      state.checkRuns.push(run);
      return [201, run];
    }
    if (method === 'PATCH' && (m = new RegExp(`^${repoPath}/check-runs/(\\d+)$`).exec(p))) {
      const run = state.checkRuns.find((r) => r.id === Number(m![1]));
      if (!run) return [404, { message: 'Not Found' }];
      const { output, ...rest } = body;
      Object.assign(run, rest);
      if (rest.status === 'completed') run.completedAt = performance.now();
      if (output) {
        run.output = { title: output.title, summary: output.summary };
        run.annotations.push(...(output.annotations ?? []));
      }
      return [200, run];
    }
    if (method === 'GET' && (m = new RegExp(`^${repoPath}/pulls/(\\d+)$`).exec(p))) {
      const pr = state.pulls.get(Number(m[1]));
      return pr ? [200, pr] : [404, { message: 'Not Found' }];
    }
    if (method === 'GET' && (m = new RegExp(`^${repoPath}/commits/(\\w+)/pulls$`).exec(p))) {
      return [200, [...state.pulls.values()].filter((pr) => pr.head.sha === m![1])];
    }
    if (method === 'GET' && (m = new RegExp(`^${repoPath}/issues/(\\d+)/comments$`).exec(p))) {
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      const all = state.comments.filter((c) => c.issue === Number(m![1]));
      const headers: Record<string, string> = {};
      if (page * perPage < all.length) {
        const next = new URL(url);
        next.searchParams.set('page', String(page + 1));
        headers.link = `<${next.toString()}>; rel="next"`;
      }
      return [200, all.slice((page - 1) * perPage, page * perPage), headers];
    }
    if (method === 'POST' && (m = new RegExp(`^${repoPath}/issues/(\\d+)/comments$`).exec(p))) {
      const comment: StoredComment = {
        id: 3_000_000 + nextId++,
        issue: Number(m[1]),
        body: body.body,
        user: { login: 'edgeops[bot]', type: 'Bot' },
        performed_via_github_app: { id: APP_ID, slug: 'edgeops' },
      };
      state.comments.push(comment);
      return [201, comment];
    }
    if (method === 'PATCH' && (m = new RegExp(`^${repoPath}/issues/comments/(\\d+)$`).exec(p))) {
      const comment = state.comments.find((c) => c.id === Number(m![1]));
      if (!comment) return [404, { message: 'Not Found' }];
      comment.body = body.body;
      return [200, comment];
    }
    return [404, { message: `not stubbed: ${method} ${p}` }];
  };
  const scope = nock(API).persist();
  for (const method of ['get', 'post', 'patch', 'put', 'delete'] as const) {
    scope[method](/.*/).reply(function (uri, body) {
      const [status, json, headers] = handle(method.toUpperCase(), uri, body);
      return [status, json, { 'content-type': 'application/json', ...headers }];
    });
  }
  return state;
}

export interface PullRequestRepo {
  readonly repo: TestRepo;
  readonly server: GitServer;
  readonly cloneUrl: string;
  /** Sets refs/pull/<n>/head to the branch's tip and, unless `merge: false`, refs/pull/<n>/merge to a real merge commit. */
  publish(n: number, branch: string, options?: { merge?: boolean }): { head: string; base: string; merge?: string };
  close(): Promise<void>;
}

/** A real repository (main + branches) behind the loopback git server, with the token checked. */
export async function pullRequestRepo(files: Record<string, string>): Promise<PullRequestRepo> {
  const repo = testRepo();
  repo.commit(files, 'base');
  // GitHub serves any reachable commit by id; git http-backend does when told to.
  repo.git('config', 'uploadpack.allowAnySHA1InWant', 'true');
  const server = await startGitServer({ root: path.dirname(repo.dir), token: TOKEN });
  return {
    repo,
    server,
    cloneUrl: server.urlOf(path.basename(repo.dir)),
    publish(n, branch, options = {}) {
      const head = repo.git('rev-parse', branch);
      const base = repo.git('rev-parse', 'main');
      repo.git('update-ref', `refs/pull/${n}/head`, head);
      if (options.merge === false) return { head, base };
      const tree = repo.git('merge-tree', '--write-tree', 'main', branch).split('\n')[0];
      const merge = repo.git('commit-tree', tree, '-p', base, '-p', head, '-m', `Merge ${head} into ${base}`);
      repo.git('update-ref', `refs/pull/${n}/merge`, merge);
      return { head, base, merge };
    },
    close: () => server.close(),
  };
}

/** Reads a folder of fixture files into a `files` record. */
export function filesOf(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(out, filesOf(full, `${prefix}${entry.name}/`));
    else out[`${prefix}${entry.name}`] = readFileSync(full, 'utf8');
  }
  return out;
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A probot instance with the App loaded; its log lines are collected. */
export async function appProbot(options: Partial<EdgeopsAppOptions> = {}): Promise<{ probot: Probot; logs: LogLine[]; cacheDir: string }> {
  const logs: LogLine[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const cacheDir = options.cacheDir ?? mkdtempSync(path.join(tmpdir(), 'edgeops-app-cache-'));
  const probot = new Probot({
    appId: APP_ID,
    privateKey: PRIVATE_KEY,
    secret: 'webhook-secret',
    log,
    // Retries and throttling would only slow a stubbed API down.
    Octokit: ProbotOctokit.defaults((instance: object) => ({ ...instance, retry: { enabled: false }, throttle: { enabled: false } })),
  });
  await probot.load(createEdgeopsApp({ appId: APP_ID, mergeRetries: 1, retryDelayMs: 0, ...options, cacheDir }));
  return { probot, logs, cacheDir };
}

export function setupNock(): void {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1/);
}

export const pullPayload = (
  action: string,
  pr: { head: string; base: string; cloneUrl: string; labels?: string[]; number?: number },
  extra: Record<string, unknown> = {},
) => {
  const p = payload('pull_request.opened.json', { HEAD_SHA: pr.head, BASE_SHA: pr.base, CLONE_URL: pr.cloneUrl });
  p.action = action;
  p.pull_request.labels = (pr.labels ?? []).map((name, i) => ({ id: i + 1, name }));
  return { ...p, ...extra };
};
