/**
 * `.edgeops/`: what edgeops keeps inside an operator's working copy (the embedded
 * rendered repository, kept columns), ignored by git through its own `.gitignore`
 * so that it never shows as untracked.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { columnCache, type ColumnCache } from './column-cache.js';

export const EDGEOPS_FOLDER = '.edgeops';

/** Makes `folder` with a `.gitignore` of `*`, when `inside` (what is about to be written) is in it. */
export async function ensureIgnored(folder: string | undefined, inside: string): Promise<void> {
  if (!folder || path.relative(folder, inside).startsWith('..')) return;
  await mkdir(folder, { recursive: true });
  const file = path.join(folder, '.gitignore');
  if (!existsSync(file)) await writeFile(file, '*\n');
}

/**
 * The kept columns of the repository at `repoDir` (`.edgeops/cache/columns/`): read
 * by every command, written by an apply that wrote (`flushKeptColumns`); none when
 * `EDGEOPS_CACHE` is `off`.
 */
export function keptColumns(repoDir: string, env: Readonly<Record<string, string | undefined>>): ColumnCache | undefined {
  if (env.EDGEOPS_CACHE === 'off') return undefined;
  return columnCache(path.join(repoDir, EDGEOPS_FOLDER, 'cache', 'columns'));
}

/** Writes the columns an apply read, in `.edgeops/` (made, ignored by git, if it is not there). */
export async function flushKeptColumns(repoDir: string, columns: ColumnCache | undefined): Promise<void> {
  if (!columns) return;
  const folder = path.join(repoDir, EDGEOPS_FOLDER);
  await ensureIgnored(folder, folder).catch(() => undefined);
  columns.flush();
}
