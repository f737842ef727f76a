/**
 * Runs the built Action (dist/index.js) the way the GitHub runner does: a Node
 * process with `INPUT_*` variables, the event payload in a file, and the files
 * the runner reads back (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export const ACTION = path.resolve(import.meta.dirname, '../../dist/index.js');

export interface ActionRun {
  readonly code: number;
  /** The log: workflow commands (`::error …`, `::add-mask::…`) and plain lines. */
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
}

export interface ActionRunOptions {
  readonly workspace: string;
  /** By input name as in action.yml: `working-directory`, … */
  readonly inputs?: Record<string, string>;
  readonly eventName: string;
  readonly event?: unknown;
  /** More environment (GITHUB_API_URL, EDGEOPS_IOTHUB_ENDPOINT, …). */
  readonly env?: Record<string, string>;
}

/** The GITHUB_OUTPUT file: `name<<delimiter`, value lines, `delimiter`. */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]);
    if (!m) continue;
    const end = lines.indexOf(m[2], i + 1);
    outputs[m[1]] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return outputs;
}

export async function runAction(options: ActionRunOptions): Promise<ActionRun> {
  const temp = mkdtempSync(path.join(tmpdir(), 'edgeops-runner-'));
  const files = { output: path.join(temp, 'output'), summary: path.join(temp, 'summary'), event: path.join(temp, 'event.json') };
  writeFileSync(files.output, '');
  writeFileSync(files.summary, '');
  writeFileSync(files.event, JSON.stringify(options.event ?? {}));
  const inputs = Object.fromEntries(Object.entries(options.inputs ?? {}).map(([name, value]) => [`INPUT_${name.replace(/ /g, '_').toUpperCase()}`, value]));
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? temp,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_EVENT_NAME: options.eventName,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_REPOSITORY: 'octo/fleet',
    GITHUB_API_URL: 'http://127.0.0.1:9',
    ...inputs,
    ...options.env,
  };
  const { code, stdout, stderr } = await promisify(execFile)(process.execPath, [ACTION], { cwd: options.workspace, env, maxBuffer: 1 << 26 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
  return { code, stdout, stderr, outputs: parseOutputs(readFileSync(files.output, 'utf8')), summary: readFileSync(files.summary, 'utf8') };
}

/** Lines of the log that hold `secret`, other than the `::add-mask::` that hides it. */
export const leaks = (run: ActionRun, secret: string): string[] =>
  `${run.stdout}\n${run.stderr}\n${run.summary}\n${Object.values(run.outputs).join('\n')}`
    .split('\n')
    .filter((line) => line.includes(secret) && !line.startsWith('::add-mask::'));
