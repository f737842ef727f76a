/**
 * Few file descriptors are enough. macOS gives a process 256 by default; a
 * repository of hundreds of files, or an apply that writes and reads 256 shard
 * trees, must not open them all at once (EMFILE). The built binary runs under
 * `ulimit -n 64`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { deploymentYaml, fleetYaml } from './helpers.js';
import { generate, writeRepository } from './support/fleet-generator.js';
import { testRepo } from './support/git-repo.js';
import { readFileBounded, SMALL_FILE } from '../src/io/bounded-reads.js';

const bin = path.join(import.meta.dirname, '../bin/edgeops.js');

/** The binary under a limit of 64 open files: exit code and output. */
function limited(args: readonly string[], cwd: string): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync('sh', ['-c', 'ulimit -n 64 && exec "$0" "$@"', process.execPath, bin, ...args], { cwd, encoding: 'utf8', stdio: 'pipe' });
    return { code: 0, stdout, stderr: '' };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, stdout: err.stdout, stderr: err.stderr };
  }
}

describe.skipIf(!existsSync(path.join(import.meta.dirname, '../lib/cli/main.js')))('under a limit of 64 open files', () => {
  it('validates 300 deployment files, on disk and at a commit', () => {
    const repo = testRepo();
    const files: Record<string, string> = { 'fleet/devices.yaml': fleetYaml([{ deviceId: 'a', tags: { n: 1 } }]) };
    for (let i = 0; i < 300; i++) files[`deployments/d${i}.yaml`] = deploymentYaml({ priority: i, targetCondition: `tags.n = ${i}` });
    const commit = repo.commit(files);
    for (const args of [
      ['validate', '--format', 'json'],
      ['validate', '--ref', commit, '--format', 'json'],
    ]) {
      const out = limited(args, repo.dir);
      expect(out.stderr).not.toMatch(/EMFILE/);
      expect(out.code, out.stderr).toBe(0);
      expect(JSON.parse(out.stdout).valid).toBe(true);
    }
  });

  it('applies a fleet that fills all 256 shards, then applies a change that rewrites them', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgeops-fds-'));
    writeRepository(dir, generate(4000, 5, 7, 4));
    const first = limited(['apply', '--format', 'json'], dir);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).pushed).toBe(4000);
    // The baseline wins most devices: a new image for it rewrites every shard.
    const baseline = path.join(dir, 'deployments/baseline.yaml');
    writeFileSync(baseline, readFileSync(baseline, 'utf8').replace(/image: "([^"]*)"/, 'image: "$1-next"'));
    const second = limited(['apply', '--format', 'json'], dir);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout).pushed).toBeGreaterThan(1000);
    // Every shard of the layout holds devices: all 256 trees were written, and read back for the second apply.
    const shards = execFileSync('git', ['--git-dir', path.join(dir, '.edgeops/rendered'), 'ls-tree', 'edgeops/rendered', 'devices/'], { encoding: 'utf8' });
    expect(shards.trim().split('\n')).toHaveLength(256);
  });

  it('applies to a folder of 25,000 device files and reads them back (about 100 in each shard folder)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgeops-fds-'));
    writeRepository(dir, generate(25_000, 5, 7, 4));
    const first = limited(['apply', '--sink', 'dir', '--to', 'out', '--format', 'json'], dir);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).pushed).toBe(25_000);
    const again = limited(['apply', '--sink', 'dir', '--to', 'out', '--format', 'json'], dir);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ pushed: 0, unchanged: 25_000 });
  });
});

describe('reading a file from disk', () => {
  it('gives the same bytes read at once (small) or in the background (large), and fails as the read fails', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgeops-reads-'));
    const small = Buffer.from('devices:\n  - deviceId: d1\n');
    const large = Buffer.alloc(SMALL_FILE + 1, 'x');
    writeFileSync(path.join(dir, 'small.yaml'), small);
    writeFileSync(path.join(dir, 'large.yaml'), large);
    expect(await readFileBounded(path.join(dir, 'small.yaml'))).toEqual(small);
    expect(await readFileBounded(path.join(dir, 'large.yaml'))).toEqual(large);
    await expect(readFileBounded(path.join(dir, 'missing.yaml'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(readFileBounded(dir)).rejects.toMatchObject({ code: 'EISDIR' });
  });
});
