/** `--repo DIR [--ref REF]`: the working tree, or a commit read with isomorphic-git. */
import fs from 'node:fs';
import path from 'node:path';
import { diskSource } from '../io/disk.js';
import type { GitRepository } from '../io/git.js';
import type { Source } from '../io/source.js';
import { UsageError, type CliContext } from './context.js';

// One handle per folder for the command's run: a plan's base and head share the pack cache.
const repositories = new Map<string, GitRepository>();

export async function openSource(ctx: CliContext, repo: string, ref: string | undefined): Promise<Source> {
  const dir = path.resolve(ctx.cwd, repo);
  if (ref === undefined) return diskSource(dir);
  // isomorphic-git is loaded only to read commits.
  const { gitSource, openRepository, RefError } = await import('../io/git.js');
  let handle = repositories.get(dir);
  if (!handle) repositories.set(dir, (handle = openRepository({ fs, dir })));
  try {
    return await gitSource(handle, ref);
  } catch (e) {
    if (e instanceof RefError) throw new UsageError(e.message);
    throw e;
  }
}
