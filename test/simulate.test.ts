import fs, { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { contentYaml } from './support/fleet-generator.js';
import { renderModulesContent } from '../src/core/manifest/render.js';
import { openRendering, RenderingError } from '../src/io/rendering.js';
import { checkAsAgent, simulate, type SimulateOptions } from '../src/usecases/simulate.js';
import { loadFleet } from './helpers.js';
import { testRepo } from './support/git-repo.js';
import { writeRendering } from './support/rendering.js';
import { TELEMETRY_CONTENT } from './support/status-fixtures.js';

const temp = (name: string) => mkdtempSync(path.join(tmpdir(), `edgeops-${name}-`));

/** A rendered folder for `n` devices on one deployment with `content`. */
async function renderedFolder(n: number, content = TELEMETRY_CONTENT): Promise<string> {
  const devices = Array.from({ length: n }, (_, i) => ({ deviceId: `dev-${i}`, tags: { env: 'prod' } }));
  const loaded = await loadFleet({ fleetwide: { targetCondition: '*', content } }, devices);
  const dir = temp('rendered');
  writeRendering(dir, loaded);
  return dir;
}

/** `devices/<xx>/<id>.json` paths of a rendered folder, sorted. */
const deviceFiles = (dir: string): string[] =>
  (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.split(path.sep).join('/'))
    .sort();

async function run(dir: string, options: SimulateOptions) {
  let text = '';
  const result = await simulate(await openRendering(dir, { fs }), (lines) => void (text += lines), options);
  return {
    result,
    text,
    reports: text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l)),
  };
}

const desired = (modules: Record<string, unknown>, schemaVersion = '1.1') =>
  renderModulesContent({
    $edgeAgent: {
      'properties.desired': {
        schemaVersion,
        systemModules: { edgeAgent: { type: 'docker', settings: { image: 'agent:1.5' } } },
        modules,
      },
    },
  });

describe('the agent check', () => {
  it.each([
    [
      'a valid manifest',
      desired({ m: { settings: { image: 'a:1', createOptions: { Env: ['A=1'] } } }, s: { status: 'stopped', settings: { image: 'b' } } }),
      200,
    ],
    ['no $edgeAgent', {}, 417],
    ['an unknown schemaVersion', desired({}, '2.0'), 412],
    ['a module without an image', desired({ m: { settings: {} } }), 400],
    ['createOptions chunks that do not join into JSON', desired({ m: { settings: { image: 'a', createOptions: '{"HostConfig":' } } }), 400],
    ['more than 50 modules', desired(Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`m${i}`, { settings: { image: 'a' } }]))), 400],
  ])('%s: code %d', (_, content, code) => {
    expect(checkAsAgent(content).code).toBe(code);
  });

  it('joins createOptions chunks before parsing them', () => {
    const long = { Env: Array.from({ length: 100 }, (_, i) => `VARIABLE_${i}=value`) };
    const content = desired({ m: { settings: { image: 'a', createOptions: long } } });
    const agent = content.$edgeAgent as { 'properties.desired': { modules: { m: { settings: Record<string, unknown> } } } };
    const settings = agent['properties.desired'].modules.m.settings;
    expect(Object.keys(settings)).toContain('createOptions01');
    expect(checkAsAgent(content)).toEqual({ code: 200, modules: { m: 'running' } });
    // A lost chunk leaves the JSON unterminated.
    delete settings.createOptions03;
    expect(checkAsAgent(content)).toEqual({ code: 400, description: 'invalid configuration: createOptions of module m is not valid JSON' });
  });

  it('names the module without an image', () => {
    expect(checkAsAgent(desired({ ok: { settings: { image: 'a' } }, broken: { settings: { image: '' } } }))).toEqual({
      code: 400,
      description: 'invalid configuration: module broken has no image',
    });
  });
});

