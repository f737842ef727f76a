/**
 * Webhook signatures over real HTTP: the App behind probot's createNodeMiddleware on
 * a Node server on 127.0.0.1, as it is hosted. A valid X-Hub-Signature-256 is
 * handled; a forged or missing one is rejected before any API call.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import nock from 'nock';
import { createNodeMiddleware, Probot, ProbotOctokit } from 'probot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEdgeopsApp } from '../src/app/index.js';
import { probotOptions } from '../src/app/server.js';
import { readAppConfig } from '../src/app/config.js';
import {
  APP_ID,
  fakeGitHub,
  filesOf,
  PRIVATE_KEY,
  pullPayload,
  pullRequestRepo,
  setupNock,
  type FakeGitHub,
  type PullRequestRepo,
} from './support/github-app.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

const SECRET = 'webhook-secret-over-http';
const rollout = path.join(import.meta.dirname, 'fixtures/plan/rollout');

describe('webhooks over HTTP (createNodeMiddleware)', () => {
  let server: http.Server;
  let url: string;
  let gh: FakeGitHub;
  let pr: PullRequestRepo;
  let body: string;

  beforeAll(async () => {
    setupNock();
    gh = fakeGitHub();
    pr = await pullRequestRepo(filesOf(path.join(rollout, 'base')));
    pr.repo.git('checkout', '-q', '-b', 'canary-ring-1');
    pr.repo.commit(filesOf(path.join(rollout, 'head')), 'head');
    pr.repo.git('checkout', '-q', 'main');
    const { head, base } = pr.publish(1, 'canary-ring-1');
    gh.pulls.set(1, { ...pullPayload('opened', { head, base, cloneUrl: pr.cloneUrl }).pull_request, mergeable: true });
    body = JSON.stringify(pullPayload('opened', { head, base, cloneUrl: pr.cloneUrl }));

    // Configured as `edgeops app` configures it, from the environment.
    const config = readAppConfig({ APP_ID: String(APP_ID), PRIVATE_KEY: PRIVATE_KEY, WEBHOOK_SECRET: SECRET, LOG_LEVEL: 'fatal' }, () => '');
    const probot = new Probot({
      ...probotOptions(config),
      Octokit: ProbotOctokit.defaults((instance: object) => ({ ...instance, retry: { enabled: false }, throttle: { enabled: false } })),
    });
    const app = createEdgeopsApp({ cacheDir: mkdtempSync(path.join(tmpdir(), 'edgeops-app-cache-')), appId: APP_ID });
    const middleware = await createNodeMiddleware(app, { probot, webhooksPath: config.webhookPath });
    server = http.createServer((req, res) => void middleware(req, res, () => res.writeHead(404).end()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`;
  });
  afterAll(async () => {
    nock.cleanAll();
    nock.enableNetConnect();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await pr.close();
  });

  const post = (headers: Record<string, string>) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': `d-${Math.random()}`, ...headers },
      body,
    });
  const sign = (secret: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

  it('rejects a forged signature and a missing one, with no API call', async () => {
    const forged = await post({ 'x-hub-signature-256': sign('not-the-secret') });
    expect(forged.status).toBe(400);
    const missing = await post({});
    expect(missing.status).toBe(400);
    expect(gh.requests).toEqual([]);
    expect(pr.server.requests).toEqual([]);
  });

  it('handles a validly signed delivery: the check run is completed', async () => {
    const res = await post({ 'x-hub-signature-256': sign(SECRET) });
    expect(res.status).toBe(200);
    expect(gh.checkRuns).toHaveLength(1);
    expect(gh.checkRuns[0]).toMatchObject({ name: 'edgeops', status: 'completed', conclusion: 'success' });
    expect(gh.comments).toHaveLength(1);
  });
});
