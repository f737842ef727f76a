/**
 * A source over a folder inside another source: an edgeops repository kept in a
 * subfolder of a git repository (`infra/edge/deployments/…`). Paths it yields are
 * relative to the subfolder, as they are for the working tree of that folder.
 */
import type { Source } from './source.js';

export function subfolderSource(source: Source, prefix: string): Source {
  const clean = prefix.replace(/^\.?\/+|\/+$/g, '');
  if (clean === '' || clean === '.') return source;
  const inner = (p: string) => `${clean}/${p}`;
  return {
    description: `${source.description}:${clean}`,
    async list(folder) {
      const files = await source.list(inner(folder));
      return files?.map((f) => ({ ...f, path: f.path.slice(clean.length + 1) }));
    },
    ...(source.treeOid && { treeOid: (folder: string) => source.treeOid!(inner(folder)) }),
    readFile: (file) => source.readFile(inner(file)),
  };
}
