/**
 * What the runner tells the Action: the event, the workspace, the API. Read
 * once from the environment the runner sets (handed in, so tests run it on a
 * temp repository); inputs are read with @actions/core in inputs.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The parts of a push or pull_request payload the Action uses. */
export interface EventPayload {
  readonly before?: string;
  readonly after?: string;
  readonly ref?: string;
  readonly pull_request?: {
    readonly number: number;
    readonly base: { readonly sha: string; readonly ref?: string };
    readonly head?: { readonly sha: string };
    readonly labels?: readonly { readonly name: string }[];
  };
  readonly repository?: { readonly full_name?: string };
}

export interface ActionContext {
  /** `push`, `pull_request`, `schedule`, … */
  readonly eventName: string;
  readonly event: EventPayload;
  /** The checkout (GITHUB_WORKSPACE). */
  readonly workspace: string;
  /** `https://api.github.com`, or the GHES API URL. */
  readonly apiUrl: string;
  /** `owner/name`. */
  readonly repository: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export function actionContext(env: Readonly<Record<string, string | undefined>>, cwd: string): ActionContext {
  const eventPath = env.GITHUB_EVENT_PATH;
  const event = eventPath && existsSync(eventPath) ? (JSON.parse(readFileSync(eventPath, 'utf8')) as EventPayload) : {};
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    event,
    workspace: path.resolve(cwd, env.GITHUB_WORKSPACE ?? '.'),
    apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    repository: env.GITHUB_REPOSITORY ?? event.repository?.full_name ?? '',
    env,
  };
}

export const isPullRequest = (eventName: string): boolean => eventName === 'pull_request' || eventName === 'pull_request_target';

/** The top of the git repository holding `dir` (where annotation paths start), or `fallback`. */
export function repositoryRoot(dir: string, fallback: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return fallback;
  }
}
