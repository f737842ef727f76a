/**
 * Where a repository's files come from. Everything outside is passed in (the
 * isomorphic-git habit): the same loading runs on a folder, a git commit or the
 * GitHub API, and tests hand in an in-memory source.
 */
import type { DiagnosticCode, Severity } from '../core/diagnostics.js';
import type { ColumnCache } from './column-cache.js';

export interface SourceFile {
  /** Repository-relative, with forward slashes: `fleet/west.yaml`. */
  readonly path: string;
  /** The git blob id, when the source knows it: equal oids mean equal content, so parses are reused. */
  readonly oid?: string;
  /**
   * Set when the entry is not read (a symbolic link, a file where a folder should
   * be): the loader reports it at `path` instead of reading it.
   */
  readonly problem?: { readonly severity: Severity; readonly code: DiagnosticCode; readonly message: string };
  read(): Promise<Uint8Array>;
  /**
   * Each `read` returns a new buffer that nothing else holds (a file read from disk):
   * the reader may move it to another thread instead of copying it.
   */
  readonly owned?: boolean;
  /**
   * Where the file is on this machine, when it is a plain file on disk whose bytes
   * nothing holds yet: a reader may read it piece by piece as it goes (a large fleet
   * file) instead of whole with `read`.
   */
  readonly localPath?: string;
}

export interface Source {
  /** For messages: a folder path, `git:REF (sha)`, …. */
  readonly description: string;
  /**
   * Where the repository sits inside its git repository (`infra/edge`), when not at
   * its root: GitHub annotations name files relative to the git root.
   */
  readonly pathPrefix?: string;
  /** The YAML files directly inside a folder of the repository; `undefined` when the folder does not exist. */
  list(folder: string): Promise<SourceFile[] | undefined>;
  /** The git tree id of a folder, when the source knows it: equal ids mean equal folders. */
  treeOid?(folder: string): Promise<string | undefined>;
  /**
   * What `list` leaves out of a folder that looks meant to be read: subfolders
   * (`deployments/team-a/`) and JSON files (`fleet/x.json`), as repository paths.
   */
  ignored?(folder: string): Promise<string[]>;
  /** One file's bytes (e.g. `.github/edgeops.yml`); `undefined` when it does not exist. */
  readFile(path: string): Promise<Uint8Array | undefined>;
  /**
   * Clean fleet files' columns kept between runs, by blob id (column-cache.ts): set
   * where blob ids are known without reading the files (a git checkout, a commit).
   */
  readonly columns?: ColumnCache;
}

export const isYamlFile = (name: string): boolean => /\.ya?ml$/i.test(name) && !name.startsWith('.');

/** A source over files held in memory: for tests and for content fetched elsewhere. */
export function memorySource(files: Record<string, string | Uint8Array>, description = 'memory'): Source {
  const encoder = new TextEncoder();
  const bytes = (content: string | Uint8Array) => (typeof content === 'string' ? encoder.encode(content) : content);
  return {
    description,
    async list(folder) {
      const prefix = `${folder}/`;
      const paths = Object.keys(files).filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/'));
      if (paths.length === 0 && !Object.keys(files).some((p) => p.startsWith(prefix))) return undefined;
      return paths
        .filter((p) => isYamlFile(p.slice(prefix.length)))
        .sort()
        .map((path) => ({
          path,
          read: async () => bytes(files[path]),
        }));
    },
    async readFile(path) {
      return path in files ? bytes(files[path]) : undefined;
    },
  };
}

const notRead = (): Promise<Uint8Array> => Promise.reject(new Error('this entry is reported, not read'));

/** A link in deployments/ or fleet/: not followed, on disk as at a commit (where git stores only the link's target). */
export const symlinkEntry = (path: string): SourceFile => ({
  path,
  problem: {
    severity: 'warning',
    code: 'file/symlink',
    message: `${path} is a symbolic link and was skipped: edgeops does not follow links (a commit stores only where a link points); put the file itself here`,
  },
  read: notRead,
});

/** `deployments` or `fleet` that is not a folder: a file, or a link (never followed, so nothing outside the repository is read). */
export const notAFolderEntry = (folder: string, what: 'a file' | 'a symbolic link' | 'a symbolic link loop'): SourceFile => ({
  path: folder,
  problem: {
    severity: 'error',
    code: 'repository/not-a-folder',
    message: `${folder} is ${what}, not a folder: edgeops reads ${folder}/ as a folder of YAML files${what === 'a file' ? '' : ' and does not follow links'}; replace it with a folder`,
  },
  read: notRead,
});
/** A folder entry `list` does not read, though an operator may expect it to: a subfolder or a JSON file. */
export const ignoredEntry = (name: string, isFolder: boolean): boolean => !name.startsWith('.') && (isFolder || /\.json$/i.test(name));
