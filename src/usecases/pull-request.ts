/**
 * Planning a pull request: the CLI's code path (`runPlan` on two git sources of
 * the cache repository), plus what the App needs around it: the policy again for
 * new labels without re-reading anything, the problems the change introduced, and
 * explain at both ends.
 */
import type { PlacedDiagnostic } from '../core/diagnostics.js';
import { checkPolicy, parsePolicy, POLICY_FILE } from '../core/plan/policy.js';
import { gitSource, type GitRepository } from '../io/git.js';
import type { Source } from '../io/source.js';
import { readYaml } from '../io/yaml.js';
import { explain, type ExplainResult } from './explain.js';
import type { ParseCache } from './load.js';
import { runPlan, type PlanResult } from './plan.js';

export interface PullRequestPlanOptions {
  readonly labels: readonly string[];
  readonly cache: ParseCache;
  /** Called for every file whose bytes are read (not found in the parse cache). */
  readonly onRead?: (path: string) => void;
}

/** Counts reads: the App's second event on a large fleet must read only the changed files. */
function observed(source: Source, onRead?: (path: string) => void): Source {
  if (!onRead) return source;
  return {
    ...source,
    async list(folder) {
      const files = await source.list(folder);
      return files?.map((f) => ({
        ...f,
        read: () => {
          onRead(f.path);
          return f.read();
        },
      }));
    },
  };
}

export async function sourcesOf(repo: GitRepository, base: string, head: string, onRead?: (path: string) => void): Promise<[Source, Source]> {
  const [b, h] = await Promise.all([gitSource(repo, base), gitSource(repo, head)]);
  return [observed(b, onRead), observed(h, onRead)];
}

/** The plan of `base..head` in the cache repository, policy read at base. */
export async function planPullRequest(repo: GitRepository, base: string, head: string, options: PullRequestPlanOptions): Promise<PlanResult> {
  const [b, h] = await sourcesOf(repo, base, head, options.onRead);
  return runPlan(b, h, { labels: options.labels, cache: options.cache });
}

/**
 * The same plan under new labels: only the policy is checked again (the approval
 * label changes nothing else), from the base's policy file.
 */
export async function relabelPlan(previous: PlanResult, repo: GitRepository, base: string, labels: readonly string[]): Promise<PlanResult> {
  if (!previous.policy) return previous;
  const settings = await (await gitSource(repo, base)).readFile(POLICY_FILE);
  const parsed = settings ? parsePolicy(POLICY_FILE, readYaml(POLICY_FILE, settings).value) : undefined;
  if (!parsed?.policy) return previous;
  const policy = checkPolicy(parsed.policy, previous.plan, previous.base.analysis, previous.head.analysis, labels);
  return { ...previous, policy, ok: previous.valid && !policy.findings.some((f) => f.severity === 'error') };
}

const problemKey = (d: PlacedDiagnostic, message = d.message): string => `${d.code}\u0000${d.file}\u0000${message}`;

/**
 * The problems the change brings: every error, and the warnings base did not
 * already have (a pull request is not blamed for what was there, nor for the
 * base's policy file it cannot change).
 */
export function introducedDiagnostics(result: PlanResult): PlacedDiagnostic[] {
  const atBase = new Set(result.base.diagnostics.map((d) => problemKey(d)));
  return result.diagnostics.filter((d) => {
    if (d.severity === 'error') return true;
    if (d.file === POLICY_FILE || d.message.startsWith('policy on base: ')) return false;
    const original = d.message.startsWith('already on base: ') ? d.message.slice('already on base: '.length) : d.message;
    return !atBase.has(problemKey(d, original)) && original === d.message;
  });
}

/** Worth a comment: devices change, or the change brings problems. */
export const worthCommenting = (result: PlanResult): boolean => result.plan.summary.changed > 0 || introducedDiagnostics(result).length > 0;

export interface PullRequestExplanation {
  readonly deviceId: string;
  readonly base: ExplainResult;
  readonly head: ExplainResult;
  /** When the device is in neither commit: the closest ids of either. */
  readonly closest: readonly string[];
}

/** `/edgeops explain <device>`: the device at base and at head. */
export async function explainPullRequest(
  repo: GitRepository,
  base: string,
  head: string,
  deviceId: string,
  cache: ParseCache,
): Promise<PullRequestExplanation> {
  const [b, h] = await sourcesOf(repo, base, head);
  const atBase = await explain(b, deviceId, { cache });
  const atHead = await explain(h, deviceId, { cache, sameFleetAs: undefined });
  const known = atBase.explanation || atHead.explanation;
  const closest = known
    ? []
    : closestIds(deviceId, [...new Set([...atBase.loaded.analysis.fleetIndex.deviceIds, ...atHead.loaded.analysis.fleetIndex.deviceIds])]);
  return { deviceId, base: atBase, head: atHead, closest };
}

/** Edit distance with a cut-off: distances above `max` are reported as `max + 1`. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (current[j] < best) best = current[j];
    }
    if (best > max) return max + 1;
    previous = current;
  }
  return previous[b.length];
}

/** The ids nearest to `id` (case-insensitive edit distance, then order), at most `n`. */
export function closestIds(id: string, ids: readonly string[], n = 5): string[] {
  const target = id.toLowerCase();
  const max = Math.max(2, Math.floor(id.length / 3));
  const scored: [number, string][] = [];
  for (const candidate of ids) {
    const lower = candidate.toLowerCase();
    const d = lower.includes(target) || target.includes(lower) ? 0.5 : distance(target, lower, max);
    if (d <= max) scored.push([d, candidate]);
  }
  scored.sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : 1));
  return scored.slice(0, n).map(([, s]) => s);
}
