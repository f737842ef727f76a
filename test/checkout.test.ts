/**
 * Checkouts whose `.git` is a file: a `git worktree` (HEAD and index of its own,
 * objects and refs shared) and a submodule-style `gitdir:` link. Commits are read,
 * and the working tree's commit is told, from the checkout's own HEAD and index.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkoutLayout } from '../src/io/checkout.js';
import { deploymentYaml, fleetYaml } from './helpers.js';
import { runCli } from './support/cli.js';
import { testRepo } from './support/git-repo.js';

const fleet = fleetYaml([
  { deviceId: 'a', tags: { env: 'prod' } },
  { deviceId: 'b', tags: { env: 'test' } },
]);

/** A repository with one commit, a worktree of it on branch `w`, then a newer commit on main that retargets device b. */
function withWorktree() {
  const repo = testRepo();
  const first = repo.commit({
    'deployments/prod.yaml': deploymentYaml({ priority: 10, targetCondition: "tags.env = 'prod'" }),
    'fleet/devices.yaml': fleet,
  });
  const worktree = path.join(mkdtempSync(path.join(tmpdir(), 'edgeops-wt-')), 'w');
  repo.git('worktree', 'add', '-q', '-b', 'w', worktree);
  const second = repo.commit({ 'deployments/prod.yaml': deploymentYaml({ priority: 10, targetCondition: '*' }) });
  // The main checkout's index now differs from the worktree's files: it must not be the one read there.
  repo.write({ 'fleet/devices.yaml': `${fleet}# staged in main only\n` });
  repo.git('add', '-A');
  return { repo, worktree, first, second };
}

describe('a git worktree checkout', () => {
  it('is read with the shared objects and its own HEAD', () => {
    const { repo, worktree } = withWorktree();
    const layout = checkoutLayout(worktree)!;
    expect(layout.gitdir).toBe(path.join(repo.dir, '.git'));
    expect(layout.worktree).toBe(path.join(repo.dir, '.git', 'worktrees', 'w'));
  });

  it('resolves --ref HEAD as the worktree’s HEAD, and other refs from the shared repository', async () => {
    const { worktree } = withWorktree();
    const here = await runCli(['resolve', '--ref', 'HEAD', '--format', 'json'], { cwd: worktree });
    expect(here.code, here.stderr).toBe(0);
    expect(JSON.parse(here.stdout).devices.map((d: { deployment: string | null }) => d.deployment)).toEqual(['prod', null]);
    const main = await runCli(['resolve', '--ref', 'main', '--format', 'json'], { cwd: worktree });
    expect(JSON.parse(main.stdout).devices.map((d: { deployment: string | null }) => d.deployment)).toEqual(['prod', 'prod']);
    const plan = await runCli(['plan', '--base', 'HEAD', '--head', 'main', '--format', 'json'], { cwd: worktree });
    expect(plan.code, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout).summary.targeted).toBe(1);
  });

  it('tells the working tree’s commit from the worktree’s index and branch', async () => {
    const { worktree, first } = withWorktree();
    const clean = await runCli(['apply', '--dry-run', '--format', 'json'], { cwd: worktree });
    expect(clean.code, clean.stderr).toBe(0);
    expect(JSON.parse(clean.stdout).source).toEqual({ ref: 'w', commit: first });
    writeFileSync(path.join(worktree, 'fleet/devices.yaml'), `${fleet}# edited\n`);
    const dirty = await runCli(['apply', '--dry-run', '--format', 'json'], { cwd: worktree });
    expect(JSON.parse(dirty.stdout).source).toEqual({ ref: null, commit: null });
  });
});

describe('a .git file naming a whole git directory (a submodule’s layout)', () => {
  it('reads commits there', async () => {
    const repo = testRepo();
    const commit = repo.commit({ 'deployments/prod.yaml': deploymentYaml({ priority: 10, targetCondition: '*' }), 'fleet/devices.yaml': fleet });
    const checkout = mkdtempSync(path.join(tmpdir(), 'edgeops-sub-'));
    execFileSync('git', ['--git-dir', path.join(repo.dir, '.git'), '--work-tree', checkout, 'checkout', '-q', 'HEAD', '--', '.']);
    writeFileSync(path.join(checkout, '.git'), `gitdir: ${path.relative(checkout, path.join(repo.dir, '.git'))}\n`);
    expect(checkoutLayout(checkout)).toEqual({ gitdir: path.join(repo.dir, '.git') });
    const out = await runCli(['validate', '--ref', commit, '--format', 'json'], { cwd: checkout });
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout).valid).toBe(true);
  });
});