describe('simulate', () => {
  it('every device of a valid rendering reports success for its content hash by default', async () => {
    const dir = await renderedFolder(5);
    const { result, reports } = await run(dir, {});
    expect(result).toEqual({ devices: 5, success: 5, failure: 0, pending: 0, diagnostics: [] });
    expect(reports.map((r) => r.deviceId).sort()).toEqual(['dev-0', 'dev-1', 'dev-2', 'dev-3', 'dev-4']);
    const manifest = JSON.parse(readFileSync(path.join(dir, deviceFiles(dir)[0]), 'utf8'));
    expect(reports[0]).toEqual({
      deviceId: reports[0].deviceId,
      deployment: 'fleetwide',
      contentHash: manifest.contentHash,
      code: 200,
      description: '',
      modules: { telemetry: { runtimeStatus: 'running' } },
    });
  });

  it('is deterministic for a seed, and another seed gives other reports', async () => {
    const dir = await renderedFolder(200);
    const options = { failRate: 0.2, pendingRate: 0.3 };
    const a = await run(dir, { ...options, seed: 7 });
    const b = await run(dir, { ...options, seed: 7 });
    const c = await run(dir, { ...options, seed: 8 });
    expect(b.text).toBe(a.text);
    expect(c.text).not.toBe(a.text);
    expect(a.result.devices).toBe(200);
    expect(a.result.success + a.result.failure + a.result.pending).toBe(200);
    // Rates are shares of devices: far from none and from all of them.
    expect(a.result.pending).toBeGreaterThan(30);
    expect(a.result.pending).toBeLessThan(100);
    expect(a.result.failure).toBeGreaterThan(10);
    const codes = new Set(a.reports.filter((r) => r.code !== 200).map((r) => r.code));
    expect([...codes].sort()).toEqual([406, 500]);
  });

  it('--fail-module fails that module on every device running it, with exit 1', async () => {
    const { result, reports } = await run(await renderedFolder(4), { failModule: 'telemetry' });
    expect(result).toMatchObject({ success: 0, failure: 4 });
    expect(reports[0].modules).toEqual({ telemetry: { runtimeStatus: 'failed', exitCode: 1 } });
    expect(reports[0].code).toBe(200);
  });

  it('a manifest the agent refuses is a 400 report from every device on it', async () => {
    const broken = contentYaml(
      `\n          telemetry: { version: "1.0", type: docker, status: running, restartPolicy: always, settings: { image: "", createOptions: "{}" } }`,
    );
    const { result, reports } = await run(await renderedFolder(3, broken), {});
    expect(result).toMatchObject({ success: 0, failure: 3 });
    expect(reports[0]).toMatchObject({ code: 400, description: 'invalid configuration: module telemetry has no image', modules: {} });
  });

  it('a device file that is not a manifest is a diagnostic, and the others still report', async () => {
    const dir = await renderedFolder(3);
    const file = deviceFiles(dir)[0];
    fs.writeFileSync(path.join(dir, file), '{"deployment":');
    const { result } = await run(dir, {});
    expect(result.devices).toBe(2);
    expect(result.diagnostics.map((d) => [d.code, d.file])).toEqual([['rendering/invalid', file]]);
  });

  it('reads the edgeops/rendered branch of a git repository (bare or not), and reports the commit time', async () => {
    const folder = await renderedFolder(6);
    const repo = testRepo();
    repo.git('checkout', '-q', '--orphan', 'edgeops/rendered');
    fs.cpSync(path.join(folder, 'devices'), path.join(repo.dir, 'devices'), { recursive: true });
    repo.git('add', '-A');
    execFileSync('git', ['commit', '-q', '-m', 'edgeops: rendered'], {
      cwd: repo.dir,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@e',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@e',
        GIT_COMMITTER_DATE: '2026-11-20T10:00:00Z',
      },
    });
    // Another branch checked out: the rendering is read from the branch, not the working tree.
    repo.git('checkout', '-q', '--orphan', 'main');
    repo.git('rm', '-rqf', '.');
    const fromGit = await run(repo.dir, { seed: 3 });
    const fromFolder = await run(folder, { seed: 3 });
    expect(fromGit.result).toEqual(fromFolder.result);
    const withoutTime = (reports: Record<string, unknown>[]) => reports.map((r) => ({ ...r, reportedAt: undefined }));
    expect(withoutTime(fromGit.reports)).toEqual(withoutTime(fromFolder.reports));
    expect(fromGit.reports[0].reportedAt).toBe('2026-11-20T10:00:00Z');

    const bare = temp('bare');
    execFileSync('git', ['clone', '-q', '--bare', repo.dir, bare]);
    expect((await run(bare, { seed: 3 })).text).toBe(fromGit.text);
  });

  it('says what to do when there is no rendering', async () => {
    await expect(openRendering(path.join(tmpdir(), 'edgeops-none'), { fs })).rejects.toThrow(/does not exist: run 'edgeops apply' first/);
    await expect(openRendering(temp('empty'), { fs })).rejects.toBeInstanceOf(RenderingError);
    const repo = testRepo();
    repo.commit({ 'README.md': 'x' });
    await expect(openRendering(repo.dir, { fs })).rejects.toThrow(/has no edgeops\/rendered branch/);
  });
});
