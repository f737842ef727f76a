/**
 * The git sink: one commit per apply on a branch (`edgeops/rendered`) of the
 * rendered repository, a local folder (the embedded default `.edgeops/rendered`,
 * a bare repository) or a remote URL (fetched, committed on top, pushed, all with
 * isomorphic-git). Two applies racing on one remote both land: a rejected push
 * fetches and redoes the commit on the new tip, and a rendering is never replaced
 * by one made from an older source.
 */
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import git, { type CallbackFsClient, type HttpClient, type PromiseFsClient } from 'isomorphic-git';
import type { ApplyChanges } from '../../core/apply/changes.js';
import { EDGEOPS_FOLDER, ensureIgnored } from '../edgeops-folder.js';
import { openRepository, type GitRepository } from '../git.js';
import { diffRendered, stateFolder } from './rendered-diff.js';
import { writeState } from './rendered-state.js';
import { prefetchShards } from './shard-prefetch.js';
import { branchTip, commitShards, readReceived, readRenderedTree, renderedMessage, setBranch, writeBlobs, type EntryChange } from './rendered-tree.js';
import { changeCount, NO_CHANGES, SinkError, type ApplySource, type Desired, type Sink, type SinkResult } from './sink.js';
import { newerSourceRendered } from './source-history.js';
import { moveBranch } from './ref-lock.js';

export const RENDERED_BRANCH = 'edgeops/rendered';
export const DEFAULT_RENDERED = `${EDGEOPS_FOLDER}/rendered`;

type Fs = CallbackFsClient | PromiseFsClient;

export interface RenderedRepositoryOptions {
  readonly fs: Fs;
  /** A local folder (a bare repository is created there on first write; an existing working copy is used as it is)… */
  readonly dir?: string;
  /** …or a remote URL, with `cacheDir` for the local copy and `http` to reach it. */
  readonly url?: string;
  readonly cacheDir?: string;
  readonly http?: HttpClient;
  /** Sent as Basic auth `x-access-token:<token>` (GitHub's convention). */
  readonly token?: string;
  /** A folder that must hold a `.gitignore` of `*` before anything is written in it (the working copy's `.edgeops/`). */
  readonly ignoredFolder?: string;
  /** How to show a local target (e.g. the path as the operator gave it); default the folder. */
  readonly label?: string;
}

/** The rendered repository: where branches are read, committed and published. */
export interface RenderedRepository {
  /** A path, or the URL without credentials. */
  readonly target: string;
  readonly repo: GitRepository;
  /** The branch's tip on the target (fetched first for a remote); `null` when it does not exist. */
  tip(branch: string): Promise<string | null>;
  /** A remote (its tip is known only once fetched). */
  readonly remote: boolean;
  /** Makes sure the local repository exists (before writing objects). */
  prepare(): Promise<void>;
  /** Moves the target's branch from `from` to `to`; `false` when it is no longer at `from` (someone else landed). */
  publish(branch: string, from: string | null, to: string): Promise<boolean>;
}

