/**
 * Partial and damaged git data, made with the real git CLI: shallow and
 * blob-less clones, objects truncated or overwritten by hand, hostile tree entry
 * names. Each is an error naming the commit, the path and what to do, exit 1;
 * a ref that is not a ref name is a usage error (exit 2).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../src/cli/main.js';
import { isValidRefName } from '../src/io/git.js';
import { deploymentYaml, fleetYaml } from './helpers.js';
import { testRepo, type TestRepo } from './support/git-repo.js';

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await run(args, { cwd: tmpdir(), env: {}, stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { code, stdout, stderr };
}

const FILES = {
  'deployments/base.yaml': deploymentYaml({ priority: 0, targetCondition: '*' }),
  'fleet/devices.yaml': fleetYaml([{ deviceId: 'a', tags: { ring: 1 } }]),
};

function twoCommits(): TestRepo {
  const repo = testRepo();
  repo.commit(FILES);
  repo.commit({ 'deployments/prod.yaml': deploymentYaml({ priority: 5, targetCondition: 'tags.ring = 1' }) });
  return repo;
}

const clone = (source: string, ...flags: string[]): string => {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'edgeops-clone-')), 'c');
  execFileSync('git', ['clone', '-q', ...flags, `file://${source}`, dir], { stdio: 'pipe' });
  return dir;
};

/** Replaces a loose object's file (objects are read-only). */
function overwriteObject(repo: TestRepo, oid: string, bytes: Uint8Array): void {
  const file = path.join(repo.dir, '.git', 'objects', oid.slice(0, 2), oid.slice(2));
  chmodSync(file, 0o644);
  writeFileSync(file, bytes);
}

describe('shallow clones (#11: fail closed on missing history)', () => {
  let dir: string;
  beforeAll(() => {
    dir = clone(twoCommits().dir, '--depth', '1');
  });

  it('plan --base HEAD~1 is an error saying what is missing and how to fetch it, never an empty base', async () => {
    const r = await cli(['plan', '--repo', dir, '--base', 'HEAD~1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/commit [0-9a-f]{7} \(HEAD~1\) is not in .*shallow clone.*git fetch --deepen.*fetch-depth: 0/);
  });

  it.each(['validate', 'resolve'])('%s --ref HEAD~1 says the same', async (command) => {
    const r = await cli([command, '--repo', dir, '--ref', 'HEAD~1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('shallow clone');
    expect(r.stderr).not.toContain('neither deployments/');
  });

  it('a missing parent named by SHA is the same error', async () => {
    const parent = execFileSync('git', ['-C', dir, 'cat-file', '-p', 'HEAD'], { encoding: 'utf8' }).match(/^parent ([0-9a-f]{40})/m)![1];
    const r = await cli(['explain', 'a', '--repo', dir, '--ref', parent]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`commit ${parent.slice(0, 7)}`);
    expect(r.stderr).toContain('fetch-depth: 0');
  });

  it('HEAD itself still reads', async () => {
    expect((await cli(['validate', '--repo', dir, '--ref', 'HEAD'])).code).toBe(0);
  });
});

describe('partial clones without blobs', () => {
  it('name the file and commit, and say how to fetch the content', async () => {
    const source = twoCommits();
    source.git('config', 'uploadpack.allowFilter', 'true');
    const dir = clone(source.dir, '--filter=blob:none', '--no-checkout');
    const r = await cli(['validate', '--repo', dir, '--ref', 'HEAD']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      // Whichever missing blob is read first (files are read in parallel).
      /cannot read (deployments|fleet)\/[\w-]+\.yaml at commit [0-9a-f]{7}: object [0-9a-f]{7} is not in .*partial clone.*git show/,
    );
  });
});

describe('damaged objects', () => {
  const damage = async (how: (repo: TestRepo) => void) => {
    const repo = testRepo();
    repo.commit(FILES);
    how(repo);
    return cli(['validate', '--repo', repo.dir, '--ref', 'HEAD']);
  };
  const blob = (repo: TestRepo) => repo.git('rev-parse', 'HEAD:deployments/base.yaml');

  it('a truncated loose object', async () => {
    const r = await damage((repo) => {
      const file = path.join(repo.dir, '.git', 'objects', blob(repo).slice(0, 2), blob(repo).slice(2));
      overwriteObject(repo, blob(repo), readFileSync(file).subarray(0, 10));
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot read deployments\/base\.yaml at commit [0-9a-f]{7}: the git data is damaged .*git fsck/);
  });

  it('data that is not zlib at all', async () => {
    const r = await damage((repo) => overwriteObject(repo, blob(repo), new TextEncoder().encode('not zlib data')));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot read deployments/base.yaml at commit');
  });

  it('a corrupt tree', async () => {
    const r = await damage((repo) => {
      const tree = repo.git('rev-parse', 'HEAD:deployments');
      overwriteObject(repo, tree, deflateSync(Buffer.from('tree 9\0garbage!!')));
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot read deployments at commit [0-9a-f]{7}: the git data is damaged/);
  });

  it('a corrupt commit', async () => {
    const r = await damage((repo) => overwriteObject(repo, repo.git('rev-parse', 'HEAD'), deflateSync(Buffer.from('commit 3\0xyz'))));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot read');
  });
});

describe('hostile tree entry names', () => {
  it.each(['..', '.', '.git'])("an entry named '%s' is an error of the commit, never followed", async (name) => {
    const repo = testRepo();
    repo.commit(FILES);
    const blob = repo.git('rev-parse', 'HEAD:deployments/base.yaml');
    const deployments = execFileSync('git', ['mktree'], {
      cwd: repo.dir,
      input: `100644 blob ${blob}\tbase.yaml\n100644 blob ${blob}\t${name}\n`,
      encoding: 'utf8',
    }).trim();
    const fleet = repo.git('rev-parse', 'HEAD:fleet');
    const root = execFileSync('git', ['mktree'], {
      cwd: repo.dir,
      input: `040000 tree ${deployments}\tdeployments\n040000 tree ${fleet}\tfleet\n`,
      encoding: 'utf8',
    }).trim();
    const commit = repo.git('commit-tree', root, '-m', 'hostile');
    const r = await cli(['validate', '--repo', repo.dir, '--ref', commit, '--format', 'json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      new RegExp(
        `cannot read deployments at commit ${commit.slice(0, 7)}: the git data is damaged \\(The filepath "${name.replace(/\./g, '\\.')}" contains unsafe`,
      ),
    );
  });
});

describe('--ref is a ref name or a SHA', () => {
  it('follows git check-ref-format', () => {
    for (const ok of ['main', 'HEAD', 'feature/x', 'v1.0', 'deadbeef']) expect(isValidRefName(ok)).toBe(true);
    for (const bad of ['../../x', 'a/../b', '/x', 'x/', 'a//b', '.hidden', 'x.lock', 'a b', 'a:b', 'a\u001bb', '@', 'a@{1}', 'x.', ''])
      expect(isValidRefName(bad)).toBe(false);
  });

  it('../../x is a usage error, never a path', async () => {
    const repo = twoCommits();
    const r = await cli(['validate', '--repo', repo.dir, '--ref', '../../x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("'../../x' is not a valid ref name");
  });
});
