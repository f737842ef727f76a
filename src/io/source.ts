/**
 * Where a repository's files come from. Everything outside is passed in (the
 * isomorphic-git habit): the same loading runs on a folder, a git commit or the
 * GitHub API, and tests hand in an in-memory source.
 */
export interface SourceFile {
  /** Repository-relative, with forward slashes: `fleet/west.yaml`. */
  readonly path: string;
  /** The git blob id, when the source knows it: equal oids mean equal content, so parses are reused. */
  readonly oid?: string;
  read(): Promise<Uint8Array>;
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

/** A folder entry `list` does not read, though an operator may expect it to: a subfolder or a JSON file. */
export const ignoredEntry = (name: string, isFolder: boolean): boolean => !name.startsWith('.') && (isFolder || /\.json$/i.test(name));
