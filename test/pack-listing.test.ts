import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { describe, expect, it } from 'vitest';
import { openRepository } from '../src/io/git.js';
import { withPackListingCache } from '../src/io/pack-listing.js';
import { testRepo } from './support/git-repo.js';

/** node's fs, counting how often a pack folder is listed. */
function countingFs() {
  const counts = { packListings: 0 };
  const promises = {
    ...fs.promises,
    readdir: ((dir: string, ...rest: []) => {
      if (/objects[\\/]pack$/.test(dir)) counts.packListings++;
      return fs.promises.readdir(dir, ...rest);
    }) as typeof fs.promises.readdir,
  };
  return { client: { promises }, counts };
}

/** A repository whose objects sit in five packs (one `git repack` per commit), and every object id. */
function packedRepository() {
  const repo = testRepo();
  for (let i = 0; i < 5; i++) {
    repo.commit({ [`deployments/d${i}.yaml`]: `priority: ${i}\n` });
    repo.git('repack', '-q', '-d');
  }
  const oids = repo
    .git('rev-list', '--objects', '--all')
    .split('\n')
    .map((l) => l.split(' ')[0]);
  const packs = fs.readdirSync(path.join(repo.dir, '.git/objects/pack')).filter((f) => f.endsWith('.pack'));
  return { dir: repo.dir, oids, packs };
}

describe('remembering pack listings (the App’s cache repositories)', () => {
  it('lists objects/pack once for many packed reads, and again after a write into it', async () => {
    const { dir, oids, packs } = packedRepository();
    expect(packs.length).toBe(5);
    expect(oids.length).toBeGreaterThan(10);

    const plain = countingFs();
    const read = async (client: object) => {
      const repo = openRepository({ fs: client as typeof fs, dir });
      for (const oid of oids) await git.readObject({ fs: repo.fs, dir, gitdir: repo.gitdir ?? path.join(dir, '.git'), oid, cache: repo.cache });
      return repo;
    };
    await read(plain.client);
    expect(plain.counts.packListings).toBeGreaterThanOrEqual(oids.length);

    const counting = countingFs();
    const cached = withPackListingCache(counting.client);
    const repo = await read(cached);
    expect(counting.counts.packListings).toBe(1);

    // A pack written through the client (as a fetch writes one) is seen by the next listing.
    const packFolder = path.join(dir, '.git/objects/pack');
    await (repo.fs as { promises: typeof fs.promises }).promises.writeFile(path.join(packFolder, 'pack-new.keep'), '');
    const listing = (await (cached as { promises: typeof fs.promises }).promises.readdir(packFolder)) as string[];
    expect(listing).toContain('pack-new.keep');
    expect(counting.counts.packListings).toBe(2);
  });
});
