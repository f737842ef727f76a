import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import { describe, expect, it } from 'vitest';
import { atomicWrites, baseFs } from '../src/io/atomic-fs.js';
import { openRepository } from '../src/io/git.js';

/** node's fs, except that a write stops after half its bytes and throws, as a process killed mid-write would. */
function halfWritingFs() {
  const promises = {
    ...fs.promises,
    writeFile: async (file: string, data: string | Uint8Array) => {
      const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data);
      await fs.promises.writeFile(file, bytes.subarray(0, bytes.length >> 1));
      throw Object.assign(new Error('killed'), { code: 'EINTR' });
    },
  };
  return { promises };
}

describe('atomic writes for git data', () => {
  it('a write that dies half way leaves the old ref whole, and no temporary file behind', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgeops-atomic-'));
    const repo = openRepository({ fs, dir, gitdir: dir });
    await git.init({ fs: repo.fs, dir, gitdir: dir, bare: true });
    const oid = await git.writeBlob({ fs: repo.fs, dir, gitdir: dir, blob: new TextEncoder().encode('a') });
    await git.writeRef({ fs: repo.fs, dir, gitdir: dir, ref: 'refs/heads/delivered', value: oid, force: true });

    const dying = openRepository({ fs: halfWritingFs(), dir, gitdir: dir });
    const other = 'b'.repeat(40);
    await expect(git.writeRef({ fs: dying.fs, dir, gitdir: dir, ref: 'refs/heads/delivered', value: other, force: true })).rejects.toThrow('killed');
    expect(readFileSync(path.join(dir, 'refs/heads/delivered'), 'utf8')).toBe(`${oid}\n`);
    expect(readdirSync(path.join(dir, 'refs/heads'))).toEqual(['delivered']);
    // git itself still reads the branch.
    expect(execFileSync('git', ['--git-dir', dir, 'rev-parse', 'delivered'], { encoding: 'utf8' }).trim()).toBe(oid);

    // Unwrapped, the same failure leaves a torn ref: what the wrapper prevents.
    await expect(git.writeRef({ fs: halfWritingFs(), dir, gitdir: dir, ref: 'refs/heads/delivered', value: other, force: true })).rejects.toThrow('killed');
    expect(readFileSync(path.join(dir, 'refs/heads/delivered'), 'utf8')).toBe(`${other}\n`.slice(0, 20));
  });

  it('wraps a callback client too, once per client, and remembers the client it came from', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgeops-atomic-'));
    const callbackFs = { ...fs, promises: undefined } as unknown as typeof fs;
    const client = atomicWrites(callbackFs);
    expect(atomicWrites(callbackFs)).toBe(client);
    expect(atomicWrites(client)).toBe(client);
    expect(baseFs(client)).toBe(callbackFs);
    expect(baseFs(fs)).toBe(fs);
    await git.init({ fs: client, dir, gitdir: dir, bare: true });
    const oid = await git.writeBlob({ fs: client, dir, gitdir: dir, blob: new TextEncoder().encode('hello') });
    expect(execFileSync('git', ['--git-dir', dir, 'cat-file', '-p', oid], { encoding: 'utf8' })).toBe('hello');
    expect(readdirSync(path.join(dir, 'objects', oid.slice(0, 2)))).toEqual([oid.slice(2)]);
  });
});
