/**
 * The Action's plan comment on a pull request, through GITHUB_API_URL: a loopback
 * stand-in for GitHub's REST API (the Action runs as a child process, out of nock's reach).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploymentYaml, fleetYaml } from './helpers.js';
import { leaks, runAction } from './support/action-runner.js';
import { testRepo } from './support/git-repo.js';
import { startFakeGitHubApi, type FakeGitHubApi } from './support/github-api.js';

const TOKEN = 'ghs_commentTOKEN0123456789';
const MARKER = '<!-- edgeops:plan -->';

describe('the Action: the sticky plan comment', () => {
  let api: FakeGitHubApi;
  beforeAll(async () => {
    api = await startFakeGitHubApi({ token: TOKEN, perPage: 2 });
  });
  afterAll(() => api.close());

  function pullRequest(number: number) {
    const repo = testRepo();
    const base = repo.commit({
      'deployments/telemetry.yaml': deploymentYaml({ targetCondition: "tags.env = 'prod'" }),
      'fleet/devices.yaml': fleetYaml([
        { deviceId: 'd1', tags: { env: 'prod' } },
        { deviceId: 'd2', tags: { env: 'test' } },
      ]),
    });
    const plan = (inputs: Record<string, string> = {}) =>
      runAction({
        workspace: repo.dir,
        eventName: 'pull_request',
        event: { pull_request: { number, base: { sha: base, ref: 'main' }, head: { sha: repo.git('rev-parse', 'HEAD') } } },
        inputs: { token: TOKEN, ...inputs },
        env: { GITHUB_API_URL: api.url, GITHUB_REPOSITORY: 'octo/fleet' },
      });
    return { repo, plan };
  }

  it('creates one comment, leaves it when nothing changed, edits it in place when the plan changes', async () => {
    const { repo, plan } = pullRequest(11);
    // Other comments, one of them a person's quoting the marker: never ours to edit.
    api.comments.set(11, [
      { id: 1, body: 'looks good', user: { login: 'alice', type: 'User' } },
      { id: 2, body: `quoting ${MARKER}`, user: { login: 'bob', type: 'User' } },
      { id: 3, body: 'ci', user: { login: 'ci-bot[bot]', type: 'Bot' } },
    ]);
    repo.commit({ 'deployments/telemetry.yaml': deploymentYaml({ targetCondition: "tags.env IN ['prod', 'test']" }) });
    const first = await plan();
    expect(first.code).toBe(0);
    const ours = () => api.comments.get(11)!.filter((c) => c.user.login === 'github-actions[bot]');
    expect(ours()).toHaveLength(1);
    expect(ours()[0].body.trimEnd()).toBe(first.summary.trimEnd());
    expect(ours()[0].body.startsWith(`${MARKER}\n### edgeops plan for`)).toBe(true);
    expect(api.comments.get(11)!.find((c) => c.id === 2)!.body).toBe(`quoting ${MARKER}`);
    const id = ours()[0].id;

    const writes = () => api.requests.filter((r) => r.method !== 'GET' && r.path.includes('/comments')).length;
    const before = writes();
    await plan();
    expect(writes()).toBe(before);

    repo.commit({ 'deployments/telemetry.yaml': deploymentYaml({ targetCondition: '*' }) });
    const third = await plan();
    expect(ours()).toHaveLength(1);
    expect(ours()[0].id).toBe(id);
    expect(ours()[0].body.trimEnd()).toBe(third.summary.trimEnd());
    expect(api.requests.filter((r) => r.method === 'PATCH').map((r) => r.path)).toEqual([`/repos/octo/fleet/issues/comments/${id}`]);
    expect(api.requests.every((r) => r.authorization === `token ${TOKEN}`)).toBe(true);
    for (const run of [first, third]) expect(leaks(run, TOKEN)).toEqual([]);
  });

  it('writes no comment when nothing changes and there is none yet; comment: false writes none', async () => {
    const { repo, plan } = pullRequest(12);
    expect((await plan()).code).toBe(0);
    expect(api.comments.get(12) ?? []).toEqual([]);
    repo.commit({ 'deployments/telemetry.yaml': deploymentYaml({ targetCondition: '*' }) });
    expect((await plan({ comment: 'false' })).outputs.changed).toBe('1');
    expect(api.comments.get(12) ?? []).toEqual([]);
  });

  it('a comment the token may not write is a warning, not a failed plan', async () => {
    const { repo } = pullRequest(13);
    const base = repo.git('rev-parse', 'HEAD');
    repo.commit({ 'deployments/telemetry.yaml': deploymentYaml({ targetCondition: '*' }) });
    const run = await runAction({
      workspace: repo.dir,
      eventName: 'pull_request',
      event: { pull_request: { number: 13, base: { sha: base } } },
      inputs: { token: 'ghs_readOnlyToken' },
      env: { GITHUB_API_URL: api.url, GITHUB_REPOSITORY: 'octo/fleet' },
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^::warning::the plan comment could not be written \(.*Bad credentials.*\); the plan is in the job summary/m);
    expect(run.outputs).toEqual({ valid: 'true', changed: '1' });
  });
});
