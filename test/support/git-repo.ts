/** Real git repositories in temp dirs, made with the git CLI (the code under test reads them with isomorphic-git). */
import fs from 'node:fs';
import { openRepository, type GitRepository } from '../../src/io/git.js';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestRepo {
  readonly dir: string;
  /** Writes files (null deletes), commits, returns the commit SHA. */
  commit(files: Record<string, string | null>, message?: string): string;
  /** Writes files (null deletes) without committing. */
  write(files: Record<string, string | null>): void;
  git(...args: string[]): string;
}

export function testRepo(): TestRepo {
  const dir = mkdtempSync(path.join(tmpdir(), 'edgeops-git-'));
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
    }).trim();
  git('init', '-q', '-b', 'main');
  const write = (files: Record<string, string | null>) => {
    for (const [file, text] of Object.entries(files)) {
      const full = path.join(dir, file);
      if (text === null) rmSync(full, { force: true });
      else {
        mkdirSync(path.dirname(full), { recursive: true });
        writeFileSync(full, text);
      }
    }
  };
  return {
    dir,
    write,
    git,
    commit(files, message = 'change') {
      write(files);
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD');
    },
  };
}

/** An isomorphic-git handle on a test repository (node:fs). */
export const handle = (dir: string): GitRepository => openRepository({ fs, dir });
