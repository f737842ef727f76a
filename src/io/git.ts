/**
 * A source over a git commit, read with isomorphic-git: no checkout, no git CLI.
 * Only the trees and blobs under the folders asked for are read.
 */
import fs from 'node:fs';
import git from 'isomorphic-git';
import { isYamlFile, type Source } from './source.js';

export class RefError extends Error {}

/** One cache per process: isomorphic-git keeps parsed packfile indexes here. */
const packCache = {};

/**
 * Resolves a ref to a commit oid: branch and tag names (annotated tags peeled),
 * `HEAD`, full or short SHAs, and `~N` / `^` suffixes (first parents).
 */
export async function resolveCommit(dir: string, ref: string): Promise<string> {
  const match = /^(.+?)((?:~\d*|\^1?)*)$/.exec(ref);
  if (!match) throw new RefError(`'${ref}' is not a ref`);
  const [, name, suffix] = match;
  let oid: string;
  try {
    oid = await git.resolveRef({ fs, dir, ref: name });
  } catch {
    if (!/^[0-9a-f]{4,40}$/i.test(name)) throw new RefError(`unknown ref '${name}' in ${dir}`);
    try {
      oid = await git.expandOid({ fs, dir, oid: name.toLowerCase(), cache: packCache });
    } catch (e) {
      throw new RefError(`unknown ref '${name}' in ${dir}${/ambiguous/i.test(String(e)) ? ' (ambiguous short SHA: give more digits)' : ''}`);
    }
  }
  try {
    oid = (await git.readCommit({ fs, dir, oid, cache: packCache })).oid;
  } catch {
    throw new RefError(`'${name}' does not name a commit in ${dir}`);
  }
  for (const step of suffix.match(/~\d*|\^1?/g) ?? []) {
    const n = step.startsWith('~') ? Number(step.slice(1) || '1') : 1;
    for (let i = 0; i < n; i++) {
      const { commit } = await git.readCommit({ fs, dir, oid, cache: packCache });
      if (commit.parent.length === 0) throw new RefError(`'${ref}' goes past the first commit`);
      oid = commit.parent[0];
    }
  }
  return oid;
}

export interface GitSource extends Source {
  readonly commit: string;
}

/** A source over the commit `ref` names in the repository at `dir`. */
export async function gitSource(dir: string, ref: string): Promise<GitSource> {
  const commit = await resolveCommit(dir, ref);
  const readTreeAt = async (filepath: string) => {
    try {
      return await git.readTree({ fs, dir, oid: commit, filepath, cache: packCache });
    } catch (e) {
      if ((e as { code?: string }).code === 'NotFoundError') return undefined;
      throw e;
    }
  };
  return {
    commit,
    description: `${ref} (${commit.slice(0, 7)})`,
    async list(folder) {
      const tree = await readTreeAt(folder);
      if (!tree) return undefined;
      return tree.tree
        .filter((entry) => entry.type === 'blob' && isYamlFile(entry.path))
        .sort((a, b) => (a.path < b.path ? -1 : 1))
        .map((entry) => ({
          path: `${folder}/${entry.path}`,
          oid: entry.oid,
          read: async () => (await git.readBlob({ fs, dir, oid: entry.oid, cache: packCache })).blob,
        }));
    },
    async treeOid(folder) {
      return (await readTreeAt(folder))?.oid;
    },
    async readFile(path) {
      try {
        return (await git.readBlob({ fs, dir, oid: commit, filepath: path, cache: packCache })).blob;
      } catch (e) {
        if ((e as { code?: string }).code === 'NotFoundError') return undefined;
        throw e;
      }
    },
  };
}
