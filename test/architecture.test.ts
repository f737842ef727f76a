/** DESIGN §5: the core is pure, and faces do not import each other. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const src = path.resolve(import.meta.dirname, '../src');
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
// Static imports and re-exports, and dynamic `import('…')`: a module loaded late is still a dependency.
const imports = (file: string): string[] => {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm), ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]);
};

describe('architecture', () => {
  it('src/core imports no I/O, no GitHub, no other layer', () => {
    const bad = files(path.join(src, 'core')).flatMap((f) =>
      imports(f)
        .filter((i) => /^(node:|fs|path|isomorphic-git|octokit|@octokit|probot|@actions)/.test(i) || /\/(io|render|cli|app|action)\//.test(i))
        .map((i) => `${path.relative(src, f)} imports ${i}`),
    );
    expect(bad).toEqual([]);
  });

  it('faces do not import each other; render does not import io', () => {
    const faces = ['cli', 'app', 'action'];
    const bad = files(src).flatMap((f) => {
      const layer = path.relative(src, f).split(path.sep)[0];
      return imports(f)
        .filter((i) => (faces.includes(layer) && faces.some((o) => o !== layer && i.includes(`/${o}/`))) || (layer === 'render' && i.includes('/io/')))
        .map((i) => `${path.relative(src, f)} imports ${i}`);
    });
    expect(bad).toEqual([]);
  });
});
