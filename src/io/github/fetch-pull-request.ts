/**
 * Reads a pull request with git, not with thousands of API calls: isomorphic-git
 * fetches into a persistent bare cache repository per repository id, only what the
 * plan needs (one ref at a time, shallow), authenticated with the installation
 * token as GitHub expects (`x-access-token`).
 *
 * head = GitHub's test merge commit `refs/pull/<n>/merge`, base = its first parent:
 * exactly what merging would change. GitHub computes that ref asynchronously, so it
 * is used only when its second parent is the pull request's head; otherwise the
 * pull request is asked for (which starts the computation) and the fetch retried
 * briefly, and then head = `refs/pull/<n>/head`, base = `pull_request.base.sha`.
 *
 * Nothing is ever removed from a git repository by fetching: every event adds a pack,
 * and a fleet that changes adds its new blobs. So a cache repository that holds too
 * many packs or bytes is retired and the next fetch starts a fresh one beside it
 * (`<id>.git`, then `<id>.1.git`, …): one fetch of the base again, then small packs.
 * A retired repository is deleted once plans that started on it are long done.
 */
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import git, { type HttpClient, type PromiseFsClient, type CallbackFsClient } from 'isomorphic-git';
import { withPackListingCache } from '../pack-listing.js';
import { openRepository, type GitRepository } from '../git.js';

export interface PullRequestRefs {
  readonly repositoryId: number;
  readonly cloneUrl: string;
  readonly number: number;
  /** The base branch name (`main`). */
  readonly baseRef: string;
  readonly baseSha: string;
  readonly headSha: string;
}

export interface FetchedPullRequest {
  readonly repo: GitRepository;
  readonly base: string;
  readonly head: string;
  /** False when the merge ref was missing or stale: head is the pull request's head, base is `baseSha`. */
  readonly merge: boolean;
}

export interface FetchOptions {
  /** The installation token (never logged). */
  readonly token: string;
  /**
   * Asks GitHub for the pull request, which starts computing the merge ref; says
   * whether it can merge (`false`: conflicts, no merge ref will come).
   */
  readonly refreshMerge?: () => Promise<{ readonly mergeable?: boolean | null }>;
}

export interface RepositoryCacheOptions {
  readonly fs: CallbackFsClient | PromiseFsClient;
  readonly http: HttpClient;
  /** EDGEOPS_CACHE_DIR: one bare repository per repository id inside. */
  readonly dir: string;
  /** How often the merge ref is fetched again after asking for the pull request (default 2). */
  readonly mergeRetries?: number;
  /** Milliseconds between those fetches (default 1000). */
  readonly retryDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** A cache repository with more packs than this is retired (default 256). */
  readonly maxPacks?: number;
  /** A cache repository whose packs hold more bytes than this is retired (default 4 GiB). */
  readonly maxBytes?: number;
  /** A retired cache repository is deleted this long after (default 15 minutes: a plan takes seconds). */
  readonly retiredForMs?: number;
  readonly now?: () => number;
}

const DEFAULT_MAX_PACKS = 256;
const DEFAULT_MAX_BYTES = 4 * 1024 ** 3;
const DEFAULT_RETIRED_FOR_MS = 15 * 60_000;

/** The packs of a repository: how many and their bytes (none when it has no pack folder yet). */
function packsOf(gitdir: string): { count: number; bytes: number } {
  const folder = path.join(gitdir, 'objects', 'pack');
  let names: string[];
  try {
    names = readdirSync(folder).filter((n) => n.endsWith('.pack'));
  } catch {
    return { count: 0, bytes: 0 };
  }
  let bytes = 0;
  for (const name of names) bytes += statSync(path.join(folder, name), { throwIfNoEntry: false })?.size ?? 0;
  return { count: names.length, bytes };
}

/** `<id>.git` is generation 0, `<id>.<n>.git` generation n. */
const generationDir = (root: string, id: number, generation: number): string => path.join(root, generation === 0 ? `${id}.git` : `${id}.${generation}.git`);

