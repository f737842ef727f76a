/**
 * bin/edgeops.js runs the bundled command line (lib/bundle/) only when it is newer
 * than lib/: a `tsc` build after the bundle must win, or a user would run old code.
 * Checked with stand-ins for both builds beside a copy of the real bin file; then the
 * real bundle (built by pretest) answers as lib/ does.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'bin/edgeops.js');

/** A module that answers `run` by writing which build it is. */
const standIn = (name: string) => `export async function run(args, { stdout }) { stdout.write('${name}\\n'); return 0; }\n`;

function layout(): { dir: string; lib: string; bundle: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'edgeops-entry-'));
  mkdirSync(path.join(dir, 'bin'));
  mkdirSync(path.join(dir, 'lib/cli'), { recursive: true });
  copyFileSync(bin, path.join(dir, 'bin/edgeops.js'));
  writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  const lib = path.join(dir, 'lib/cli/main.js');
  writeFileSync(lib, standIn('lib'));
  return { dir, lib, bundle: path.join(dir, 'lib/bundle/main.js') };
}

const runIn = (dir: string): string => execFileSync(process.execPath, [path.join(dir, 'bin/edgeops.js')], { encoding: 'utf8' }).trim();

describe('the entry point', () => {
  it('runs lib/ when there is no bundle, the bundle when it is newer, lib/ again once lib/ is rebuilt', () => {
    const { dir, lib, bundle } = layout();
    expect(runIn(dir)).toBe('lib');
    mkdirSync(path.dirname(bundle));
    writeFileSync(bundle, standIn('bundle'));
    utimesSync(lib, new Date(1_000_000), new Date(1_000_000));
    utimesSync(bundle, new Date(2_000_000), new Date(2_000_000));
    expect(runIn(dir)).toBe('bundle');
    utimesSync(lib, new Date(3_000_000), new Date(3_000_000));
    expect(runIn(dir)).toBe('lib');
  });

  it('is the bundle after a build, and the bundle says what lib/ says', () => {
    const built = (file: string) => statSync(path.join(root, file)).mtimeMs;
    expect(built('lib/bundle/main.js')).toBeGreaterThan(built('lib/cli/main.js'));
    const via = (main: string, args: string[]) =>
      execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(path.join(root, main))}); process.exitCode = await m.run(process.argv.slice(1), { cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr });`,
          ...args,
        ],
        { cwd: root, encoding: 'utf8' },
      );
    for (const args of [
      ['validate', '--format', 'json'],
      ['resolve', '--format', 'json'],
      ['explain', 'test1'],
    ]) {
      expect(via('lib/bundle/main.js', args)).toBe(via('lib/cli/main.js', args));
    }
    expect(JSON.parse(via('lib/bundle/main.js', ['validate', '--format', 'json'])).valid).toBe(true);
  });
});
