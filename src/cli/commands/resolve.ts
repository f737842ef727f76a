import { resolve } from '../../usecases/resolve.js';
import { writeResolveJson, writeResolveNdjson } from '../../render/json-stream.js';
import { diagnosticsText } from '../../render/text/diagnostics.js';
import { resolveText } from '../../render/text/resolve.js';
import { checkFormat, COMMON_OPTIONS, parse } from '../args.js';
import { openSource } from '../source.js';
import { EXIT_INVALID, EXIT_OK, styleFor, writer, type CliContext } from '../context.js';
import { createStyle } from '../../render/style.js';

export const resolveHelp = `Usage: edgeops resolve [--repo DIR] [--ref REF] [--format text|json|ndjson] [--candidates] [--devices]

Resolves the winning deployment of every device: the highest priority among the
deployments whose target condition holds, then the newest createdAt. A device two
deployments tie on gets neither (it is listed as tied, not as unmanaged).
Exit code 1 when the repository has errors (the result is still printed).

  --repo DIR       the repository (default: .)
  --ref REF        read a git commit (branch, tag, HEAD, SHA, REF~N) instead of the files on disk
  --format FORMAT  text (default); json: { version, devices, deployments, diagnostics };
                   ndjson: one device per line (diagnostics go to stderr)
  --candidates     json, ndjson: also list each device's matching deployments, winner first
  --devices        text: also list every device with its winner and candidates

Examples:
  edgeops resolve --devices
  edgeops resolve --ref main --format json
`;

export async function resolveCommand(args: readonly string[], ctx: CliContext): Promise<number> {
  const { values } = parse(args, {
    ...COMMON_OPTIONS,
    devices: { type: 'boolean', default: false },
    candidates: { type: 'boolean', default: false },
  });
  if (values.help) {
    ctx.stdout.write(resolveHelp);
    return EXIT_OK;
  }
  const format = checkFormat(values.format, ['text', 'json', 'ndjson']);
  const { resolution, diagnostics, valid } = await resolve(await openSource(ctx, values.repo, values.ref));
  const options = { candidates: values.candidates };
  if (format === 'json') await writeResolveJson(resolution, diagnostics, writer(ctx), options);
  else if (format === 'ndjson') {
    await writeResolveNdjson(resolution, writer(ctx), options);
    if (diagnostics.length > 0) ctx.stderr.write(`${diagnosticsText(diagnostics, createStyle(false))}\n`);
  } else ctx.stdout.write(resolveText(resolution, diagnostics, styleFor(ctx), { devices: values.devices }));
  return valid ? EXIT_OK : EXIT_INVALID;
}
