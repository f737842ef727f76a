/** Runs the `edgeops` command in-process with a handed-in context; returns exit code and output. */
import { run } from '../../src/cli/main.js';

export async function runCli(args: readonly string[], options: { cwd: string; env?: Record<string, string> }) {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    cwd: options.cwd,
    env: options.env ?? {},
    stdout: { write: (t: string) => (stdout += t), isTTY: false },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}
