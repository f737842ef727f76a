import { validate } from '../../usecases/validate.js';
import { githubAnnotations } from '../../render/github.js';
import { stringify, validateJson } from '../../render/json.js';
import { validateText } from '../../render/text/validate.js';
import { checkFormat, COMMON_OPTIONS, parse } from '../args.js';
import { openSource } from '../source.js';
import { EXIT_INVALID, EXIT_OK, progress, styleFor, type CliContext } from '../context.js';

export const validateHelp = `Usage: edgeops validate [--repo DIR] [--ref REF] [--format text|json|github]

Checks every deployment and fleet file: YAML, schema, target conditions, ids,
labels, IoT Hub limits, and resolves the fleet to find priority ties.
Exit code 0 when valid (warnings allowed), 1 when any error is found.

  --repo DIR       the repository (default: .)
  --ref REF        read a git commit (branch, tag, HEAD, SHA, REF~N) instead of the files on disk
  --format FORMAT  text (default), json, or github (workflow annotations)

Also checks .github/edgeops.yml (the plan's policy) when it exists.

Examples:
  edgeops validate
  edgeops validate --repo infra/edge --ref origin/main --format github
`;

export async function validateCommand(args: readonly string[], ctx: CliContext): Promise<number> {
  const { values } = parse(args, COMMON_OPTIONS);
  if (values.help) {
    ctx.stdout.write(validateHelp);
    return EXIT_OK;
  }
  const format = checkFormat(values.format, ['text', 'json', 'github']);
  const source = await openSource(ctx, values.repo, values.ref);
  const shown = progress(ctx);
  const result = await validate(source, { onStage: shown.onStage });
  shown.end();
  const { diagnostics } = result;
  if (format === 'json') ctx.stdout.write(stringify(validateJson(result.valid, diagnostics)));
  else if (format === 'github') ctx.stdout.write(githubAnnotations(diagnostics, source.pathPrefix));
  else
    ctx.stdout.write(
      validateText({ valid: result.valid, diagnostics, deployments: result.deployments, devices: result.devices, files: result.files }, styleFor(ctx)),
    );
  return result.valid ? EXIT_OK : EXIT_INVALID;
}
