/**
 * A source over a git commit, read with isomorphic-git: no checkout, no git CLI.
 * Only the trees and blobs under the folders asked for are read.
 */
import git, { type CallbackFsClient, type PromiseFsClient } from 'isomorphic-git';
import { atomicWrites } from './atomic-fs.js';
import { bounded } from './bounded-reads.js';
import { ignoredEntry, isYamlFile, notAFolderEntry, symlinkEntry, type Source } from './source.js';

/** A ref that is not a ref name or a SHA, or names nothing here: a usage mistake. */
export class RefError extends Error {}

/** A ref that is not a ref name by git's rules or a SHA: a mistake on the command line. */
export class InvalidRefError extends RefError {}

/**
 * Git data this clone does not have or cannot read (a shallow or partial clone,
 * a damaged object): an error of the run (exit 1) that names the commit, the path
 * and what to do, never an empty side or a stack trace.
 */
export class GitDataError extends Error {
  // Faces match the name: importing this module (and isomorphic-git) just to test an error would slow every start.
  override name = 'GitDataError';
}

/**
 * `git check-ref-format` rules, so a ref can never be read as a path (`../../x`):
 * no `..`, `@{`, `//`, control characters, space or any of ~^:?*[\ inside a name
 * (a trailing `~N`/`^` is split off before), no component starting with `.` or
 * ending with `.lock`, no leading or trailing `/`, no trailing `.`, not `@` alone.
 */
