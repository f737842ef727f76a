/**
 * Reads a rendered tree (`devices/<xx>/<encoded id>.json`), read-only: from the
 * `edgeops/rendered` branch of a git repository (isomorphic-git; bare or not)
 * or from a plain folder with the same layout.
 */
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import git, { type CallbackFsClient, type PromiseFsClient } from 'isomorphic-git';
import { DEVICES_FOLDER, deviceIdOfFileName } from '../core/manifest/layout.js';
import { openRepository, resolveCommit, RefError, type GitRepository } from './git.js';
import { RENDERED_BRANCH } from './sinks/git.js';

export interface RenderedFile {
  readonly deviceId: string;
  /** `devices/<xx>/<encoded id>.json` */
  readonly path: string;
  /** The git blob id: equal oids mean equal manifests (every device on a deployment shares one). */
  readonly oid?: string;
  read(): Promise<Uint8Array>;
}

export interface Rendering {
  /** For messages: `<dir> (edgeops/rendered <sha>)` or the folder. */
  readonly description: string;
  /** The rendering commit's time (RFC 3339), when it comes from git. */
  readonly committedAt?: string;
  /** Every device file, in path order. */
  files(): AsyncIterable<RenderedFile>;
}

/** The rendering cannot be read at all (no branch, no devices/ folder). */
export class RenderingError extends Error {}

const compare = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
const byPath = (a: { path: string }, b: { path: string }): number => compare(a.path, b.path);
const byName = (a: { name: string }, b: { name: string }): number => compare(a.name, b.name);

function gitdirOf(dir: string): string | undefined {
  if (existsSync(path.join(dir, '.git'))) return path.join(dir, '.git');
  if (existsSync(path.join(dir, 'HEAD')) && existsSync(path.join(dir, 'objects'))) return dir;
  return undefined;
}

async function gitRendering(repo: GitRepository, display: string): Promise<Rendering> {
  const { fs, dir, gitdir, cache } = repo;
  let commit: string;
  try {
    commit = await resolveCommit(repo, RENDERED_BRANCH);
  } catch (e) {
    if (e instanceof RefError) throw new RenderingError(`${display} has no ${RENDERED_BRANCH} branch: run 'edgeops apply' first`);
    throw e;
  }
  const { commit: info } = await git.readCommit({ fs, dir, gitdir, oid: commit, cache });
  const committedAt = new Date(info.committer.timestamp * 1000).toISOString().replace('.000Z', 'Z');
  return {
    description: `${display} (${RENDERED_BRANCH} ${commit.slice(0, 7)})`,
    committedAt,
    async *files() {
      let shards;
      try {
        shards = (await git.readTree({ fs, dir, gitdir, oid: commit, filepath: DEVICES_FOLDER, cache })).tree;
      } catch (e) {
        if ((e as { code?: string }).code === 'NotFoundError') return;
        throw e;
      }
      for (const shard of shards.filter((e) => e.type === 'tree').sort(byPath)) {
        const { tree } = await git.readTree({ fs, dir, gitdir, oid: shard.oid, cache });
        for (const entry of tree.filter((e) => e.type === 'blob').sort(byPath)) {
          const deviceId = deviceIdOfFileName(entry.path);
          if (deviceId === undefined) continue;
          yield {
            deviceId,
            path: `${DEVICES_FOLDER}/${shard.path}/${entry.path}`,
            oid: entry.oid,
            read: async () => (await git.readBlob({ fs, dir, gitdir, oid: entry.oid, cache })).blob,
          };
        }
      }
    },
  };
}

function folderRendering(dir: string, display: string): Rendering {
  const devices = path.join(dir, DEVICES_FOLDER);
  if (!existsSync(devices) || !statSync(devices).isDirectory()) {
    throw new RenderingError(
      `${display} has no ${DEVICES_FOLDER}/ folder and is not a git repository: point --from at a rendering ('edgeops apply' writes one)`,
    );
  }
  return {
    description: display,
    async *files() {
      for (const shard of (await readdir(devices, { withFileTypes: true })).filter((e) => e.isDirectory()).sort(byName)) {
        const names = (await readdir(path.join(devices, shard.name), { withFileTypes: true })).filter((e) => e.isFile()).sort(byName);
        for (const entry of names) {
          const deviceId = deviceIdOfFileName(entry.name);
          if (deviceId === undefined) continue;
          const full = path.join(devices, shard.name, entry.name);
          yield { deviceId, path: `${DEVICES_FOLDER}/${shard.name}/${entry.name}`, read: async () => readFile(full) };
        }
      }
    },
  };
}

/**
 * The rendering at `dir`: the `edgeops/rendered` branch when `dir` is a git
 * repository, else the folder itself. `display` names it in messages.
 */
export async function openRendering(dir: string, options: { fs: CallbackFsClient | PromiseFsClient; display?: string }): Promise<Rendering> {
  const display = options.display ?? dir;
  if (!existsSync(dir)) throw new RenderingError(`${display} does not exist: run 'edgeops apply' first, or point --from at a rendered folder`);
  const gitdir = gitdirOf(dir);
  if (gitdir) return gitRendering(openRepository({ fs: options.fs, dir, gitdir }), display);
  return folderRendering(dir, display);
}
