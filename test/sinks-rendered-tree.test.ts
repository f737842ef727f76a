/** The rendered tree's own tree codec agrees with git's. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import git from 'isomorphic-git';
import { describe, expect, it } from 'vitest';
import { parseTree } from '../src/io/sinks/loose-objects.js';
import { serializeTree, type RawEntry } from '../src/io/sinks/rendered-tree.js';
import { testRepo } from './support/git-repo.js';

describe('tree codec', () => {
  it('serializes in git order (a tree sorts as if its name ended in /) and parses back what git wrote', async () => {
    const repo = testRepo();
    const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: repo.dir, input: 'x' }).toString().trim();
    const empty = execFileSync('git', ['mktree'], { cwd: repo.dir, input: '' }).toString().trim();
    const entries: RawEntry[] = [
      { mode: '100644', name: 'a.json', oid: blob },
      { mode: '40000', name: 'a', oid: empty },
      { mode: '100644', name: 'a-b.json', oid: blob },
      { mode: '100644', name: 'Z%C3%A9.json', oid: blob },
      { mode: '100644', name: 'é.json', oid: blob },
    ];
    const expected = execFileSync('git', ['mktree'], {
      cwd: repo.dir,
      input: entries.map((e) => `${e.mode === '40000' ? '040000 tree' : '100644 blob'} ${e.oid}\t${e.name}\n`).join(''),
    })
      .toString()
      .trim();
    const { dir } = repo;
    const oid = await git.writeObject({ fs, dir, type: 'tree', format: 'content', object: serializeTree(entries) });
    expect(oid).toBe(expected);
    const { object } = await git.readObject({ fs, dir, oid: expected, format: 'content' });
    const parsed: RawEntry[] = [];
    parseTree(object as Uint8Array, (mode, name, o) => parsed.push({ mode, name, oid: o }));
    expect(new Set(parsed.map((e) => JSON.stringify(e)))).toEqual(new Set(entries.map((e) => JSON.stringify(e))));
  });

  it('a shard (files with ASCII names only) is written as git writes it', () => {
    const repo = testRepo();
    const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: repo.dir, input: 'x' }).toString().trim();
    const names = ['b.json', 'a-b.json', 'a.json', 'A.json', '%C3%A9.json', 'a~.json', 'a_b.json'];
    const expected = execFileSync('git', ['mktree'], { cwd: repo.dir, input: names.map((n) => `100644 blob ${blob}\t${n}\n`).join('') })
      .toString()
      .trim();
    const bytes = serializeTree(names.map((name) => ({ mode: '100644', name, oid: blob })));
    const id = execFileSync('git', ['hash-object', '-t', 'tree', '--stdin'], { cwd: repo.dir, input: bytes }).toString().trim();
    expect(id).toBe(expected);
  });
});
