// Lint: typescript-eslint's recommended rules, and the layer rules of the architecture
// (src/core is pure; io never reaches up; faces never import each other).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layer = (files, patterns) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns }] } });
const io = {
  group: ['node:*', 'fs', 'path', 'isomorphic-git', 'isomorphic-git/*', 'octokit', '@octokit/*', 'probot', '@actions/*'],
  message: 'src/core is pure: no I/O, no git, no GitHub.',
};
const up = (...layers) => ({ group: layers.map((l) => `**/${l}/**`), message: `this layer may not import ${layers.join(', ')}.` });
const bench = { group: ['**/bench/**'], message: 'product code and tests do not import bench/.' };

export default tseslint.config(
  { ignores: ['lib/**', 'dist/**', 'node_modules/**', 'coverage/**', 'bench/out/**', 'src/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // `function Bare(this: object) {}` and similar prototype tricks are deliberate (see core/record.ts).
      '@typescript-eslint/no-this-alias': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } } },
  layer(['src/core/**'], [io, up('io', 'usecases', 'render', 'cli', 'app', 'action'), bench]),
  layer(['src/io/**'], [up('usecases', 'render', 'cli', 'app', 'action'), bench]),
  layer(['src/usecases/**'], [up('render', 'cli', 'app', 'action'), bench]),
  layer(['src/render/**'], [up('io', 'usecases', 'cli', 'app', 'action'), bench]),
  layer(['src/cli/**'], [up('app', 'action'), bench]),
  layer(['src/app/**'], [up('cli', 'action'), bench]),
  layer(['src/action/**'], [up('cli', 'app'), bench]),
  layer(['test/**'], [bench]),
);
