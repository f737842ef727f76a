/** `--repo DIR [--ref REF]`: the working tree, or a commit read with isomorphic-git. */
import fs from 'node:fs';
import path from 'node:path';
import { diskSource } from '../io/disk.js';
import { keptColumns } from '../io/edgeops-folder.js';
import type { GitRepository } from '../io/git.js';
import { findGitRoot } from '../io/git-root.js';
import { ignoredEntry, type Source } from '../io/source.js';
import { OperationError, UsageError, type CliContext } from './context.js';

// One handle per git repository for the command's run: a plan's base and head share the pack cache.
const repositories = new Map<string, GitRepository>();

/**
 * `--repo` may be a subfolder of a larger git repository (a monorepo): the git
 * root is found by walking up, each commit is read in the subfolder, and
 * `pathPrefix` says where the subfolder is. An unknown ref throws `OperationError`.
 */
export async function openSource(ctx: CliContext, repo: string, ref: string | undefined): Promise<Source> {
  const dir = path.resolve(ctx.cwd, repo);
  const found = findGitRoot(dir, fs.existsSync);
  // Clean fleet files' columns kept in .edgeops/ by blob id: an unchanged fleet is not scanned again.
  const columns = found && keptColumns(dir, ctx.env);
  if (ref === undefined) {
    const disk: Source = { ...diskSource(dir, found, { columns }), ignored: (folder) => ignoredOnDisk(dir, folder) };
    return found && found.prefix !== '' ? { ...disk, pathPrefix: found.prefix } : disk;
  }
  // isomorphic-git is loaded only to read commits.
  const { gitSource, InvalidRefError, RefError, subfolderSource, withIgnored } = await import('../io/git.js');
  const { openCheckout } = await import('../io/checkout.js');
  const root = found?.root ?? dir;
  let handle = repositories.get(root);
  if (!handle) repositories.set(root, (handle = openCheckout(root)));
  try {
    const source = subfolderSource(withIgnored(await gitSource(handle, ref), handle), found?.prefix ?? '');
    return columns ? { ...source, columns } : source;
  } catch (e) {
    // `../../x` is not a ref name: a usage mistake (exit 2), never read as a path.
    if (e instanceof InvalidRefError) throw new UsageError(e.message);
    // The command line was right; the repository does not have that ref: exit 1, not 2.
    if (e instanceof RefError) throw new OperationError(e.message);
    throw e;
  }
}

async function ignoredOnDisk(dir: string, folder: string): Promise<string[]> {
  try {
    const entries = await fs.promises.readdir(path.join(dir, folder), { withFileTypes: true });
    return entries.filter((e) => ignoredEntry(e.name, e.isDirectory())).map((e) => `${folder}/${e.name}${e.isDirectory() ? '/' : ''}`);
  } catch {
    return [];
  }
}