export function isValidRefName(name: string): boolean {
  if (name === '' || name === '@' || name.length > 1024) return false;
  // eslint-disable-next-line no-control-regex -- control characters are what this is about
  if (/[\u0000-\u0020\u007f~^:?*[\\]|\.\.|@\{|\/\/|^\/|\/$|\.$/.test(name)) return false;
  return name.split('/').every((c) => c !== '' && !c.startsWith('.') && !c.endsWith('.lock'));
}

const short = (oid: string): string => oid.slice(0, 7);
const errorCode = (e: unknown): string | undefined => (e as { code?: string } | undefined)?.code;
/** The oid isomorphic-git could not find, when the error is a missing object (not a missing path). */
function missingOid(e: unknown): string | undefined {
  if (errorCode(e) !== 'NotFoundError') return undefined;
  const what = String((e as { data?: { what?: unknown } }).data?.what ?? '');
  return /^[0-9a-f]{40}$/.test(what) ? what : undefined;
}

async function readGitFile(repo: GitRepository, name: string): Promise<string | undefined> {
  const file = `${repo.gitdir ?? `${repo.dir}/.git`}/${name}`;
  const fs = repo.fs as unknown as {
    promises?: { readFile(p: string): Promise<unknown> };
    readFile?: (p: string, cb: (e: unknown, d: unknown) => void) => void;
  };
  try {
    if (fs.promises) return String(await fs.promises.readFile(file));
    return await new Promise<string>((resolve, reject) => fs.readFile!(file, (e, d) => (e ? reject(e) : resolve(String(d)))));
  } catch {
    return undefined;
  }
}

/** What kind of incomplete clone this is, for advice: shallow (missing history), partial (missing blobs), or neither. */
async function cloneKind(repo: GitRepository): Promise<{ shallow: boolean; partial: boolean }> {
  const [shallow, config] = await Promise.all([readGitFile(repo, 'shallow'), readGitFile(repo, 'config')]);
  return {
    shallow: shallow !== undefined && shallow.trim() !== '',
    partial: config !== undefined && /^\s*(promisor\s*=\s*true|partialclonefilter\s*=)/im.test(config),
  };
}

/** A missing commit: what is missing and how to get it. */
async function missingCommit(repo: GitRepository, oid: string, name: string): Promise<GitDataError> {
  const { shallow } = await cloneKind(repo);
  const why = shallow ? 'this is a shallow clone, so that history was not fetched' : 'the object is not in the repository (history cut off or damaged)';
  return new GitDataError(
    `commit ${short(oid)} (${name}) is not in ${repo.dir}: ${why}; fetch the history (\`git fetch --deepen=<n>\` or \`git fetch --unshallow\`; in GitHub Actions checkout with \`fetch-depth: 0\`) and run again`,
  );
}

/** Any failure to read git data below a commit, as a GitDataError naming the commit, the path and what to do. */
async function damaged(repo: GitRepository, e: unknown, commit: string, path: string): Promise<GitDataError> {
  if (e instanceof GitDataError || e instanceof RefError) return e;
  const oid = missingOid(e);
  const where = `${path} at commit ${short(commit)}`;
  if (oid !== undefined) {
    const { shallow, partial } = await cloneKind(repo);
    const fix = partial
      ? `this is a partial clone (--filter) without that content: fetch it (e.g. \`git show ${short(commit)}:${path}\` fetches it once) or use a full clone`
      : shallow
        ? 'this is a shallow clone without that object: fetch more history (`git fetch --unshallow`) or use a full clone'
        : 'the object is missing: run `git fsck`, then fetch again or re-clone';
    return new GitDataError(`cannot read ${where}: object ${short(oid)} is not in ${repo.dir}; ${fix}`);
  }
  const message = String((e as Error | undefined)?.message ?? e)
    // eslint-disable-next-line no-control-regex -- control characters are what this is about
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
    .slice(0, 200);
  return new GitDataError(`cannot read ${where}: the git data is damaged (${message}); run \`git fsck\` and fetch again or re-clone`);
}

/**
 * A repository handle: everything outside is passed in (the isomorphic-git
 * habit). `fs` is node:fs or any isomorphic-git fs client; `gitdir` defaults to
 * `<dir>/.git` (give `gitdir: dir` for a bare repository). Writes through the
 * handle's `fs` are atomic (see atomic-fs.ts). The handle owns the
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
  return { fs: atomicWrites(options.fs), dir: options.dir, gitdir: options.gitdir, cache: {} };
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
  if (!isValidRefName(name)) throw new InvalidRefError(`'${ref}' is not a valid ref name or SHA (see git check-ref-format)`);
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
  const read = async (at: string, label: string) => {
    try {
      return await git.readCommit({ fs, dir, gitdir, oid: at, cache });
    } catch (e) {
      if (missingOid(e) === at) throw await missingCommit(repo, at, label);
      if (errorCode(e) === 'ObjectTypeError') throw new RefError(`'${label}' does not name a commit in ${dir}`);
      throw await damaged(repo, e, at, '(the commit itself)');
    }
  };
  oid = (await read(oid, name)).oid;
  let walked = name;
  for (const step of suffix.match(/~\d*|\^1?/g) ?? []) {
    const n = step.startsWith('~') ? Number(step.slice(1) || '1') : 1;
    if (n > 100_000) throw new RefError(`'${ref}' goes back too far`);
    for (let i = 0; i < n; i++) {
      const { commit } = await read(oid, walked);
      if (commit.parent.length === 0) {
        const shallow = (await readGitFile(repo, 'shallow'))?.split('\n').includes(oid);
        if (shallow) throw await missingCommit(repo, oid, `the parent of ${walked}`);
        throw new RefError(`'${ref}' goes past the first commit`);
      }
      oid = commit.parent[0];
      walked = `${walked}~1`;
    }
  }
  // The commit must be here, with its tree: a shallow clone lists parents it does not have.
  const { commit: last } = await read(oid, ref);
  try {
    await git.readTree({ fs, dir, gitdir, oid: last.tree, cache });
  } catch (e) {
    throw await damaged(repo, e, oid, '(its root tree)');
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
      if (errorCode(e) === 'NotFoundError' && missingOid(e) === undefined) return undefined;
      // A blob where a folder is expected: the folder is not there.
      if (errorCode(e) === 'ObjectTypeError') return undefined;
      throw await damaged(repo, e, commit, filepath);
    }
  };
  return {
    commit,
    description: `${ref} (${commit.slice(0, 7)})`,
    async list(folder) {
      const tree = await readTreeAt(folder);
      if (!tree) {
        // Not a tree: absent, or a file or a link where the folder should be (never followed).
        const slash = folder.lastIndexOf('/');
        const parent = await readTreeAt(slash < 0 ? '' : folder.slice(0, slash));
        const entry = parent?.tree.find((e) => e.path === folder.slice(slash + 1));
        if (!entry) return undefined;
        return [notAFolderEntry(folder, entry.mode === '120000' ? 'a symbolic link' : 'a file')];
      }
      return tree.tree
        .filter((entry) => entry.type === 'blob' && isYamlFile(entry.path))
        .sort((a, b) => (a.path < b.path ? -1 : 1))
        .map((entry) =>
          entry.mode === '120000'
            ? symlinkEntry(`${folder}/${entry.path}`)
            : {
                path: `${folder}/${entry.path}`,
                oid: entry.oid,
                // Bounded: a loose object is a file of its own, and thousands are read together.
                read: () =>
                  bounded(async () => {
                    try {
                      return (await git.readBlob({ fs, dir, gitdir, oid: entry.oid, cache })).blob;
                    } catch (e) {
                      throw await damaged(repo, e, commit, `${folder}/${entry.path}`);
                    }
                  }),
              },
        );
    },
    async treeOid(folder) {
      return (await readTreeAt(folder))?.oid;
    },
    async readFile(path) {
      try {
        return (await git.readBlob({ fs, dir, gitdir, oid: commit, filepath: path, cache })).blob;
      } catch (e) {
        if (errorCode(e) === 'NotFoundError' && missingOid(e) === undefined) return undefined;
        throw await damaged(repo, e, commit, path);
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
