/** The Action's apply, run from its bundle as the runner runs it, to a rendered branch on a loopback git server. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploymentYaml, fleetYaml } from './helpers.js';
import { testRepo } from './support/git-repo.js';
import { startGitServer, type GitServer } from './support/git-server.js';
import { leaks, runAction } from './support/action-runner.js';
import { startIotHubEmulator } from './support/iothub-emulator.js';

const TOKEN = 'ghs_applyTOKEN0123456789';

describe('the Action: apply on push', () => {
  let server: GitServer;
  const remotes = mkdtempSync(path.join(tmpdir(), 'edgeops-remotes-'));
  beforeAll(async () => {
    server = await startGitServer({ root: remotes, token: TOKEN });
  });
  afterAll(() => server.close());

  /** The fleet repository as GitHub holds it (the rendered branch goes into the same repository), and its URL. */
  function remote(name: string, source: string): { url: string; gitdir: string } {
    const gitdir = path.join(remotes, `${name}.git`);
    execFileSync('git', ['clone', '-q', '--bare', source, gitdir]);
    return { url: server.urlOf(`${name}.git`), gitdir };
  }

  it('renders the pushed commit onto the rendered branch; outputs and summary; the second run pushes nothing', async () => {
    const repo = testRepo();
    const before = repo.commit({
      'edge/deployments/telemetry.yaml': deploymentYaml({ targetCondition: "tags.env = 'prod'" }),
      'edge/fleet/devices.yaml': fleetYaml([{ deviceId: 'd1', tags: { env: 'prod' } }]),
    });
    const after = repo.commit({
      'edge/fleet/devices.yaml': fleetYaml([
        { deviceId: 'd1', tags: { env: 'prod' } },
        { deviceId: 'd2', tags: { env: 'prod' } },
        { deviceId: 'd3', tags: { env: 'test' } },
      ]),
    });
    const { url, gitdir } = remote('rendered-a', repo.dir);
    const push = () =>
      runAction({
        workspace: repo.dir,
        eventName: 'push',
        event: { before, after, ref: 'refs/heads/main' },
        inputs: { 'working-directory': 'edge', to: url, token: TOKEN },
        env: { GITHUB_SHA: after, GITHUB_REF_NAME: 'main' },
      });
    const first = await push();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const tip = execFileSync('git', ['--git-dir', gitdir, 'rev-parse', 'edgeops/rendered'], { encoding: 'utf8' }).trim();
    expect(first.outputs).toEqual({ valid: 'true', changed: '1', pushed: '2', failed: '0', 'rendered-commit': tip });
    expect(execFileSync('git', ['--git-dir', gitdir, 'log', '-1', '--format=%B', 'edgeops/rendered'], { encoding: 'utf8' })).toContain(
      `Edgeops-Source: ${after}`,
    );
    expect(first.summary).toMatch(/^### edgeops apply\n\n🟢 \*\*applied main \([0-9a-f]{7}\) to git http:\/\/127\.0\.0\.1:\d+\/rendered-a\.git: 2 pushed/);
    expect(first.summary).toContain('<!-- edgeops:plan -->');
    expect(first.summary).toContain('1 of 3 devices change: 1 targeted');
    expect(leaks(first, TOKEN)).toEqual([]);
    expect(first.stdout).toContain(`::add-mask::${TOKEN}`);

    const second = await push();
    expect(second.code).toBe(0);
    expect(second.outputs).toMatchObject({ pushed: '0', failed: '0', 'rendered-commit': tip });
  });

  it('writes nothing for an invalid repository, and fails with annotations', async () => {
    const repo = testRepo();
    const before = repo.commit({ 'README.md': 'x\n' });
    const after = repo.commit({
      'deployments/telemetry.yaml': deploymentYaml({ targetCondition: "tags.env = 'prod" }),
      'fleet/devices.yaml': fleetYaml([{ deviceId: 'd1', tags: { env: 'prod' } }]),
    });
    const { url, gitdir } = remote('rendered-b', repo.dir);
    const run = await runAction({ workspace: repo.dir, eventName: 'push', event: { before, after }, inputs: { to: url, token: TOKEN } });
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({ valid: 'false', pushed: '0' });
    expect(run.stdout).toMatch(/^::error title=edgeops condition\/[a-z-]+,file=deployments\/telemetry\.yaml,line=\d+,col=\d+::/m);
    expect(run.stdout).toMatch(/^::error::edgeops apply: ✗ invalid repository/m);
    expect(execFileSync('git', ['--git-dir', gitdir, 'branch', '--list'], { encoding: 'utf8' })).toBe('* main\n');
  });

  it('a wrong token is a clear failure that never shows the token', async () => {
    const repo = testRepo();
    const after = repo.commit({
      'deployments/telemetry.yaml': deploymentYaml({ targetCondition: "tags.env = 'prod'" }),
      'fleet/devices.yaml': fleetYaml([{ deviceId: 'd1', tags: { env: 'prod' } }]),
    });
    const { url } = remote('rendered-c', repo.dir);
    const wrong = 'ghs_WRONGtoken987654321';
    const run = await runAction({ workspace: repo.dir, eventName: 'push', event: { before: '0'.repeat(40), after }, inputs: { to: url, token: wrong } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^::error::edgeops apply: .+/m);
    expect(leaks(run, wrong)).toEqual([]);
  });
  it('sink iothub: renders, sends each device its manifest, records what the hub acknowledged; no secret in the log', async () => {
    const repo = testRepo();
    const after = repo.commit({
      'deployments/telemetry.yaml': deploymentYaml({ targetCondition: "tags.env = 'prod'" }),
      'fleet/devices.yaml': fleetYaml([
        { deviceId: 'd1', tags: { env: 'prod' } },
        { deviceId: 'd2', tags: { env: 'prod' } },
        { deviceId: 'gone', tags: { env: 'prod' } },
      ]),
    });
    const { url, gitdir } = remote('rendered-hub', repo.dir);
    const hub = await startIotHubEmulator({ devices: ['d1', 'd2'] });
    try {
      const run = await runAction({
        workspace: repo.dir,
        eventName: 'push',
        event: { before: '0'.repeat(40), after },
        inputs: { sink: 'iothub', to: url, token: TOKEN, 'iothub-connection-string': hub.connectionString },
        env: { EDGEOPS_IOTHUB_ENDPOINT: hub.url, GITHUB_SHA: after, GITHUB_REF_NAME: 'main' },
      });
      expect(run.code).toBe(1);
      expect(run.outputs).toMatchObject({ valid: 'true', pushed: '2', failed: '1' });
      expect(run.stdout).toContain('::error::edgeops apply: 1 of 3 devices could not be delivered');
      expect(run.summary).toContain('gone: 404');
      expect([...hub.received.keys()].sort()).toEqual(['d1', 'd2']);
      const branches = execFileSync('git', ['--git-dir', gitdir, 'branch', '--list', '--format=%(refname:short)'], { encoding: 'utf8' });
      expect(branches.split('\n').filter(Boolean).sort()).toEqual([`edgeops/delivered/${hub.hostName}`, 'edgeops/rendered', 'main']);
      for (const secret of [hub.connectionString, hub.key, TOKEN]) expect(leaks(run, secret)).toEqual([]);
    } finally {
      await hub.close();
    }
  });
});
