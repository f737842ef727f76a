/**
 * A source over a git commit, read with isomorphic-git: no checkout, no git CLI.
 * Only the trees and blobs under the folders asked for are read.
 */
import git, { type CallbackFsClient, type PromiseFsClient } from 'isomorphic-git';
import { ignoredEntry, isYamlFile, type Source } from './source.js';

export class RefError extends Error {}

/**
 * A repository handle: everything outside is passed in (the isomorphic-git
 * habit). `fs` is node:fs or any isomorphic-git fs client; `gitdir` defaults to
 * `<dir>/.git` (give `gitdir: dir` for a bare repository). The handle owns the
 * cache where isomorphic-git keeps parsed packfile indexes, so two repositories
 * never share one and a dropped handle frees it.
 */
export interface GitRepository {
  readonly fs: CallbackFsClient | PromiseFsClient;
  readonly dir: string;
  readonly gitdir?: string;
  readonly cache: object;
}

export function openRepository(options: { fs: CallbackFsClient | PromiseFsClient; dir: string; gitdir?: string }): GitRepository {
  return { fs: options.fs, dir: options.dir, gitdir: options.gitdir, cache: {} };
}

/**
 * Resolves a ref to a commit oid: branch and tag names (annotated tags peeled),
 * `HEAD`, full or short SHAs, and `~N` / `^` suffixes (first parents).
 */
export async function resolveCommit(repo: GitRepository, ref: string): Promise<string> {
  const { fs, dir, gitdir, cache } = repo;
  const match = /^(.+?)((?:~\d*|\^1?)*)$/.exec(ref);
  if (!match) throw new RefError(`'${ref}' is not a ref`);
  const [, name, suffix] = match;
  let oid: string;
  try {
    oid = await git.resolveRef({ fs, dir, gitdir, ref: name });
  } catch {
    if (!/^[0-9a-f]{4,40}$/i.test(name)) throw new RefError(`unknown ref '${name}' in ${dir}`);
    try {
      oid = await git.expandOid({ fs, dir, gitdir, oid: name.toLowerCase(), cache });
    } catch (e) {
      throw new RefError(`unknown ref '${name}' in ${dir}${/ambiguous/i.test(String(e)) ? ' (ambiguous short SHA: give more digits)' : ''}`);
    }
  }
  try {
    oid = (await git.readCommit({ fs, dir, gitdir, oid, cache })).oid;
  } catch {
    throw new RefError(`'${name}' does not name a commit in ${dir}`);
  }
  for (const step of suffix.match(/~\d*|\^1?/g) ?? []) {
    const n = step.startsWith('~') ? Number(step.slice(1) || '1') : 1;
    for (let i = 0; i < n; i++) {
      const { commit } = await git.readCommit({ fs, dir, gitdir, oid, cache });
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
export async function gitSource(repo: GitRepository, ref: string): Promise<GitSource> {
  const { fs, dir, gitdir, cache } = repo;
  const commit = await resolveCommit(repo, ref);
  const readTreeAt = async (filepath: string) => {
    try {
      return await git.readTree({ fs, dir, gitdir, oid: commit, filepath, cache });
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
          read: async () => (await git.readBlob({ fs, dir, gitdir, oid: entry.oid, cache })).blob,
        }));
    },
    async treeOid(folder) {
      return (await readTreeAt(folder))?.oid;
    },
    async readFile(path) {
      try {
        return (await git.readBlob({ fs, dir, gitdir, oid: commit, filepath: path, cache })).blob;
      } catch (e) {
        if ((e as { code?: string }).code === 'NotFoundError') return undefined;
        throw e;
      }
    },
  };
}

/** Adds `ignored` (subfolders and JSON files of a folder, which `list` leaves out) to a commit's source. */
export function withIgnored(source: GitSource, repo: GitRepository): GitSource {
  const { fs, dir, gitdir, cache } = repo;
  return {
    ...source,
    async ignored(folder) {
      let tree;
      try {
        tree = await git.readTree({ fs, dir, gitdir, oid: source.commit, filepath: folder, cache });
      } catch {
        return [];
      }
      return tree.tree.filter((e) => ignoredEntry(e.path, e.type === 'tree')).map((e) => `${folder}/${e.path}${e.type === 'tree' ? '/' : ''}`);
    },
  };
}

/** The part of a commit under `prefix`, with paths relative to it: what an edgeops repository in a subfolder sees. */
export function subfolderSource(source: GitSource, prefix: string): GitSource {
  if (prefix === '') return source;
  const inside = (p: string) => `${prefix}/${p}`;
  return {
    commit: source.commit,
    description: `${source.description} ${prefix}/`,
    pathPrefix: prefix,
    async list(folder) {
      const files = await source.list(inside(folder));
      return files?.map((f) => ({ ...f, path: f.path.slice(prefix.length + 1) }));
    },
    treeOid: source.treeOid && ((folder) => source.treeOid!(inside(folder))),
    readFile: (file) => source.readFile(inside(file)),
    ignored: source.ignored && (async (folder) => (await source.ignored!(inside(folder))).map((p) => p.slice(prefix.length + 1))),
  };
}
