/**
 * The plan use-case: read base and head, plan the change, check the base's
 * policy. Every face (CLI, App, Action) calls this and only renders the result.
 */
import { append, type PlacedDiagnostic } from '../core/diagnostics.js';
import { planChange } from '../core/plan/plan.js';
import type { PlanReport } from '../core/plan/report.js';
import { checkPolicy, parsePolicy, POLICY_FILE, type PolicyReport } from '../core/plan/policy.js';
import {
  compareDiagnostics,
  DEPLOYMENTS_FOLDER,
  FLEET_FOLDER,
  loadRepository,
  parseCache,
  placeDiagnostics,
  type LoadedRepository,
  type ParseCache,
} from './load.js';
import type { Source } from '../io/source.js';
import { readYaml } from '../io/yaml.js';

export interface PlanOptions {
  /** The pull request's labels (for the policy's approval label). */
  readonly labels?: readonly string[];
  readonly cache?: ParseCache;
}

/**
 * `diagnostics` are head's problems (those already at base downgraded to
 * warnings), the plan's warnings, and the base policy file's problems.
 */
export interface PlanResult extends PlanReport {
  readonly base: LoadedRepository;
  readonly head: LoadedRepository;
}

async function sameFolder(a: Source, b: Source, folder: string): Promise<boolean> {
  if (!a.treeOid || !b.treeOid) return false;
  const [x, y] = await Promise.all([a.treeOid(folder), b.treeOid(folder)]);
  return x !== undefined && x === y;
}

const problemKey = (d: PlacedDiagnostic): string => `${d.code}\u0000${d.file}\u0000${d.message}`;

export async function runPlan(baseSource: Source, headSource: Source, options: PlanOptions = {}): Promise<PlanResult> {
  const cache: ParseCache = options.cache ?? parseCache();
  // Equal trees: base is head, nothing to read or resolve again; an equal fleet folder
  // (the usual pull request edits deployments) is reused with its index. Head is read
  // first: it is usually the working tree, cheaper to read than a commit, and every
  // base file with the same blob id is then taken from the cache, not from git.
  const [sameDeployments, sameFleet] = await Promise.all([
    sameFolder(baseSource, headSource, DEPLOYMENTS_FOLDER),
    sameFolder(baseSource, headSource, FLEET_FOLDER),
  ]);
  const head = await loadRepository(headSource, { cache });
  const base = sameDeployments && sameFleet ? head : await loadRepository(baseSource, { cache, sameFleetAs: sameFleet ? head : undefined });
  const plan = planChange(base.analysis, head.analysis);

  // A pull request is not blamed for what was already broken on its base.
  const atBase = new Set(base.diagnostics.filter((d) => d.severity === 'error').map(problemKey));
  const diagnostics: PlacedDiagnostic[] = head.diagnostics.map((d) =>
    d.severity === 'error' && atBase.has(problemKey(d)) ? { ...d, severity: 'warning', message: `already on base: ${d.message}` } : d,
  );
  append(diagnostics, placeDiagnostics(plan.diagnostics, head.files, headSource.description));

  let policy: PolicyReport | null = null;
  const settings = await baseSource.readFile(POLICY_FILE);
  if (settings) {
    // The pull request cannot fix the base's policy file, so its problems must not block it.
    const file = readYaml(POLICY_FILE, settings);
    const parsed = parsePolicy(POLICY_FILE, file.value);
    for (const d of [...file.diagnostics, ...parsed.diagnostics.map((x) => file.place(x))]) {
      diagnostics.push({ ...d, severity: 'warning', message: `policy on base: ${d.message}` });
    }
    if (parsed.policy) policy = checkPolicy(parsed.policy, plan, base.analysis, head.analysis, options.labels ?? []);
  }
  diagnostics.sort(compareDiagnostics);
  const valid = !diagnostics.some((d) => d.severity === 'error');
  const ok = valid && !(policy?.findings.some((f) => f.severity === 'error') ?? false);
  return { plan, valid, diagnostics, policy, ok, base, head };
}
