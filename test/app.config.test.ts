/** `edgeops app` configuration: probot's environment, checked in one place; bad settings exit 2 naming the variable. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { Probot } from 'probot';
import { describe, expect, it } from 'vitest';
import { readAppConfig } from '../src/app/config.js';
import { probotOptions } from '../src/app/server.js';
import { PRIVATE_KEY } from './support/github-app.js';

const bin = path.resolve(import.meta.dirname, '../bin/edgeops.js');
const GOOD = { APP_ID: '4242', PRIVATE_KEY, WEBHOOK_SECRET: 's3cret' };
const noFile = () => {
  throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
};

describe('edgeops app configuration', () => {
  it.each([
    [{ ...GOOD, APP_ID: undefined }, 'APP_ID is not set'],
    [{ ...GOOD, APP_ID: 'my-app' }, "APP_ID must be the App's numeric id"],
    [{ ...GOOD, WEBHOOK_SECRET: '' }, 'WEBHOOK_SECRET is not set'],
    [{ ...GOOD, PRIVATE_KEY: undefined }, 'PRIVATE_KEY is not set (nor PRIVATE_KEY_PATH)'],
    [{ ...GOOD, PRIVATE_KEY: 'not a key' }, 'PRIVATE_KEY is not a PEM private key'],
    [{ ...GOOD, PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: '/nonexistent/key.pem' }, 'PRIVATE_KEY_PATH cannot read /nonexistent/key.pem (ENOENT)'],
    [{ ...GOOD, PORT: 'http' }, "PORT must be a port number, not 'http'"],
    [{ ...GOOD, GHE_HOST: 'ghe.example.com', GHE_PROTOCOL: 'ftp' }, 'GHE_PROTOCOL must be https or http'],
  ])('%# names the variable', (env, message) => {
    expect(() => readAppConfig(env, noFile)).toThrow(message);
  });

  it('reads the defaults, a base64 key, and GitHub Enterprise Server', () => {
    const config = readAppConfig({ ...GOOD, PRIVATE_KEY: Buffer.from(PRIVATE_KEY).toString('base64'), EDGEOPS_CACHE_DIR: '/var/cache/edgeops' }, noFile);
    expect(config).toMatchObject({
      appId: 4242,
      privateKey: PRIVATE_KEY,
      webhookPath: '/api/github/webhooks',
      port: 3000,
      baseUrl: 'https://api.github.com',
      cacheDir: '/var/cache/edgeops',
    });
    expect(readAppConfig({ ...GOOD, PRIVATE_KEY: PRIVATE_KEY.replace(/\n/g, '\\n') }, noFile).privateKey).toBe(PRIVATE_KEY);
    expect(readAppConfig({ ...GOOD, GHE_HOST: 'ghe.example.com' }, noFile).baseUrl).toBe('https://ghe.example.com/api/v3');
    expect(readAppConfig({ ...GOOD, GHE_HOST: 'ghe.local:8443', GHE_PROTOCOL: 'http' }, noFile).baseUrl).toBe('http://ghe.local:8443/api/v3');
  });

  it('on GitHub Enterprise Server, the API calls go to GHE_PROTOCOL://GHE_HOST/api/v3', async () => {
    nock.disableNetConnect();
    const seen: string[] = [];
    const scope = nock('https://ghe.example.com')
      .post('/api/v3/app/installations/7/access_tokens')
      .reply(201, () => (seen.push('token'), { token: 'ghs_x', expires_at: new Date(Date.now() + 3600_000).toISOString() }))
      .get('/api/v3/repos/o/r/pulls/1')
      .reply(200, () => (seen.push('pull'), { number: 1 }));
    const probot = new Probot({ ...probotOptions(readAppConfig({ ...GOOD, GHE_HOST: 'ghe.example.com', LOG_LEVEL: 'fatal' }, noFile)) });
    const octokit = await probot.auth(7);
    await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner: 'o', repo: 'r', pull_number: 1 });
    expect(seen).toEqual(['token', 'pull']);
    expect(scope.isDone()).toBe(true);
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it.each([
    ['APP_ID', { WEBHOOK_SECRET: 'x', PRIVATE_KEY }],
    ['WEBHOOK_SECRET', { APP_ID: '1', PRIVATE_KEY }],
    ['PRIVATE_KEY', { APP_ID: '1', WEBHOOK_SECRET: 'x' }],
    ['PRIVATE_KEY', { APP_ID: '1', WEBHOOK_SECRET: 'x', PRIVATE_KEY: 'ssh-rsa AAAA' }],
  ])('the binary exits 2 with one line naming %s, never probot setup mode', (variable, env) => {
    const run = spawnSync(process.execPath, [bin, 'app'], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 20_000 });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^edgeops app: ${variable} `));
    expect(run.stderr).not.toMatch(/\bat .*:\d+:\d+/);
  });

  it('starts the server from the environment, answers /ping, and stops on SIGTERM with exit 0', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const keyFile = path.join(mkdtempSync(path.join(tmpdir(), 'edgeops-key-')), 'app.pem');
    writeFileSync(keyFile, PRIVATE_KEY);
    const child = spawn(process.execPath, [bin, 'app'], {
      env: { PATH: process.env.PATH, APP_ID: '4242', PRIVATE_KEY_PATH: keyFile, WEBHOOK_SECRET: 's', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let pong = '';
    // Up to 20 s: a loaded CI machine starts probot slowly.
    for (const until = Date.now() + 20_000; Date.now() < until && pong === '';) {
      pong = await fetch(`http://127.0.0.1:${port}/ping`).then(
        (r) => r.text(),
        () => new Promise<string>((resolve) => setTimeout(() => resolve(''), 100)),
      );
    }
    expect(pong).toBe('PONG');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  });
});