/** A URL without user name or password, for output. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}

export const isUrl = (target: string): boolean => /^https?:\/\//i.test(target);

const codeOf = (e: unknown): string | undefined => (e as { code?: string }).code;

export function openRenderedRepository(options: RenderedRepositoryOptions): RenderedRepository {
  const { fs } = options;
  if (options.url === undefined) {
    const dir = options.dir;
    if (!dir) throw new Error('a rendered repository needs a folder or a URL');
    // An existing working copy is used as it is; anything else is (or becomes) a bare repository.
    const gitdir = existsSync(path.join(dir, '.git')) ? path.join(dir, '.git') : dir;
    const repo = openRepository({ fs, dir, gitdir });
    const exists = () => existsSync(path.join(gitdir, 'HEAD'));
    return {
      target: options.label ?? dir,
      repo,
      remote: false,
      tip: async (branch) => (exists() ? branchTip(repo, branch) : null),
      async prepare() {
        if (exists()) return;
        await ensureIgnored(options.ignoredFolder, dir);
        await git.init({ fs: repo.fs, dir, gitdir, bare: true, defaultBranch: RENDERED_BRANCH });
      },
      publish: (branch, from, to) => moveBranch(repo, branch, from, to),
    };
  }

  const url = options.url;
  const target = displayUrl(url);
  const http = options.http;
  if (!http) throw new Error('a remote rendered repository needs an http client');
  const cacheDir = options.cacheDir;
  if (!cacheDir) throw new Error('a remote rendered repository needs a cache folder');
  const repo = openRepository({ fs, dir: cacheDir, gitdir: cacheDir });
  const token = options.token;
  const auth = {
    onAuth: () => (token ? { username: 'x-access-token', password: token } : undefined),
    // Asked again after a refusal: give up rather than loop.
    onAuthFailure: () => ({ cancel: true }),
  };
  const prepare = async () => {
    if (existsSync(path.join(cacheDir, 'HEAD'))) return;
    await ensureIgnored(options.ignoredFolder, cacheDir);
    await git.init({ fs: repo.fs, dir: cacheDir, gitdir: cacheDir, bare: true, defaultBranch: RENDERED_BRANCH });
    // The URL as given (it may hold credentials) stays in this private copy's config, never in output.
    await git.addRemote({ fs: repo.fs, dir: cacheDir, gitdir: cacheDir, remote: 'origin', url, force: true });
  };
  const remoteError = (e: unknown, doing: string): Error => {
    const status = (e as { data?: { statusCode?: number } }).data?.statusCode;
    const code = codeOf(e);
    if (status === 401 || status === 403 || code === 'UserCanceledError') {
      return new SinkError(
        `${target}: ${doing} refused (${status ? `HTTP ${status}` : 'authentication failed'}): ` +
          (token ? 'check EDGEOPS_GIT_TOKEN or GITHUB_TOKEN (it needs write access to the repository)' : 'set EDGEOPS_GIT_TOKEN or GITHUB_TOKEN'),
      );
    }
    if (code === 'HttpError' || code === 'SmartHttpError') return new SinkError(`${target}: ${doing} failed: ${(e as Error).message}`);
    if (code === 'NotFoundError' && /HEAD/.test((e as Error).message)) {
      return new SinkError(`${target}: its HEAD names no branch (isomorphic-git needs one to fetch): push a default branch to it first`);
    }
    if (['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'ETIMEDOUT'].includes(code ?? '')) return new SinkError(`${target}: ${doing} failed: ${code}`);
    return e as Error;
  };
  return {
    target,
    repo,
    remote: true,
    prepare,
    async tip(branch) {
      await prepare();
      try {
        const refs = await git.listServerRefs({ http, url, prefix: `refs/heads/${branch}`, ...auth });
        if (!refs.some((r) => r.ref === `refs/heads/${branch}`)) return null;
        const fetched = await git.fetch({
          fs: repo.fs,
          http,
          dir: cacheDir,
          gitdir: cacheDir,
          cache: repo.cache,
          url,
          ref: branch,
          singleBranch: true,
          tags: false,
          depth: 1,
          ...auth,
        });
        return fetched.fetchHead;
      } catch (e) {
        throw remoteError(e, 'fetch');
      }
    },
    async publish(branch, _from, to) {
      await setBranch(repo, branch, to);
      try {
        await git.push({ fs: repo.fs, http, dir: cacheDir, gitdir: cacheDir, cache: repo.cache, url, ref: branch, remoteRef: branch, ...auth });
        return true;
      } catch (e) {
        // Rejected because the branch moved since we fetched it: fetch and redo.
        if (['PushRejectedError', 'GitPushError', 'NotFoundError'].includes(codeOf(e) ?? '')) return false;
        throw remoteError(e, 'push');
      }
    },
  };
}

/** The local copy of a remote rendered repository: one folder per URL under `.edgeops/remotes/`. */
export const remoteCacheDir = (edgeopsFolder: string, url: string): string =>
  path.join(edgeopsFolder, 'remotes', createHash('sha256').update(displayUrl(url)).digest('hex').slice(0, 16));

/**
 * The rendered repository `to` names, as every face reads it: a URL (fetched into a
 * cache under `.edgeops/remotes/`), or a folder relative to `baseDir` (the edgeops
 * repository). `.edgeops/` is kept out of the operator's git status either way.
 */
export function openRenderedTarget(options: {
  readonly fs: CallbackFsClient | PromiseFsClient;
  readonly http: HttpClient;
  readonly to: string;
  readonly baseDir: string;
  readonly token?: string;
}): RenderedRepository {
  const { fs, http, to, baseDir, token } = options;
  const edgeopsFolder = path.join(baseDir, EDGEOPS_FOLDER);
  return isUrl(to)
    ? openRenderedRepository({ fs, url: to, http, token, cacheDir: remoteCacheDir(edgeopsFolder, to), ignoredFolder: edgeopsFolder })
    : openRenderedRepository({ fs, dir: path.resolve(baseDir, to), label: to, ignoredFolder: edgeopsFolder });
}