/** The generations of repository `id` found in `root`, newest last. */
function generationsIn(root: string, id: number): number[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const pattern = new RegExp(`^${id}(?:\\.(\\d+))?\\.git$`);
  return names
    .map((n) => pattern.exec(n))
    .filter((m) => m !== null)
    .map((m) => Number(m[1] ?? 0))
    .sort((a, b) => a - b);
}

/** Where the cache keeps what it fetched (its own namespace: nothing else writes there). */
const LOCAL = 'refs/edgeops';

export interface RepositoryCache {
  /** Fetches what a plan of the pull request needs, and says which commits to compare. */
  fetchPullRequest(pr: PullRequestRefs, options: FetchOptions): Promise<FetchedPullRequest>;
  /** The bare repository of a repository id (opened once, so its pack cache stays warm). */
  repository(repositoryId: number): GitRepository;
}

export function repositoryCache(options: RepositoryCacheOptions): RepositoryCache {
  const { http } = options;
  // The cache repositories are this process's alone: their pack listings can be remembered.
  const fs = withPackListingCache(options.fs);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const handles = new Map<number, GitRepository>();
  const ready = new Map<number, Promise<void>>();
  // Fetches into one repository run one at a time (they write packs, refs and the shallow file).
  const locks = new Map<number, Promise<unknown>>();
  const now = options.now ?? Date.now;
  // The generation in use per repository id, and retired repositories with when they were retired.
  const generations = new Map<number, number>();
  const retired: { dir: string; at: number }[] = [];

  const generation = (id: number): number => {
    let g = generations.get(id);
    if (g === undefined) {
      // After a restart no plan is running: older generations go at once.
      const found = generationsIn(options.dir, id);
      g = found.at(-1) ?? 0;
      for (const old of found.slice(0, -1)) rmSync(generationDir(options.dir, id, old), { recursive: true, force: true });
      generations.set(id, g);
    }
    return g;
  };

  /** Retires the repository of `id` when it grew past the limits; deletes retired ones whose time is up. */
  const rotate = (id: number): void => {
    for (let i = retired.length - 1; i >= 0; i--) {
      if (now() - retired[i].at < (options.retiredForMs ?? DEFAULT_RETIRED_FOR_MS)) continue;
      rmSync(retired[i].dir, { recursive: true, force: true });
      retired.splice(i, 1);
    }
    const current = generation(id);
    const dir = generationDir(options.dir, id, current);
    const { count, bytes } = packsOf(dir);
    if (count <= (options.maxPacks ?? DEFAULT_MAX_PACKS) && bytes <= (options.maxBytes ?? DEFAULT_MAX_BYTES)) return;
    retired.push({ dir, at: now() });
    generations.set(id, current + 1);
    handles.delete(id);
    ready.delete(id);
  };

  const repository = (id: number): GitRepository => {
    let handle = handles.get(id);
    if (!handle) {
      const dir = generationDir(options.dir, id, generation(id));
      handle = openRepository({ fs, dir, gitdir: dir });
      handles.set(id, handle);
    }
    return handle;
  };

  const init = (id: number): Promise<void> => {
    let p = ready.get(id);
    if (!p) {
      const repo = repository(id);
      p = (async () => {
        mkdirSync(repo.dir, { recursive: true });
        await git.init({ fs: repo.fs, dir: repo.dir, gitdir: repo.dir, bare: true });
        // A remote makes isomorphic-git's fetch bookkeeping work; the URL is passed on every fetch.
        await git.setConfig({ fs: repo.fs, gitdir: repo.dir, path: 'remote.origin.fetch', value: '+refs/heads/*:refs/remotes/origin/*' });
      })();
      ready.set(id, p);
      p.catch(() => ready.delete(id));
    }
    return p;
  };

  const locked = <T>(id: number, job: () => Promise<T>): Promise<T> => {
    const previous = locks.get(id) ?? Promise.resolve();
    const next = previous.then(job, job);
    locks.set(
      id,
      next.catch(() => undefined),
    );
    return next;
  };

  async function has(repo: GitRepository, oid: string): Promise<boolean> {
    try {
      await git.readCommit({ fs: repo.fs, gitdir: repo.dir, oid, cache: repo.cache });
      return true;
    } catch {
      return false;
    }
  }

  async function fetchRef(
    repo: GitRepository,
    url: string,
    token: string,
    remoteRef: string,
    local: string,
    depth: number,
    have?: string,
  ): Promise<string | undefined> {
    const onAuth = () => ({ username: 'x-access-token', password: token });
    // Sent up front: without it every request would first be refused (401), then repeated.
    const headers = { authorization: `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}` };
    try {
      const result = await git.fetch({
        fs: repo.fs,
        http,
        gitdir: repo.dir,
        cache: repo.cache,
        url,
        // `ref` names the local commit offered as "have", so the server sends only what is new.
        ref: have ?? local,
        remoteRef,
        singleBranch: true,
        depth,
        tags: false,
        headers,
        onAuth,
        onAuthFailure: () => ({ cancel: true }),
      });
      if (!result.fetchHead) return undefined;
      await git.writeRef({ fs: repo.fs, gitdir: repo.dir, ref: local, value: result.fetchHead, force: true });
      return result.fetchHead;
    } catch (e) {
      // A ref the server does not advertise (no merge ref yet); anything else is a real failure.
      if ((e as { code?: string }).code === 'NotFoundError' && /^refs\//.test(remoteRef)) return undefined;
      throw e;
    }
  }

  async function parents(repo: GitRepository, oid: string): Promise<string[]> {
    return (await git.readCommit({ fs: repo.fs, gitdir: repo.dir, oid, cache: repo.cache })).commit.parent;
  }

  return {
    repository,
    fetchPullRequest(pr, fetchOptions) {
      return locked(pr.repositoryId, async () => {
        rotate(pr.repositoryId);
        await init(pr.repositoryId);
        const repo = repository(pr.repositoryId);
        const { token } = fetchOptions;
        const baseLocal = `${LOCAL}/heads/${pr.baseRef}`;
        const mergeLocal = `${LOCAL}/pull/${pr.number}/merge`;
        const headLocal = `${LOCAL}/pull/${pr.number}/head`;
        // The base branch first: later fetches of the pull request then bring only its own objects.
        await fetchRef(repo, pr.cloneUrl, token, `refs/heads/${pr.baseRef}`, baseLocal, 1);

        const tryMerge = async (): Promise<FetchedPullRequest | undefined> => {
          const have = (await git.resolveRef({ fs: repo.fs, gitdir: repo.dir, ref: mergeLocal }).catch(() => undefined)) ? mergeLocal : baseLocal;
          // depth 2: the merge commit and both its parents (base = first parent must be there).
          const merge = await fetchRef(repo, pr.cloneUrl, token, `refs/pull/${pr.number}/merge`, mergeLocal, 2, have);
          if (!merge) return undefined;
          const [first, second] = await parents(repo, merge);
          if (second !== pr.headSha || !first) return undefined;
          return { repo, base: first, head: merge, merge: true };
        };

        let found = await tryMerge();
        const retries = options.mergeRetries ?? 2;
        for (let attempt = 0; !found && fetchOptions.refreshMerge && attempt < retries; attempt++) {
          const { mergeable } = await fetchOptions.refreshMerge();
          if (mergeable === false) break; // conflicts: GitHub will not make a merge commit
          if (mergeable === null || mergeable === undefined) await sleep(options.retryDelayMs ?? 1000);
          found = await tryMerge();
        }
        if (found) return found;

        const head = await fetchRef(repo, pr.cloneUrl, token, `refs/pull/${pr.number}/head`, headLocal, 1, baseLocal);
        if (!head) throw new Error(`the server has no refs/pull/${pr.number}/head`);
        if (head !== pr.headSha && !(await has(repo, pr.headSha))) {
          await fetchRef(repo, pr.cloneUrl, token, pr.headSha, `${LOCAL}/commits/${pr.headSha}`, 1, baseLocal);
        }
        if (!(await has(repo, pr.baseSha))) await fetchRef(repo, pr.cloneUrl, token, pr.baseSha, `${LOCAL}/commits/${pr.baseSha}`, 1, baseLocal);
        return { repo, base: pr.baseSha, head: pr.headSha, merge: false };
      });
    },
  };
}
