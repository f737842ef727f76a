/** `--repo DIR [--ref REF]`: the working tree, or a commit read with isomorphic-git. */
import path from 'node:path';
import { diskSource } from '../io/disk.js';
import { gitSource, RefError } from '../io/git.js';
import type { Source } from '../io/source.js';
import { UsageError, type CliContext } from './context.js';

export async function openSource(ctx: CliContext, repo: string, ref: string | undefined): Promise<Source> {
  const dir = path.resolve(ctx.cwd, repo);
  if (ref === undefined) return diskSource(dir);
  try {
    return await gitSource(dir, ref);
  } catch (e) {
    if (e instanceof RefError) throw new UsageError(e.message);
    throw e;
  }
}
