/**
 * The layers (README "Layout"): core is pure; io reads and writes but never reaches up;
 * usecases compose io and core; render turns core results into text; the faces (cli,
 * app, action) wire them and never import each other; nothing imports bench/. ESLint's
 * no-restricted-imports says the same for static imports; this test also reads
 * dynamic `import()` and `export … from`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const src = path.join(root, 'src');
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : /\.(ts|mts)$/.test(e.name) ? [path.join(dir, e.name)] : [],
  );
const specifiers = (text: string): string[] => [
  ...[...text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]),
  ...[...text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]),
  ...[...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]),
];

const LAYERS = ['core', 'io', 'usecases', 'render', 'cli', 'app', 'action', 'generated'] as const;
type Layer = (typeof LAYERS)[number];
/** What each layer may import from the others (itself always). */
const ALLOWED: Record<Layer, readonly Layer[]> = {
  generated: [],
  core: ['generated'],
  io: ['core', 'generated'],
  usecases: ['core', 'io', 'generated'],
  render: ['core', 'generated'],
  cli: ['core', 'io', 'usecases', 'render', 'generated'],
  app: ['core', 'io', 'usecases', 'render', 'generated'],
  action: ['core', 'io', 'usecases', 'render', 'generated'],
};
const PURE_FORBIDDEN = /^(node:|fs$|path$|os$|isomorphic-git|octokit|@octokit|probot|@actions|ajv|yaml$)/;

const layerOf = (file: string): Layer | undefined => LAYERS.find((l) => path.relative(src, file).split(path.sep)[0] === l);

/** Every import of every file under `dir`, resolved to a layer (or a package name). */
function edges(dir: string) {
  return files(dir).flatMap((file) =>
    specifiers(readFileSync(file, 'utf8')).map((spec) => {
      const target = spec.startsWith('.') ? path.resolve(path.dirname(file), spec) : undefined;
      return { file: path.relative(root, file), spec, from: layerOf(file), to: target ? layerOf(target) : undefined, target };
    }),
  );
}

describe('architecture', () => {
  it('src/core imports no I/O, no parser, no GitHub', () => {
    const bad = edges(path.join(src, 'core')).filter((e) => PURE_FORBIDDEN.test(e.spec));
    expect(bad.map((e) => `${e.file} imports ${e.spec}`)).toEqual([]);
  });

  it('each layer imports only the layers below it (static and dynamic imports)', () => {
    const bad = edges(src).filter((e) => e.from && e.to && e.from !== e.to && !ALLOWED[e.from].includes(e.to));
    expect(bad.map((e) => `${e.file} (${e.from}) imports ${e.spec} (${e.to})`)).toEqual([]);
  });

  it('nothing in src imports bench/ or test/', () => {
    const bad = edges(src).filter((e) => e.target && /^(bench|test)\b/.test(path.relative(root, e.target)));
    expect(bad.map((e) => `${e.file} imports ${e.spec}`)).toEqual([]);
  });

  it('the rules catch what they should (a dynamic import from io into a face)', () => {
    const text = "const x = await import('../cli/main.js');\nexport * from '../render/json.js';";
    expect(specifiers(text)).toEqual(['../render/json.js', '../cli/main.js']);
  });
});
