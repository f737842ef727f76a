#!/usr/bin/env node
// The only place that calls process.exit: commands return exit codes.
import { statSync } from 'node:fs';

// The command line bundled (lib/bundle/, made by `npm run build` and `npm ci`) starts
// `validate` ~60 ms sooner than lib/ (14 files to load instead of 73). It is
// used only when it is newer than lib/, so a `tsc` build alone is never shadowed by
// an older bundle.
const builtAt = (file) => {
  try {
    return statSync(new URL(file, import.meta.url)).mtimeMs;
  } catch {
    return -1;
  }
};
const bundled = builtAt('../lib/bundle/main.js') > builtAt('../lib/cli/main.js');
let main;
try {
  main = await import(bundled ? '../lib/bundle/main.js' : '../lib/cli/main.js');
} catch (e) {
  if (e && e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('lib')) {
    process.stderr.write('edgeops: not built yet: run `npm ci` (or `npm run build`) first\n');
    process.exit(1);
  }
  throw e;
}
// `edgeops resolve --format json | head`: a reader that stops early is not an error.
process.stdout.on('error', (e) => {
  if (e && e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
try {
  // `edgeops app`: the App face, loaded only for that command (other commands do not pay for probot).
  const launchApp = async (host) => {
    const { startApp } = await import('../lib/app/server.js');
    const stopped = new Promise((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    return startApp({ ...host, stopped });
  };
  const code = await main.run(process.argv.slice(2), { cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr, launchApp });
  process.exitCode = code;
} catch (e) {
  process.stderr.write(`edgeops: unexpected failure: ${e && e.stack ? e.stack : e}\n`);
  process.exitCode = 1;
}
// Exit once the output is flushed (a write's callback runs after every earlier write):
// a process with a large heap left to wind down by itself takes 0.1–0.3 s longer.
await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))));
process.exit();
