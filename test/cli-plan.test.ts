/** The CLI conventions of plan, validate and explain (issue #11), run in-process against real folders and git repositories. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../src/cli/main.js';
import { deploymentYaml, fleetYaml, tempRepo } from './helpers.js';
import { testRepo } from './support/git-repo.js';

const root = path.resolve(import.meta.dirname, '..');

async function cli(args: string[], options: { cwd?: string; env?: Record<string, string>; isTTY?: boolean } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    cwd: options.cwd ?? root,
    env: options.env ?? {},
    stdout: { write: (t: string) => (stdout += t), isTTY: options.isTTY ?? false },
    stderr: { write: (t: string) => (stderr += t), isTTY: options.isTTY ?? false } as { write(t: string): unknown },
  });
  return { code, stdout, stderr };
}

const A = deploymentYaml({ priority: 10, targetCondition: "tags.env = 'prod'" });
const FLEET = fleetYaml([{ deviceId: 'd1', tags: { env: 'prod' } }]);

describe('validate checks .github/edgeops.yml', () => {
  it('a policy that does not match the schema is an error on its line, with the allowed keys', async () => {
    const dir = await tempRepo({
      'deployments/a.yaml': A,
      'fleet/f.yaml': FLEET,
      '.github/edgeops.yml': '# yaml-language-server: $schema=../schemas/policy.schema.json\npolicy:\n  maxChangedDevice: 5\n',
    });
    const { code, stdout } = await cli(['validate', '--repo', dir, '--format', 'json']);
    expect(code).toBe(1);
    const json = JSON.parse(stdout);
    expect(json.diagnostics).toEqual([
      expect.objectContaining({
        file: '.github/edgeops.yml',
        line: 3,
        column: 3,
        code: 'policy/invalid',
        message: expect.stringContaining('allowed here: maxChangedDevices'),
      }),
    ]);
  });

  it('a valid policy passes', async () => {
    const dir = await tempRepo({
      'deployments/a.yaml': A,
      'fleet/f.yaml': FLEET,
      '.github/edgeops.yml': "policy:\n  maxChangedDevices: 5\n  protected:\n    - tags.env = 'prod'\n",
    });
    expect((await cli(['validate', '--repo', dir])).code).toBe(0);
  });
});

describe('an edgeops repository inside a monorepo', () => {
  const repo = testRepo();
  const base = repo.commit({ 'README.md': 'monorepo', 'infra/edge/deployments/a.yaml': A, 'infra/edge/fleet/f.yaml': FLEET });
  const head = repo.commit({
    'infra/edge/fleet/f.yaml': fleetYaml([
      { deviceId: 'd1', tags: { env: 'prod' } },
      { deviceId: 'd2', tags: { env: 'prod' } },
    ]),
    'infra/edge/deployments/b.yaml': deploymentYaml({ priority: 5, targetCondition: 'tags.env = "x"' }),
  });

  it('finds the git root by walking up and reads the subfolder at each commit', async () => {
    const { code, stdout, stderr } = await cli(['plan', '--repo', 'infra/edge', '--base', base, '--head', head, '--format', 'json'], { cwd: repo.dir });
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(JSON.parse(stdout).changes).toEqual([{ deviceId: 'd2', kind: 'targeted', before: null, after: 'a' }]);
    expect((await cli(['resolve', '--repo', path.join(repo.dir, 'infra/edge'), '--ref', 'HEAD~1'])).code).toBe(0);
  });

  it('names annotation paths from the git root in --format github', async () => {
    const validate = await cli(['validate', '--repo', 'infra/edge', '--ref', head, '--format', 'github'], { cwd: repo.dir });
    expect(validate.stdout).toMatch(/^::error file=infra\/edge\/deployments\/b\.yaml,line=3,/m);
    const plan = await cli(['plan', '--repo', 'infra/edge', '--base', base, '--head', head, '--format', 'github'], { cwd: repo.dir });
    expect(plan.stdout).toMatch(/^::error file=infra\/edge\/deployments\/b\.yaml,line=3,/m);
    const disk = await cli(['validate', '--repo', 'infra/edge', '--format', 'github'], { cwd: repo.dir });
    expect(disk.stdout).toMatch(/^::error file=infra\/edge\/deployments\/b\.yaml,line=3,/m);
  });
});

describe('plan exit codes and JSON versions', () => {
  const repo = testRepo();
  const base = repo.commit({ 'deployments/a.yaml': A, 'fleet/f.yaml': FLEET });
  const same = repo.commit({ 'README.md': 'docs' });
  const more = repo.commit({
    'fleet/f.yaml': fleetYaml([
      { deviceId: 'd1', tags: { env: 'prod' } },
      { deviceId: 'd2', tags: { env: 'prod' } },
    ]),
  });
  const broken = repo.commit({ 'deployments/a.yaml': 'priority: [\n' });

  it('--detailed-exitcode: 0 no device changes, 2 changes, 1 error', async () => {
    const planCode = async (head: string) => (await cli(['plan', '--repo', repo.dir, '--base', base, '--head', head, '--detailed-exitcode'])).code;
    expect(await planCode(same)).toBe(0);
    expect(await planCode(more)).toBe(2);
    expect(await planCode(broken)).toBe(1);
    expect((await cli(['plan', '--repo', repo.dir, '--base', base, '--head', more])).code).toBe(0);
  });

  it('plan, validate and explain JSON carry "version": 1', async () => {
    const json = async (args: string[]) => JSON.parse((await cli([...args, '--repo', repo.dir, '--format', 'json'])).stdout);
    expect((await json(['plan', '--base', base, '--head', more])).version).toBe(1);
    expect((await json(['validate'])).version).toBe(1);
    expect((await json(['explain', 'd1'])).version).toBe(1);
  });
});

describe('CLI conventions', () => {
  it('explain exits 1 on an invalid repository, after explaining what it could read', async () => {
    const dir = await tempRepo({ 'deployments/a.yaml': A, 'deployments/b.yaml': 'priority: [\n', 'fleet/f.yaml': FLEET });
    const { code, stdout, stderr } = await cli(['explain', 'd1', '--repo', dir]);
    expect(code).toBe(1);
    expect(stdout).toContain('d1');
    expect(stderr).toMatch(/the repository has 1 error: run 'edgeops validate'/);
  });

  it('explain suggests device ids close to an unknown one', async () => {
    const { code, stderr } = await cli(['explain', 'linuxprod01']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/no device 'linuxprod01' .*did you mean 'linuxprod1'/);
    expect((await cli(['explain', 'LINUXPROD1'])).stderr).toMatch(/did you mean 'linuxprod1'\?/);
  });

  it('help <command>, -v, --no-color and examples in every command help', async () => {
    const help = await cli(['help', 'plan']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: edgeops plan/);
    expect((await cli(['help'])).stdout).toMatch(/-v, --version/);
    expect((await cli(['-v'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    for (const command of ['validate', 'resolve', 'explain', 'plan']) expect((await cli([command, '--help'])).stdout).toContain('Examples:\n  edgeops ');
    expect((await cli(['resolve'], { isTTY: true })).stdout).toContain('\x1b[');
    expect((await cli(['resolve', '--no-color'], { isTTY: true })).stdout).not.toContain('\x1b[');
  });
});

describe('files that are not read are said, not skipped silently', () => {
  const files = {
    'deployments/a.yaml': A,
    'deployments/team-a/x.yaml': A,
    'deployments/README.md': 'docs',
    'fleet/f.yaml': FLEET,
    'fleet/x.json': '{"devices": []}',
  };
  const expected = [
    expect.objectContaining({
      severity: 'warning',
      code: 'file/ignored',
      file: 'deployments/team-a/',
      message: expect.stringMatching(/is not read: only files directly inside deployments\//),
    }),
    expect.objectContaining({ severity: 'warning', code: 'file/ignored', file: 'fleet/x.json', message: expect.stringMatching(/rename it to fleet\/x\.yaml/) }),
  ];

  it('on disk', async () => {
    const dir = await tempRepo(files);
    const { code, stdout } = await cli(['validate', '--repo', dir, '--format', 'json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).diagnostics).toEqual(expected);
  });

  it('at a git commit, in a subfolder', async () => {
    const repo = testRepo();
    repo.commit(Object.fromEntries(Object.entries(files).map(([k, v]) => [`edge/${k}`, v])));
    const { stdout } = await cli(['validate', '--repo', 'edge', '--ref', 'HEAD', '--format', 'json'], { cwd: repo.dir });
    expect(JSON.parse(stdout).diagnostics).toEqual(expected);
  });
});

describe('long runs', () => {
  it('show progress on stderr on a terminal only, and the whole time with --verbose', async () => {
    const onTerminal = await cli(['validate'], { isTTY: true });
    expect(onTerminal.stderr).toContain('reading 5 deployment files and 3 fleet files');
    expect(onTerminal.stderr.endsWith('\r\x1b[K')).toBe(true);
    expect(onTerminal.stdout).toContain('valid: 5 deployments');
    expect((await cli(['validate'])).stderr).toBe('');
    const verbose = await cli(['validate', '--verbose']);
    expect(verbose.stderr).toMatch(/^edgeops validate: done in \d+\.\d\d s\n$/);
  });
});
