/**
 * A pull request on a 100k-device fleet over 20 fleet files: the comment stays under
 * GitHub's limit, and the second event on the pull request reads only the blobs that
 * changed (parsed files are reused by blob id across events).
 */
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploymentFile, generate } from './support/fleet-generator.js';
import { PLAN_MARKER } from '../src/render/plan/markdown.js';
import { appProbot, delivery, fakeGitHub, pullPayload, pullRequestRepo, setupNock, type FakeGitHub, type PullRequestRepo } from './support/github-app.js';

describe('the App on a 100k-device fleet', () => {
  let pr: PullRequestRepo;
  let gh: FakeGitHub;
  beforeAll(async () => {
    setupNock();
    gh = fakeGitHub();
    pr = await pullRequestRepo(generate(100_000, 100).files);
  });
  afterAll(async () => {
    nock.cleanAll();
    nock.enableNetConnect();
    await pr.close();
  });

  it('plans every event; the second reads only the changed blob; the comment fits', async () => {
    const reads: string[] = [];
    const { probot } = await appProbot({ onRead: (file) => reads.push(file) });
    const event = async (action: string) => {
      const { head, base } = pr.publish(7, 'rollout');
      const p = pullPayload(action, { head, base, cloneUrl: pr.cloneUrl });
      p.number = p.pull_request.number = 7;
      gh.pulls.set(7, { ...p.pull_request, mergeable: true });
      await probot.receive(delivery(`d-${action}`, 'pull_request', p));
      return head;
    };

    // One deployment takes over the whole fleet: a plan with 100k changes.
    pr.repo.git('checkout', '-q', '-b', 'rollout');
    pr.repo.commit({ 'deployments/d0001.yaml': deploymentFile(9_999_999, '2026-11-01T00:00:00Z', '*', 'team1', 'contoso.azurecr.io/sensor:9.9') }, 'take over');
    pr.repo.git('checkout', '-q', 'main');
    await event('opened');
    expect(reads.filter((f) => f.startsWith('fleet/'))).toHaveLength(20);
    expect(gh.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(gh.checkRuns[0].output!.title).toMatch(/of 100000 devices change/);

    // The next push edits another deployment: only that blob is read.
    reads.length = 0;
    pr.repo.git('checkout', '-q', 'rollout');
    pr.repo.commit(
      { 'deployments/d0002.yaml': deploymentFile(2, '2026-11-02T00:00:00Z', "tags.ring = '1'", 'team2', 'contoso.azurecr.io/sensor:2.2') },
      'second',
    );
    pr.repo.git('checkout', '-q', 'main');
    const head = await event('synchronize');
    expect(reads).toEqual(['deployments/d0002.yaml']);

    expect(gh.comments).toHaveLength(1);
    const body = gh.comments[0].body;
    expect(body).toContain(PLAN_MARKER);
    expect(body).toContain(head.slice(0, 7));
    expect(body.length).toBeLessThan(65_536);
    expect(gh.checkRuns[1]).toMatchObject({ status: 'completed', conclusion: 'success' });
  });
});
