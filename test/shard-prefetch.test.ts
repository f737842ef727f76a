/**
 * Shards read ahead on a worker (io/sinks/shard-prefetch.ts): the bytes handed out
 * are the tree objects' contents, each handed out once, with the object's header
 * just before them; a branch that is not there gives nothing (the sink reads as
 * usual). The worker is built JavaScript, so this runs from lib/ (built by pretest).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate } from './support/fleet-generator.js';
import { testRepo } from './support/git-repo.js';
import { cli } from './support/apply.js';

const lib = new URL('../lib/', import.meta.url);
const built = async <T>(module: string): Promise<T> => (await import(new URL(module, lib).href)) as T;

describe('shards read ahead', () => {
  it('hands out each shard of the tip once, as git stores it; nothing for a branch that is not there', async () => {
    const repo = testRepo();
    repo.commit(generate(3000, 20, 5, 2).files);
    expect((await cli(repo.dir, ['apply', '--format', 'json'])).json().pushed).toBe(3000);
    const gitdir = path.join(repo.dir, '.edgeops', 'rendered');
    const git = (...args: string[]) => execFileSync('git', ['--git-dir', gitdir, ...args]);
    const shards = git('ls-tree', 'edgeops/rendered', 'devices/')
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/)[2]);
    expect(shards.length).toBe(256);

    const { prefetchShards, takePrefetched } = await built<typeof import('../src/io/sinks/shard-prefetch.js')>('io/sinks/shard-prefetch.js');
    const { openRepository } = await built<typeof import('../src/io/git.js')>('io/git.js');
    const handle = openRepository({ fs, dir: gitdir, gitdir });
    prefetchShards(handle, gitdir, 'edgeops/rendered');
    for (const oid of shards) {
      const bytes = await takePrefetched(handle, oid);
      expect(bytes, oid).toBeDefined();
      expect(Buffer.from(bytes!).equals(git('cat-file', 'tree', oid))).toBe(true);
      // The header just before: written back as it is, not copied (writeObject).
      const header = Buffer.from(`tree ${bytes!.byteLength}\0`, 'latin1');
      expect(Buffer.from(bytes!.buffer, bytes!.byteOffset - header.length, header.length).equals(header)).toBe(true);
      // Once only: the taker may patch them.
      expect(await takePrefetched(handle, oid)).toBeUndefined();
    }

    const other = openRepository({ fs, dir: gitdir, gitdir });
    prefetchShards(other, gitdir, 'no/such/branch');
    expect(await takePrefetched(other, shards[0])).toBeUndefined();
  });

  it('an apply from the built command line (which reads ahead) renders what one from the sources does', async () => {
    const files = generate(2000, 15, 9, 2).files;
    const image = (text: string, tag: string) => text.replace('contoso.azurecr.io/sensor:1.14"', `contoso.azurecr.io/sensor:1.14-${tag}"`);
    const trees: string[][] = [];
    for (const binary of [true, false]) {
      const repo = testRepo();
      repo.commit(files);
      const run = (args: string[]) =>
        binary
          ? JSON.parse(execFileSync(process.execPath, [path.resolve('bin/edgeops.js'), ...args, '--repo', repo.dir], { encoding: 'utf8' }))
          : cli(repo.dir, args).then((r) => r.json());
      await run(['apply', '--format', 'json']);
      repo.commit({ 'deployments/d0014.yaml': image(files['deployments/d0014.yaml'], 'x') });
      const second = await run(['apply', '--format', 'json']);
      expect(second.pushed).toBeGreaterThan(0);
      const gitdir = path.join(repo.dir, '.edgeops', 'rendered');
      trees.push([execFileSync('git', ['--git-dir', gitdir, 'rev-parse', 'edgeops/rendered^{tree}'], { encoding: 'utf8' }).trim(), String(second.pushed)]);
      execFileSync('git', ['--git-dir', gitdir, 'fsck', '--strict', '--no-dangling']);
    }
    expect(trees[0]).toEqual(trees[1]);
  });
});
