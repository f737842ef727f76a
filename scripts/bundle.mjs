#!/usr/bin/env node
/**
 * Bundles the GitHub Action with esbuild into dist/ (committed; .ci/run rebuilds
 * it and fails on a difference):
 *   dist/index.js              src/action/index.ts, with every dependency
 *   dist/fleet-parallel-worker.js, dist/folder-worker.js  the fleet-scanning and
 *                              report-reading workers, started by
 *                              `new URL('./<name>.js', import.meta.url)` (used when present)
 * ESM for Node 20 (the runner's node24 runs it too). CommonJS dependencies call
 * `require`, which ESM lacks: the banner makes one. The output is a function of
 * the sources and the locked esbuild version only (no timestamps, no absolute paths).
 *
 * Also bundles the command line into lib/bundle/ (built, not committed, like lib/):
 *   lib/bundle/main.js          src/cli/main.ts, each command a chunk of its own
 *                               (loaded when run), the workers beside it. bin/edgeops.js
 *                               loads it when it is newer than lib/: a few files instead
 *                               of ~70 modules starts `validate` ~60 ms sooner.
 *
 *   node scripts/bundle.mjs          write dist/ and lib/bundle/
 *   node scripts/bundle.mjs --cli    write lib/bundle/ only (after tsc: `prepare`, `build`)
 *   node scripts/bundle.mjs --check  exit 1 when the committed dist/ differs from a rebuild
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** More entries of every bundle: each worker must sit beside the main file. */
export const WORKER_ENTRY = {
  'fleet-parallel-worker': path.join(root, 'src/io/fleet-parallel-worker.ts'),
  'folder-worker': path.join(root, 'src/io/reports/folder-worker.ts'),
  'shard-reader-worker': path.join(root, 'src/io/sinks/shard-reader-worker.ts'),
};

const BANNER = [
  '// Bundled by scripts/bundle.mjs from the edgeops sources: do not edit.',
  "import { createRequire as __edgeopsCreateRequire } from 'node:module';",
  'const require = __edgeopsCreateRequire(import.meta.url);',
].join('\n');

/**
 * Bundles `entryPoints` (output name -> source file) into `outdir`, one `<name>.js`
 * each, plus the workers.
 * `splitting`: what is imported dynamically becomes chunks of its own (the outdir is
 * emptied first, so no chunk of an older build stays).
 * @param {{ entryPoints: Record<string, string>, outdir: string, splitting?: boolean }} options
 */
export async function bundle({ entryPoints, outdir, splitting = false }) {
  if (splitting) rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: { ...entryPoints, ...WORKER_ENTRY },
    outdir,
    entryNames: '[name]',
    splitting,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    banner: { js: BANNER },
    // Paths in comments relative to the repository, not the machine that built it.
    absWorkingDir: root,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'warning',
  });
}

const ACTION = { entryPoints: { index: path.join(root, 'src/action/index.ts') }, outdir: path.join(root, 'dist') };
const CLI = { entryPoints: { main: path.join(root, 'src/cli/main.ts') }, outdir: path.join(root, 'lib/bundle'), splitting: true };

/** The files of dist/ that a rebuild from the sources would change, add or remove. */
export async function staleBundle() {
  const fresh = mkdtempSync(path.join(tmpdir(), 'edgeops-dist-'));
  try {
    await bundle({ ...ACTION, outdir: fresh });
    const list = (dir) => (existsSync(dir) ? readdirSync(dir) : []);
    const read = (dir, file) => (existsSync(path.join(dir, file)) ? readFileSync(path.join(dir, file)) : undefined);
    const same = (file) => {
      const [a, b] = [read(fresh, file), read(ACTION.outdir, file)];
      return a !== undefined && b !== undefined && a.equals(b);
    };
    return [...new Set([...list(fresh), ...list(ACTION.outdir)])].sort().filter((f) => !same(f));
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const stale = await staleBundle();
    if (stale.length > 0) {
      process.stderr.write(`dist/ is stale (${stale.join(', ')}): run \`npm run bundle\` and commit dist/\n`);
      process.exit(1);
    }
  } else {
    if (!process.argv.includes('--cli')) await bundle(ACTION);
    await bundle(CLI);
  }
}
