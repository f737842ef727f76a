import { runPlan } from '../../usecases/plan.js';
import { githubAnnotations } from '../../render/github.js';
import { planJson, stringify } from '../../render/json.js';
import { planMarkdown } from '../../render/plan/markdown.js';
import { planText } from '../../render/plan/text.js';
import { checkFormat, COMMON_OPTIONS, parse } from '../args.js';
import { EXIT_INVALID, EXIT_OK, progress, styleFor, UsageError, type CliContext } from '../context.js';

/** `--detailed-exitcode`: the plan is fine and devices change. */
const EXIT_CHANGES = 2;
import { openSource } from '../source.js';

export const planHelp = `Usage: edgeops plan --base REF [--head REF] [--repo DIR] [--format text|json|markdown|github] [--label NAME]...

What a change does to the fleet: which devices move from one deployment to
another (retargeted), gain one (targeted), lose theirs (untargeted, they become
unmanaged), get new content (updated) or leave the fleet (removed), and why.
Policy comes from .github/edgeops.yml at BASE, so a change cannot loosen it.
Exit code 1 when head is invalid or the policy blocks the change.

  --base REF       the commit to compare against (branch, tag, HEAD, SHA, REF~N)
  --head REF       the changed commit (default: the files on disk)
  --repo DIR       the repository (default: .)
  --format FORMAT  text (default), json, markdown (the pull-request comment), or github (workflow annotations)
  --label NAME     a pull-request label, e.g. the policy's approval label (repeatable)
  --detailed-exitcode
                   exit 0 when no device changes, 2 when devices change, 1 on an error

Examples:
  edgeops plan --base main                      the working tree against main
  edgeops plan --base HEAD~1 --head HEAD --format markdown
  edgeops plan --base origin/main --detailed-exitcode || test $? -eq 2
`;

export async function planCommand(args: readonly string[], ctx: CliContext): Promise<number> {
  const { values } = parse(args, {
    ...COMMON_OPTIONS,
    base: { type: 'string' },
    head: { type: 'string' },
    label: { type: 'string', multiple: true, default: [] },
    'detailed-exitcode': { type: 'boolean', default: false },
  });
  if (values.help) {
    ctx.stdout.write(planHelp);
    return EXIT_OK;
  }
  if (values.ref !== undefined) throw new UsageError('plan takes --base and --head, not --ref');
  if (values.base === undefined) throw new UsageError('--base REF is required');
  const format = checkFormat(values.format, ['text', 'json', 'markdown', 'github']);
  const [base, head] = await Promise.all([openSource(ctx, values.repo, values.base), openSource(ctx, values.repo, values.head)]);
  const shown = progress(ctx);
  const result = await runPlan(base, head, { labels: values.label, onStage: shown.onStage });
  shown.end();
  if (format === 'json') ctx.stdout.write(stringify(planJson(result)));
  else if (format === 'github') ctx.stdout.write(githubAnnotations(result.diagnostics, result.pathPrefix));
  else if (format === 'markdown') {
    const hint = `run \`edgeops plan --base ${values.base}${values.head ? ` --head ${values.head}` : ''} --format json\``;
    ctx.stdout.write(planMarkdown(result, { fullReportHint: hint, baseRef: values.base, headRef: values.head }));
  } else ctx.stdout.write(planText(result, styleFor(ctx)));
  if (!result.ok) return EXIT_INVALID;
  // Like terraform plan -detailed-exitcode: a script tells "nothing to do" from "changes" without parsing.
  return values['detailed-exitcode'] && result.plan.summary.changed > 0 ? EXIT_CHANGES : EXIT_OK;
}
