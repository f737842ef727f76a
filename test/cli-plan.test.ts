/** The CLI conventions of plan, validate and explain (issue #11), run in-process against real folders and git repositories. */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../src/cli/main.js';
import { deploymentYaml, fleetYaml } from './helpers.js';

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

async function tempRepo(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'edgeops-cli-'));
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return dir;
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
