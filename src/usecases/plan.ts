/**
 * The plan use-case: read base and head, plan the change, check the base's
 * policy. Every face (CLI, App, Action) calls this and only renders the result.
 */
import { append, type PlacedDiagnostic } from '../core/diagnostics.js';
import { planChange, type InvalidDeployment } from '../core/plan/plan.js';
import { deploymentIdOf } from '../core/validate/deployment.js';
import type { PlanReport } from '../core/plan/report.js';
import { checkPolicy, POLICY_KEYS, type PolicyReport } from '../core/plan/policy.js';
import {
  compareDiagnostics,
  DEPLOYMENTS_FOLDER,
  FLEET_FOLDER,
  cachedRepository,
  loadRepository,
  parseCache,
  placeDiagnostics,
  type LoadedRepository,
  type ParseCache,
} from './load.js';
import type { GitSource } from '../io/git.js';
import type { Source } from '../io/source.js';
import { loadPolicy } from './policy.js';

export interface PlanOptions {
  /** The pull request's labels (for the policy's approval label). */
  readonly labels?: readonly string[];
  readonly cache?: ParseCache;
  /** Told what a long run is doing (see LoadOptions). */
  readonly onStage?: (message: string) => void;
}

/**
 * `diagnostics` are head's problems (those already at base downgraded to
 * warnings), the plan's warnings, and the base policy file's problems.
 */
export interface PlanResult extends PlanReport {
  readonly base: LoadedRepository;
  readonly head: LoadedRepository;
  /** Where the repository sits inside its git repository (`infra/edge`, `''` at the root): annotations need it. */
  readonly pathPrefix: string;
}

async function sameFolder(a: Source, b: Source, folder: string): Promise<boolean> {
  if (!a.treeOid || !b.treeOid) return false;
  const [x, y] = await Promise.all([a.treeOid(folder), b.treeOid(folder)]);
  return x !== undefined && x === y;
}

/**
 * The same problem on both sides: code, file and message with numbers left out, so a
 * warning whose device count moved with the fleet is not news (nor its line, which
 * moves when lines above it are edited).
 */
const problemKey = (d: PlacedDiagnostic): string => `${d.code}\u0000${d.file}\u0000${d.message.replace(/\d+/g, '#')}`;

/** Deployment files at head that did not become deployments, with their first error. */
function unreadableDeployments(head: LoadedRepository): InvalidDeployment[] {
  const read = new Set(head.analysis.repository.deployments.map((d) => d.file));
  return [...head.files.keys()]
    .filter((file) => file.startsWith(`${DEPLOYMENTS_FOLDER}/`) && !read.has(file))
    .map((file) => {
      const first = head.diagnostics.find((d) => d.file === file && d.severity === 'error');
      return { id: deploymentIdOf(file), error: first ? `${first.message} (${file}:${first.line}:${first.column})` : 'see the errors in its file' };
    });
}

export async function runPlan(baseSource: Source, headSource: Source, options: PlanOptions = {}): Promise<PlanResult> {
  const cache: ParseCache = options.cache ?? parseCache();
  const say = options.onStage;
  // Equal trees: base is head, nothing to read or resolve again; an equal fleet folder
  // (the usual pull request edits deployments) is reused with its index. Head is read
  // first: it is usually the working tree, cheaper to read than a commit, and every
  // base file with the same blob id is then taken from the cache, not from git.
  const [sameDeployments, sameFleet] = await Promise.all([
    sameFolder(baseSource, headSource, DEPLOYMENTS_FOLDER),
    sameFolder(baseSource, headSource, FLEET_FOLDER),
  ]);
  // A base analysed before (the App, event after event) goes first, and head reuses its fleet.
  const known = await cachedRepository(baseSource, cache);
  const stage = (side: string) => say && ((m: string) => say(`${side}: ${m}`));
  let base: LoadedRepository;
  let head: LoadedRepository;
  if (known) {
    base = known;
    head = sameDeployments && sameFleet ? base : await loadRepository(headSource, { cache, sameFleetAs: sameFleet ? base : undefined, onStage: stage('head') });
  } else {
    head = await loadRepository(headSource, { cache, onStage: stage('head') });
    base = sameDeployments && sameFleet ? head : await loadRepository(baseSource, { cache, sameFleetAs: sameFleet ? head : undefined, onStage: stage('base') });
  }
  say?.('planning');
  const plan = planChange(base.analysis, head.analysis, { invalidAtHead: unreadableDeployments(head) });

  // A pull request is not blamed for what was already broken on its base, and what it
  // did not introduce is not news: only introduced problems make the headline.
  const atBase = new Set(base.diagnostics.map(problemKey));
  const atHead = new Set(head.diagnostics.map(problemKey));
  const present: PlacedDiagnostic[] = [];
  const diagnostics: PlacedDiagnostic[] = head.diagnostics.map((d) => {
    if (!atBase.has(problemKey(d))) return d;
    const old: PlacedDiagnostic = d.severity === 'error' ? { ...d, severity: 'warning', message: `already on base: ${d.message}` } : d;
    present.push(old);
    return old;
  });
  const fixed = head === base ? [] : base.diagnostics.filter((d) => !atHead.has(problemKey(d)));
  append(diagnostics, placeDiagnostics(plan.diagnostics, head.files, headSource.description));

  let policy: PolicyReport | null = null;
  // Fail closed: a policy that cannot be read would otherwise let any change through.
  const settings = await loadPolicy(baseSource);
  for (const d of settings.diagnostics) {
    const allowed = /\(allowed( here)?: /.test(d.message) ? '' : ` (policy: allows ${POLICY_KEYS.join(', ')})`;
    diagnostics.push(
      d.severity === 'error'
        ? { ...d, message: `the policy on base cannot be read, so this change cannot be checked until the base policy is fixed: ${d.message}${allowed}` }
        : { ...d, message: `policy on base: ${d.message}` },
    );
  }
  if (settings.policy) policy = checkPolicy(settings.policy, plan, base.analysis, head.analysis, options.labels ?? []);
  diagnostics.sort(compareDiagnostics);
  const valid = !diagnostics.some((d) => d.severity === 'error');
  const ok = valid && !(policy?.findings.some((f) => f.severity === 'error') ?? false);
  const commits = { base: (baseSource as Partial<GitSource>).commit, head: (headSource as Partial<GitSource>).commit };
  return { plan, valid, diagnostics, present, fixed, commits, policy, ok, base, head, pathPrefix: headSource.pathPrefix ?? '' };
}
