/** The GitHub Action, run from its committed bundle as the runner runs it, on real git repositories. */
import { describe, expect, it } from 'vitest';
import { deploymentYaml, fleetYaml } from './helpers.js';
import { testRepo } from './support/git-repo.js';
import { leaks, runAction } from './support/action-runner.js';

const TOKEN = 'ghs_0123456789abcdefSECRET';
const KEY = 'c2VjcmV0LWtleS1iYXNlNjQtU0VDUkVU';
const CONNECTION = `HostName=hub.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=${KEY}`;
const SECRETS = { token: TOKEN, 'iothub-connection-string': CONNECTION };

/** An edgeops repository in `infra/edge/` of a git repository: two devices, one deployment. */
function fleetRepo() {
  const repo = testRepo();
  const base = repo.commit({
    'README.md': 'not edgeops\n',
    'infra/edge/deployments/telemetry.yaml': deploymentYaml({ targetCondition: "tags.env = 'prod'" }),
    'infra/edge/fleet/devices.yaml': fleetYaml([
      { deviceId: 'd1', tags: { env: 'prod' } },
      { deviceId: 'd2', tags: { env: 'test' } },
    ]),
  });
  return { repo, base };
}

const annotations = (stdout: string) => stdout.split('\n').filter((l) => /^::(error|warning) /.test(l));

describe('the Action: validate', () => {
  it('annotates problems on their line, with paths from the repository root when working-directory is a subfolder', async () => {
    const { repo } = fleetRepo();
    repo.write({ 'infra/edge/deployments/telemetry.yaml': `colour: blue\n${deploymentYaml({ targetCondition: "tags.env = 'prod'" })}` });
    const run = await runAction({ workspace: repo.dir, eventName: 'push', inputs: { command: 'validate', 'working-directory': 'infra/edge', ...SECRETS } });
    expect(run.code).toBe(1);
    expect(annotations(run.stdout)).toEqual([
      expect.stringMatching(/^::error title=edgeops schema\/invalid,file=infra\/edge\/deployments\/telemetry\.yaml,line=1,col=1::unknown key 'colour'/),
    ]);
    expect(run.stdout).toContain('::error::the repository is invalid: 1 error, 0 warnings');
    expect(run.outputs).toEqual({ valid: 'false' });
    expect(run.summary).toContain('🔴 **invalid: 1 error, 0 warnings (1 deployment, 2 devices in 2 files)**');
    expect(run.summary).toContain('deployments/telemetry.yaml:1:1 error schema/invalid');
    for (const secret of [TOKEN, CONNECTION, KEY]) expect(leaks(run, secret)).toEqual([]);
    expect(run.stdout).toContain(`::add-mask::${TOKEN}`);
    expect(run.stdout).toContain(`::add-mask::${KEY}`);
  });

  it('passes a valid repository, with no annotations', async () => {
    const { repo } = fleetRepo();
    const run = await runAction({ workspace: repo.dir, eventName: 'workflow_dispatch', inputs: { command: 'validate', 'working-directory': 'infra/edge' } });
    expect(run.code).toBe(0);
    expect(annotations(run.stdout)).toEqual([]);
    expect(run.outputs).toEqual({ valid: 'true' });
    expect(run.summary).toContain('### edgeops validate\n\n🟢 **valid (1 deployment, 2 devices in 2 files)**\n');
  });
});

