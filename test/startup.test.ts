/**
 * Lean startup: `edgeops --version` and `--help` load no command, and reading the
 * working tree loads no git library. Checked on the static import graph (what Node
 * loads before the first line runs); dynamic `import()` is where it is deferred.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const src = path.resolve(import.meta.dirname, '../src');

/** Every module and package reachable through static imports (type-only imports erased). */
function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(import|export)(?!\s+type\b)[^'";]*?from\s+['"]([^'"]+)['"]/gm)) {
      const spec = m[2];
      if (!spec.startsWith('.')) {
        seen.add(spec);
        continue;
      }
      const target = path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts'));
      if (existsSync(target)) visit(target);
    }
  };
  visit(path.join(src, entry));
  return seen;
}

const packages = (graph: Set<string>): string[] => [...graph].filter((m) => !m.startsWith('/') && !m.startsWith('node:')).sort();

describe('startup', () => {
  it('edgeops --version loads no command and no library', () => {
    const graph = staticGraph('cli/main.ts');
    expect([...graph].filter((m) => m.includes(`${path.sep}commands${path.sep}`))).toEqual([]);
    expect(packages(graph)).toEqual(['picocolors']);
  });

  it('resolve and validate on the working tree do not load isomorphic-git', () => {
    for (const command of ['resolve', 'validate', 'explain']) {
      const graph = staticGraph(`cli/commands/${command}.ts`);
      expect(packages(graph).filter((p) => p.startsWith('isomorphic-git'))).toEqual([]);
      expect([...graph].some((m) => m.endsWith(`${path.sep}io${path.sep}git.ts`))).toBe(false);
    }
  });
});
