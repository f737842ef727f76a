/**
 * The GitHub App end to end: probot `receive` with real payload shapes, GitHub's
 * REST API stubbed with nock (every request asserted), the repository fetched over
 * real git smart HTTP from the loopback http-backend.
 */
import path from 'node:path';
import nock from 'nock';
import type { Probot } from 'probot';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PLAN_MARKER } from '../src/render/plan/markdown.js';
import {
  APP_ID,
  appProbot,
  fakeGitHub,
  filesOf,
  INSTALLATION,
  payload,
  pullPayload,
  pullRequestRepo,
  setupNock,
  TOKEN,
  delivery,
  type FakeGitHub,
  type Json,
  type LogLine,
  type PullRequestRepo,
} from './support/github-app.js';

const rollout = path.join(import.meta.dirname, 'fixtures/plan/rollout');
const BASE = filesOf(path.join(rollout, 'base'));
const HEAD = filesOf(path.join(rollout, 'head'));
const REPO_PATH = '/repos/contoso/fleet';

/** What GitHub's `GET /pulls/1` says for a head and base. */
const pullOf = (pr: PullRequestRepo, head: string, base: string, labels: string[] = [], mergeable: boolean | null = true) => {
  const p = pullPayload('opened', { head, base, cloneUrl: pr.cloneUrl, labels }).pull_request;
  return { ...p, mergeable };
};

/** The requests of a plan whose comment already exists: check run created and completed, head re-read, comment found and edited. */
const plannedAndEdited = (gh: FakeGitHub, run: number) => [
  `POST ${REPO_PATH}/check-runs`,
  `PATCH ${REPO_PATH}/check-runs/${gh.checkRuns[run].id}`,
  `GET ${REPO_PATH}/pulls/1`,
  `GET ${REPO_PATH}/issues/1/comments?per_page=100`,
  `PATCH ${REPO_PATH}/issues/comments/${gh.comments[0].id}`,
];

/** Replaces `files` on the branch (null deletes) and commits. */
function push(pr: PullRequestRepo, branch: string, files: Record<string, string | null>, message = 'push'): void {
  pr.repo.git('checkout', '-q', branch);
  pr.repo.commit(files, message);
  pr.repo.git('checkout', '-q', 'main');
}

/** The files of `to` over those of `from`, with the ones `to` lacks deleted. */
const replaceAll = (from: Record<string, string>, to: Record<string, string>): Record<string, string | null> => ({
  ...Object.fromEntries(Object.keys(from).map((k) => [k, null])),
  ...to,
});