/** The entry changes of a change set: add and update write the deployment's blob, remove deletes. */
export function entryChanges(changes: Pick<ApplyChanges, 'add' | 'update' | 'remove'>): EntryChange[] {
  const out: EntryChange[] = [];
  for (const d of changes.add) out.push({ deviceId: d.deviceId, blob: d.key });
  for (const d of changes.update) out.push({ deviceId: d.deviceId, blob: d.key });
  for (const deviceId of changes.remove) out.push({ deviceId, blob: null });
  return out;
}

/** Writes the blobs of the deployments a change set uses (their ids are the keys it carries). */
export async function writeManifestBlobs(repo: GitRepository, changes: Pick<ApplyChanges, 'add' | 'update'>, desired: Desired): Promise<void> {
  const used = new Set<string>();
  for (const d of changes.add) used.add(d.deployment);
  for (const d of changes.update) used.add(d.deployment);
  const texts = [...used].map((id) => {
    const m = desired.manifests.get(id);
    if (!m) throw new Error(`no rendered manifest for deployment '${id}'`);
    return m.json;
  });
  await writeBlobs(repo, texts);
}

export interface RetryOptions {
  /** Attempts after the first when the branch moved meanwhile (default 8). */
  readonly retries?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Commits `desired` on top of a branch and publishes it, redoing it on the new
 * tip when someone else landed first. `decide` may stop before writing (a newer
 * source is there).
 */
export async function commitOnBranch(
  rendered: RenderedRepository,
  branch: string,
  desired: Desired,
  source: ApplySource,
  options: RetryOptions & { now?: () => Date; sourceRepo?: GitRepository; title?: string },
): Promise<SinkResult> {
  const retries = options.retries ?? 8;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  for (let attempt = 0; ; attempt++) {
    const tip = await rendered.tip(branch);
    const base = await readRenderedTree(rendered.repo, tip);
    const skipped = options.sourceRepo ? await newerSourceRendered(options.sourceRepo, source.commit, base.source) : null;
    if (skipped) return { changes: NO_CHANGES, failed: [], commit: tip ?? undefined, skipped };
    const { changes, shards, state, patched } = await diffRendered(rendered.repo, base, desired);
    // Each commit's state, kept for the next apply's diff (rendered-state.ts).
    const keepState = (commit: string) => {
      const gitdir = stateFolder(rendered.repo);
      if (gitdir) writeState(gitdir, commit, state);
    };
    if (changeCount(changes) === 0) {
      if (tip && !patched) keepState(tip);
      return { changes, failed: [], commit: tip ?? undefined };
    }
    await rendered.prepare();
    await writeManifestBlobs(rendered.repo, changes, desired);
    const message = renderedMessage(source.commit, changes.add.length + changes.update.length, changes.remove.length, options.title);
    const { commit } = await commitShards(rendered.repo, base, shards, { message, date: (options.now ?? (() => new Date()))() });
    keepState(commit);
    if (await rendered.publish(branch, tip, commit)) return { changes, failed: [], commit };
    if (attempt >= retries) throw new SinkError(`${rendered.target}: ${branch} kept moving while we applied; gave up after ${attempt + 1} attempts`);
    // Jittered, growing pauses so two racing applies do not collide again in step.
    await sleep(Math.min(2000, 50 * 2 ** attempt) * (0.5 + random()));
  }
}

export interface GitSinkOptions extends RetryOptions {
  readonly rendered: RenderedRepository;
  /** Default `edgeops/rendered`. */
  readonly branch?: string;
  /** The operator's repository, to tell whether the rendering on the target comes from a newer commit. */
  readonly sourceRepo?: GitRepository;
  readonly now?: () => Date;
}

export function gitSink(options: GitSinkOptions): Sink {
  const { rendered } = options;
  const branch = options.branch ?? RENDERED_BRANCH;
  return {
    kind: 'git',
    target: rendered.target,
    async received() {
      return readReceived(rendered.repo, await readRenderedTree(rendered.repo, await rendered.tip(branch)));
    },
    readAhead() {
      // A local rendering's shards, read on a worker while the source loads (a remote's tip is known only after a fetch).
      const gitdir = stateFolder(rendered.repo);
      if (rendered.remote || !gitdir) return;
      prefetchShards(rendered.repo, gitdir, branch);
    },
    async apply(desired, source, hooks) {
      const result = await commitOnBranch(rendered, branch, desired, source, options);
      const done = changeCount(result.changes);
      hooks?.onProgress?.(done, done);
      return result;
    },
  };
}
