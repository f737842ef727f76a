import { similarDeviceIds } from '../../core/analysis/explain.js';
import { plural } from '../../core/text.js';
import { explain } from '../../usecases/explain.js';
import { explainJson, stringify } from '../../render/json.js';
import { explainText } from '../../render/text/explain.js';
import { checkFormat, COMMON_OPTIONS, parse } from '../args.js';
import { openSource } from '../source.js';
import { EXIT_INVALID, EXIT_OK, progress, styleFor, UsageError, type CliContext } from '../context.js';

export const explainHelp = `Usage: edgeops explain <deviceId> [--repo DIR] [--ref REF] [--format text|json]

Shows, for one device, every deployment's target condition clause by clause
(true, false or unknown, and why), and which deployment wins and why.
Exit code 1 when the device is not in the fleet or the repository is invalid.

  --repo DIR       the repository (default: .)
  --ref REF        read a git commit (branch, tag, HEAD, SHA, REF~N) instead of the files on disk
  --format FORMAT  text (default) or json

Examples:
  edgeops explain linuxprod1
  edgeops explain linuxprod1 --ref main~1 --format json
`;

export async function explainCommand(args: readonly string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(args, COMMON_OPTIONS, true);
  if (values.help) {
    ctx.stdout.write(explainHelp);
    return EXIT_OK;
  }
  if (positionals.length !== 1) throw new UsageError('explain takes exactly one deviceId');
  const format = checkFormat(values.format, ['text', 'json']);
  const shown = progress(ctx);
  const { explanation, loaded, valid } = await explain(await openSource(ctx, values.repo, values.ref), positionals[0], { onStage: shown.onStage });
  shown.end();
  if (!explanation) {
    const similar = similarDeviceIds(loaded.analysis.resolution.deviceIds, positionals[0]);
    const hint = similar.length > 0 ? `; did you mean ${similar.map((id) => `'${id}'`).join(' or ')}?` : '';
    ctx.stderr.write(`edgeops: no device '${positionals[0]}' in the fleet of ${values.repo}${hint}\n`);
    return EXIT_INVALID;
  }
  if (format === 'json') ctx.stdout.write(stringify(explainJson(explanation)));
  else ctx.stdout.write(explainText(explanation, styleFor(ctx)));
  if (valid) return EXIT_OK;
  // The explanation is of what could be read; an invalid repository still fails.
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error').length;
  ctx.stderr.write(`edgeops: the repository has ${plural(errors, 'error')}: run 'edgeops validate' to see them\n`);
  return EXIT_INVALID;
}