describe('the Action: plan', () => {
  it('on a pull request, compares base.sha with the checkout: summary and outputs', async () => {
    const { repo, base } = fleetRepo();
    const head = repo.commit({ 'infra/edge/deployments/telemetry.yaml': deploymentYaml({ targetCondition: "tags.env IN ['prod', 'test']" }) });
    const event = { pull_request: { number: 7, base: { sha: base, ref: 'main' }, head: { sha: head }, labels: [] } };
    const run = await runAction({
      workspace: repo.dir,
      eventName: 'pull_request',
      event,
      inputs: { 'working-directory': 'infra/edge', comment: 'false', ...SECRETS },
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.outputs).toEqual({ valid: 'true', changed: '1' });
    expect(run.summary.startsWith(`<!-- edgeops:plan -->\n### edgeops plan for \`${head.slice(0, 7)}\` merged into \`main\`\n`)).toBe(true);
    expect(run.summary).toContain('**valid — 1 of 2 devices change: 1 targeted**');
    expect(run.summary).toContain('<code>(none)</code> → <code>telemetry</code>: 1 device');
    for (const secret of [TOKEN, CONNECTION, KEY]) expect(leaks(run, secret)).toEqual([]);
  });

  it("reads the base's policy and the pull request's labels: blocked without the approval label, passed with it", async () => {
    const { repo } = fleetRepo();
    const base = repo.commit({ 'infra/edge/.github/edgeops.yml': 'policy:\n  maxChangedDevices: 0\n' });
    repo.commit({ 'infra/edge/deployments/telemetry.yaml': deploymentYaml({ targetCondition: "tags.env IN ['prod', 'test']" }) });
    const planWith = (labels: string[]) =>
      runAction({
        workspace: repo.dir,
        eventName: 'pull_request',
        event: { pull_request: { number: 7, base: { sha: base }, labels: labels.map((name) => ({ name })) } },
        inputs: { 'working-directory': 'infra/edge', comment: 'false' },
      });
    const blocked = await planWith([]);
    expect(blocked.code).toBe(1);
    expect(blocked.outputs).toEqual({ valid: 'true', changed: '1' });
    expect(blocked.stdout).toMatch(/^::error::edgeops plan: blocked by policy: 1 finding needs the label edgeops\/approve-blast-radius/m);
    const approved = await planWith(['edgeops/approve-blast-radius']);
    expect(approved.code).toBe(0);
    expect(approved.summary).toContain('#### Policy');
  });

  it("on a push, compares the event's before with the checkout; a new branch (before all zeros) plans from nothing", async () => {
    const { repo, base } = fleetRepo();
    repo.commit({ 'infra/edge/fleet/devices.yaml': fleetYaml([{ deviceId: 'd1', tags: { env: 'prod' } }]) });
    const push = await runAction({
      workspace: repo.dir,
      eventName: 'push',
      event: { before: base },
      inputs: { command: 'plan', 'working-directory': 'infra/edge' },
    });
    expect(push.outputs).toEqual({ valid: 'true', changed: '1' });
    expect(push.summary).toContain('1 removed');
    const created = await runAction({
      workspace: repo.dir,
      eventName: 'push',
      event: { before: '0'.repeat(40) },
      inputs: { command: 'plan', 'working-directory': 'infra/edge' },
    });
    expect(created.code).toBe(0);
    expect(created.outputs).toEqual({ valid: 'true', changed: '1' });
    expect(created.summary).toContain('1 targeted');
  });

  it('fails an invalid head, annotating it, and outputs valid=false', async () => {
    const { repo, base } = fleetRepo();
    repo.commit({ 'infra/edge/deployments/telemetry.yaml': deploymentYaml({ targetCondition: 'tags.env = "prod"' }) });
    const run = await runAction({
      workspace: repo.dir,
      eventName: 'pull_request',
      event: { pull_request: { number: 7, base: { sha: base } } },
      inputs: { 'working-directory': 'infra/edge', comment: 'false' },
    });
    expect(run.code).toBe(1);
    expect(run.outputs.valid).toBe('false');
    expect(annotations(run.stdout).find((l) => l.startsWith('::error '))).toMatch(
      /^::error title=edgeops condition\/[a-z-]+,file=infra\/edge\/deployments\/telemetry\.yaml,line=3,col=\d+::/,
    );
    expect(run.stdout).toMatch(/^::error::edgeops plan: invalid: 1 error/m);
    expect(run.summary).toContain('🔴');
  });

  it('says to fetch the whole history when the base commit is not in the checkout', async () => {
    const { repo } = fleetRepo();
    const missing = 'f'.repeat(40);
    const run = await runAction({
      workspace: repo.dir,
      eventName: 'pull_request',
      event: { pull_request: { number: 7, base: { sha: missing } } },
      inputs: { 'working-directory': 'infra/edge', comment: 'false' },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`^::error::the base commit ${missing} is not in the checkout .*fetch-depth: 0`, 'm'));
  });
});

describe('the Action: inputs', () => {
  it('has no default command for a scheduled run, and says which to set', async () => {
    const { repo } = fleetRepo();
    const run = await runAction({ workspace: repo.dir, eventName: 'schedule' });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("::error::there is no default command for the 'schedule' event: set the `command` input (apply, plan, validate, status)");
  });

  it('refuses an unknown command', async () => {
    const { repo } = fleetRepo();
    const run = await runAction({ workspace: repo.dir, eventName: 'push', inputs: { command: 'deploy' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("::error::command 'deploy' is not one of apply, plan, validate, status");
  });
});

describe('action.yml', () => {
  it('declares exactly the inputs the Action reads and the outputs it sets, and runs the committed bundle', async () => {
    const { readFileSync } = await import('node:fs');
    const { parse } = await import('yaml');
    const read = (file: string) => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
    const action = parse(read('action.yml'));
    const inputs = new Set([...read('src/action/inputs.ts').matchAll(/core\.get(?:Boolean)?Input\('([a-z-]+)'\)/g)].map((m) => m[1]));
    expect(Object.keys(action.inputs).sort()).toEqual([...inputs].sort());
    const outputs = /export type OutputName = ([^;]+);/
      .exec(read('src/action/outcome.ts'))![1]
      .match(/'([a-z-]+)'/g)!
      .map((s) => s.slice(1, -1));
    expect(Object.keys(action.outputs).sort()).toEqual(outputs.sort());
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    expect(action.inputs.token.default).toBe('${{ github.token }}');
  });
});