describe('the App on a pull request', () => {
  let pr: PullRequestRepo;
  let gh: FakeGitHub;
  let probot: Probot;
  let logs: LogLine[];
  let deliveries = 0;
  const receive = (name: string, p: Json) => probot.receive(delivery(`delivery-${++deliveries}`, name, p));

  beforeAll(() => setupNock());
  beforeEach(async () => {
    gh = fakeGitHub();
    pr = await pullRequestRepo(BASE);
    pr.repo.git('checkout', '-q', '-b', 'canary-ring-1');
    pr.repo.commit(replaceAll(BASE, HEAD), 'canary ring 1');
    pr.repo.git('checkout', '-q', 'main');
    ({ probot, logs } = await appProbot());
  });
  afterEach(async () => {
    nock.cleanAll();
    await pr.close();
  });
  afterAll(() => nock.enableNetConnect());

  it('opened: check run in progress then completed, one sticky comment; the next push edits it; a push that removes every change updates it', async () => {
    const first = pr.publish(1, 'canary-ring-1');
    gh.pulls.set(1, pullOf(pr, first.head, first.base));
    await receive('pull_request', pullPayload('opened', { head: first.head, base: first.base, cloneUrl: pr.cloneUrl }));

    expect(gh.requests[0]).toEqual({ method: 'POST', path: `/app/installations/${INSTALLATION}/access_tokens` });
    const calls = gh.calls();
    expect(calls.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST ${REPO_PATH}/check-runs`,
      `PATCH ${REPO_PATH}/check-runs/${gh.checkRuns[0].id}`,
      `GET ${REPO_PATH}/pulls/1`,
      `GET ${REPO_PATH}/issues/1/comments?per_page=100`,
      `POST ${REPO_PATH}/issues/1/comments`,
    ]);
    expect(calls[0].body).toEqual({
      name: 'edgeops',
      head_sha: first.head,
      status: 'in_progress',
      output: { title: 'Planning…', summary: 'edgeops is reading the pull request and planning the change.' },
    });
    const done = calls[1].body;
    expect(done.status).toBe('completed');
    expect(done.conclusion).toBe('success');
    expect(done.output.title).toBe('valid — 13 of 19 devices change: 4 retargeted, 1 targeted, 7 updated, 1 removed');
    expect(done.output.summary).toContain(PLAN_MARKER);
    expect(done.output.summary).toContain(`edgeops plan for \`${first.head.slice(0, 7)}\` merged into \`main\``);
    // Nothing introduced, nothing annotated.
    expect(done.output.annotations).toBeUndefined();
    expect(calls[4].body.body).toBe(done.output.summary);
    // The git side: the installation token reached the git server as x-access-token.
    expect(pr.server.requests.length).toBeGreaterThan(0);
    expect(pr.server.requests.every((r) => r.user === 'x-access-token')).toBe(true);

    // A second push: the comment is edited (PATCH), never a second one.
    push(pr, 'canary-ring-1', { 'deployments/telemetry-canary.yaml': HEAD['deployments/telemetry-canary.yaml'].replace('[0, 1]', '[0, 1, 2]') });
    const second = pr.publish(1, 'canary-ring-1');
    gh.pulls.set(1, pullOf(pr, second.head, second.base));
    gh.reset();
    await receive('pull_request', pullPayload('synchronize', { head: second.head, base: second.base, cloneUrl: pr.cloneUrl }));
    expect(gh.calls().map((r) => `${r.method} ${r.path}`)).toEqual(plannedAndEdited(gh, 1));
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0].body).toContain(second.head.slice(0, 7));

    // A push that takes every change back: the comment says so rather than going stale.
    push(pr, 'canary-ring-1', replaceAll(HEAD, BASE), 'revert');
    const third = pr.publish(1, 'canary-ring-1');
    gh.pulls.set(1, pullOf(pr, third.head, third.base));
    gh.reset();
    await receive('pull_request', pullPayload('synchronize', { head: third.head, base: third.base, cloneUrl: pr.cloneUrl }));
    expect(gh.calls().at(-1)).toMatchObject({ method: 'PATCH', path: `${REPO_PATH}/issues/comments/${gh.comments[0].id}` });
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0].body).toMatch(/no device changes \(\d+ devices\)/);
    expect(gh.checkRuns.map((r) => [r.head_sha, r.status, r.conclusion])).toEqual([
      [first.head, 'completed', 'success'],
      [second.head, 'completed', 'success'],
      [third.head, 'completed', 'success'],
    ]);

    // Unchanged content: nothing is written.
    gh.reset();
    await receive('pull_request', pullPayload('reopened', { head: third.head, base: third.base, cloneUrl: pr.cloneUrl }));
    expect(gh.calls().filter((r) => r.path.includes('/issues/comments/') || (r.method === 'POST' && r.path.includes('/comments')))).toEqual([]);
  });

  it('never comments on a pull request that changes no device', async () => {
    push(pr, 'canary-ring-1', replaceAll(HEAD, BASE), 'nothing');
    const { head, base } = pr.publish(1, 'canary-ring-1');
    gh.pulls.set(1, pullOf(pr, head, base));
    await receive('pull_request', pullPayload('opened', { head, base, cloneUrl: pr.cloneUrl }));
    expect(gh.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(gh.checkRuns[0].output?.title).toMatch(/no device changes/);
    expect(
      gh
        .calls()
        .map((r) => r.method + ' ' + r.path)
        .at(-1),
    ).toBe(`GET ${REPO_PATH}/issues/1/comments?per_page=100`);
    expect(gh.comments).toEqual([]);
  });

  it("finds its own comment on a later page and never edits a person's or another bot's marker comment", async () => {
    const { head, base } = pr.publish(1, 'canary-ring-1');
    gh.pulls.set(1, pullOf(pr, head, base));
    const other = (id: number, login: string, app: { id: number; slug: string } | null) => ({
      id,
      issue: 1,
      body: `${PLAN_MARKER}\nold plan by ${login}`,
      user: { login, type: app ? 'Bot' : 'User' },
      performed_via_github_app: app,
    });
    gh.comments.push(other(1, 'octocat', null), other(2, 'github-actions[bot]', { id: 15368, slug: 'github-actions' }));
    for (let i = 0; i < 120; i++)
      gh.comments.push({ id: 100 + i, issue: 1, body: `lgtm ${i}`, user: { login: 'r', type: 'User' }, performed_via_github_app: null });
    gh.comments.push(other(999, 'edgeops[bot]', { id: APP_ID, slug: 'edgeops' }));
    await receive('pull_request', pullPayload('opened', { head, base, cloneUrl: pr.cloneUrl }));
    const paths = gh.calls().map((r) => `${r.method} ${r.path}`);
    expect(paths.slice(-3)).toEqual([
      `GET ${REPO_PATH}/issues/1/comments?per_page=100`,
      `GET ${REPO_PATH}/issues/1/comments?per_page=100&page=2`,
      `PATCH ${REPO_PATH}/issues/comments/999`,
    ]);
    expect(gh.comments.find((c) => c.id === 1)!.body).toContain('old plan by octocat');
    expect(gh.comments.find((c) => c.id === 2)!.body).toContain('old plan by github-actions[bot]');
    expect(gh.comments.find((c) => c.id === 999)!.body).toContain(head.slice(0, 7));
  });

  it('a stale merge ref: asks for the pull request, then plans head against pull_request.base.sha and says so', async () => {
    const old = pr.publish(1, 'canary-ring-1');
    push(pr, 'canary-ring-1', { 'deployments/telemetry-canary.yaml': HEAD['deployments/telemetry-canary.yaml'].replace('[0, 1]', '[0, 1, 2]') });
    const { head, base } = pr.publish(1, 'canary-ring-1', { merge: false }); // refs/pull/1/merge still has the old head
    expect(old.head).not.toBe(head);
    gh.pulls.set(1, pullOf(pr, head, base, [], null));
    await receive('pull_request', pullPayload('synchronize', { head, base, cloneUrl: pr.cloneUrl }));
    expect(gh.calls().map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST ${REPO_PATH}/check-runs`,
      `GET ${REPO_PATH}/pulls/1`, // starts GitHub's merge computation
      `PATCH ${REPO_PATH}/check-runs/${gh.checkRuns[0].id}`,
      `GET ${REPO_PATH}/pulls/1`,
      `GET ${REPO_PATH}/issues/1/comments?per_page=100`,
      `POST ${REPO_PATH}/issues/1/comments`,
    ]);
    expect(gh.comments[0].body).toContain(`against base \`${base.slice(0, 7)}\`, without a merge commit`);
    expect(gh.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'success', head_sha: head });
  });

  it('policy: failure naming the approval label; labeled with it: success, without fetching again', async () => {
    pr.repo.commit({ '.github/edgeops.yml': 'policy:\n  maxChangedDevices: 2\n  approvalLabel: fleet/approved\n' }, 'policy');
    pr.repo.git('checkout', '-q', 'canary-ring-1');
    pr.repo.git('rebase', '-q', 'main');
    pr.repo.git('checkout', '-q', 'main');
    const { head, base } = pr.publish(1, 'canary-ring-1');
    gh.pulls.set(1, pullOf(pr, head, base));
    await receive('pull_request', pullPayload('opened', { head, base, cloneUrl: pr.cloneUrl }));
    expect(gh.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(gh.checkRuns[0].output!.title).toContain('1 finding needs the label fleet/approved');
    expect(gh.comments).toHaveLength(1);

    const fetches = pr.server.requests.length;
    gh.pulls.set(1, pullOf(pr, head, base, ['fleet/approved']));
    gh.reset();
    await receive(
      'pull_request',
      pullPayload('labeled', { head, base, cloneUrl: pr.cloneUrl, labels: ['fleet/approved'] }, { label: { name: 'fleet/approved' } }),
    );
    expect(pr.server.requests.length).toBe(fetches);
    expect(gh.calls().map((r) => `${r.method} ${r.path}`)).toEqual(plannedAndEdited(gh, 1));
    expect(gh.checkRuns[1]).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(gh.comments[0].body).toContain('approved by the label fleet/approved');
  });

  it('an invalid head fails with every annotation sent, 50 per request', async () => {
    const devices = Array.from({ length: 60 }, (_, i) => `  - deviceId: "bad id ${i}"\n    tags: { environment: lab }`).join('\n');
    push(pr, 'canary-ring-1', { 'fleet/broken.yaml': `devices:\n${devices}\n` });
    const { head, base } = pr.publish(1, 'canary-ring-1');
    gh.pulls.set(1, pullOf(pr, head, base));
    await receive('pull_request', pullPayload('opened', { head, base, cloneUrl: pr.cloneUrl }));
    const patches = gh.calls().filter((r) => r.method === 'PATCH' && r.path.includes('/check-runs/'));
    expect(patches.map((p) => [p.body.status, p.body.output.annotations.length])).toEqual([
      [undefined, 50],
      ['completed', expect.any(Number)],
    ]);
    const run = gh.checkRuns[0];
    expect(run.conclusion).toBe('failure');
    const failures = run.annotations.filter((a) => a.annotation_level === 'failure' && a.path === 'fleet/broken.yaml');
    expect(failures).toHaveLength(60);
    expect(failures[0]).toMatchObject({ start_line: 2, end_line: 2, start_column: expect.any(Number), end_column: expect.any(Number) });
    expect(run.output!.title).toMatch(/^invalid: 60 errors/);
    expect(gh.comments).toHaveLength(1);
  });

  it('/edgeops explain answers at base and head; an unknown device gets the closest ids; bots are ignored', async () => {
    const { head, base } = pr.publish(1, 'canary-ring-1');
    gh.pulls.set(1, pullOf(pr, head, base));
    await receive('issue_comment', payload('issue_comment.created.json', { COMMENT_BODY: 'Why?\n/edgeops explain eastprod3', CLONE_URL: pr.cloneUrl }));
    expect(gh.calls().map((r) => `${r.method} ${r.path}`)).toEqual([`GET ${REPO_PATH}/pulls/1`, `POST ${REPO_PATH}/issues/1/comments`]);
    const reply = gh.comments[0].body;
    expect(reply).toContain('### edgeops explain `eastprod3`');
    expect(reply).toMatch(/#### At base[\s\S]*wins[\s\S]*#### At head[\s\S]*wins/);
    expect(reply).toContain('telemetry-canary');

    gh.reset();
    await receive('issue_comment', payload('issue_comment.created.json', { COMMENT_BODY: '/edgeops explain eastprod33', CLONE_URL: pr.cloneUrl }));
    expect(gh.comments[1].body).toContain('No device `eastprod33`');
    expect(gh.comments[1].body).toMatch(/Closest ids: `eastprod3`/);

    gh.reset();
    const fromBot = payload('issue_comment.created.json', { COMMENT_BODY: '/edgeops plan', CLONE_URL: pr.cloneUrl });
    fromBot.comment.user = { login: 'some-bot[bot]', type: 'Bot' };
    fromBot.sender = fromBot.comment.user;
    await receive('issue_comment', fromBot);
    expect(gh.requests).toEqual([]);

    await receive('issue_comment', payload('issue_comment.created.json', { COMMENT_BODY: '/edgeops plan', CLONE_URL: pr.cloneUrl }));
    expect(gh.checkRuns).toHaveLength(1);
    expect(gh.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'success', head_sha: head });
  });

  it('check_run.rerequested plans the listed pull request again', async () => {
    const { head, base } = pr.publish(1, 'canary-ring-1');
    gh.pulls.set(1, pullOf(pr, head, base));
    await receive('check_run', payload('check_run.rerequested.json', { HEAD_SHA: head, CLONE_URL: pr.cloneUrl }));
    expect(
      gh
        .calls()
        .map((r) => `${r.method} ${r.path}`)
        .slice(0, 3),
    ).toEqual([`GET ${REPO_PATH}/pulls/1`, `POST ${REPO_PATH}/check-runs`, `PATCH ${REPO_PATH}/check-runs/${gh.checkRuns[0].id}`]);
    expect(gh.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'success', head_sha: head });
  });

  it('check_suite.rerequested without listed pull requests (a fork) finds them by commit', async () => {
    const { head, base } = pr.publish(1, 'canary-ring-1');
    gh.pulls.set(1, { ...pullOf(pr, head, base), state: 'open' });
    const suite = payload('check_run.rerequested.json', { HEAD_SHA: head, CLONE_URL: pr.cloneUrl });
    delete suite.check_run;
    suite.check_suite = { id: 800001, head_sha: head, head_branch: 'canary-ring-1', status: 'completed', pull_requests: [] };
    await receive('check_suite', suite);
    expect(
      gh
        .calls()
        .map((r) => `${r.method} ${r.path}`)
        .slice(0, 3),
    ).toEqual([`GET ${REPO_PATH}/commits/${head}/pulls`, `GET ${REPO_PATH}/pulls/1`, `POST ${REPO_PATH}/check-runs`]);
    expect(gh.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'success', head_sha: head });
  });

  it('edited: a new title does nothing, a new base plans again', async () => {
    const { head, base } = pr.publish(1, 'canary-ring-1');
    gh.pulls.set(1, pullOf(pr, head, base));
    await receive('pull_request', pullPayload('edited', { head, base, cloneUrl: pr.cloneUrl }, { changes: { title: { from: 'old' } } }));
    expect(gh.requests).toEqual([]);
    await receive(
      'pull_request',
      pullPayload('edited', { head, base, cloneUrl: pr.cloneUrl }, { changes: { base: { ref: { from: 'develop' }, sha: { from: base } } } }),
    );
    expect(gh.checkRuns).toHaveLength(1);
    expect(gh.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'success' });
  });

  it('internal errors complete the check run as failure with an error id; the stack only in the log', async () => {
    const { head, base } = pr.publish(1, 'canary-ring-1');
    gh.pulls.set(1, pullOf(pr, head, base));
    pr.server.failNext(500, 1);
    await receive('pull_request', pullPayload('opened', { head, base, cloneUrl: pr.cloneUrl }));
    const run = gh.checkRuns[0];
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure', output: { title: 'edgeops could not plan this change' } });
    const errorId = /Error id: `([0-9a-f-]{36})`/.exec(run.output!.summary)![1];
    expect(run.output!.summary).not.toMatch(/\bat .*\.(js|ts):\d+/);
    const logged = logs.find((l) => l.errorId === errorId);
    expect(logged).toBeDefined();
    expect(JSON.stringify(logged)).toMatch(/"stack":/);
    expect(JSON.stringify(logs)).not.toContain(TOKEN);
    expect(gh.comments).toEqual([]);

    // A refused token is the same: completed, failure.
    gh.token = 'ghs_revoked';
    const fresh = await appProbot();
    probot = fresh.probot;
    await receive('pull_request', pullPayload('synchronize', { head, base, cloneUrl: pr.cloneUrl }));
    expect(gh.checkRuns[1]).toMatchObject({ status: 'completed', conclusion: 'failure', output: { title: 'edgeops could not plan this change' } });
    expect(gh.checkRuns[1].output!.summary).toContain('authentication refused');
  });

  it('/edgeops explain that cannot read the pull request replies with the reason and an error id, never silence', async () => {
    const { head, base } = pr.publish(1, 'canary-ring-1');
    gh.pulls.set(1, pullOf(pr, head, base));
    pr.server.failNext(500, 1);
    await receive('issue_comment', payload('issue_comment.created.json', { COMMENT_BODY: '/edgeops explain eastprod3', CLONE_URL: pr.cloneUrl }));
    expect(gh.comments).toHaveLength(1);
    const reply = gh.comments[0].body;
    expect(reply).toContain('### edgeops explain `eastprod3`');
    expect(reply).toContain('could not explain this device: an internal error');
    const errorId = /Error id: `([0-9a-f-]{36})`/.exec(reply)![1];
    expect(logs.find((l) => l.errorId === errorId)).toBeDefined();
    expect(reply).not.toMatch(/\bat .*\.(js|ts):\d+/);

    // The next comment is answered as usual.
    await receive('issue_comment', payload('issue_comment.created.json', { COMMENT_BODY: '/edgeops explain eastprod3', CLONE_URL: pr.cloneUrl }));
    expect(gh.comments[1].body).toMatch(/#### At base[\s\S]*#### At head/);
  });

  it('one event at a time per pull request: the older head completes its own check run, only the newest head comments', async () => {
    const older = pr.publish(1, 'canary-ring-1');
    push(pr, 'canary-ring-1', { 'deployments/telemetry-canary.yaml': HEAD['deployments/telemetry-canary.yaml'].replace('[0, 1]', '[0, 1, 2]') });
    const newer = pr.publish(1, 'canary-ring-1');
    gh.pulls.set(1, pullOf(pr, newer.head, newer.base));
    await Promise.all([
      receive('pull_request', pullPayload('synchronize', { head: older.head, base: older.base, cloneUrl: pr.cloneUrl })),
      receive('pull_request', pullPayload('synchronize', { head: newer.head, base: newer.base, cloneUrl: pr.cloneUrl })),
    ]);
    expect(gh.checkRuns.map((r) => [r.head_sha, r.status, r.conclusion])).toEqual([
      [older.head, 'completed', 'success'],
      [newer.head, 'completed', 'success'],
    ]);
    // Serialized: the second check run starts after the first completed.
    const order = gh.calls().map((r) => `${r.method} ${r.path.replace(/\d{6,}/, 'ID')}`);
    expect(order.indexOf(`POST ${REPO_PATH}/check-runs`, 1)).toBeGreaterThan(order.indexOf(`PATCH ${REPO_PATH}/check-runs/ID`));
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0].body).toContain(newer.head.slice(0, 7));
    expect(gh.checkRuns[0].output!.summary).toContain(older.head.slice(0, 7));
  });
});
