import fs from 'node:fs';
import path from 'node:path';
import { reportFileWriter } from '../../io/reports/folder.js';
import { openRendering, RenderingError } from '../../io/rendering.js';
import { DEFAULT_RENDERED } from '../../io/sinks/git.js';
import { stringify } from '../../render/json.js';
import { diagnosticsText } from '../../render/text/diagnostics.js';
import { simulate } from '../../usecases/simulate.js';
import { checkFormat, parse } from '../args.js';
import { EXIT_INVALID, EXIT_OK, styleFor, UsageError, type CliContext } from '../context.js';

/** The file simulate writes inside --reports (replaced on every run). */
export const SIMULATED_REPORTS = 'simulated.ndjson';

export const simulateHelp = `Usage: edgeops simulate [--repo DIR] [--from .edgeops/rendered | DIR] --reports DIR
                        [--seed N] [--fail-rate R] [--pending-rate R] [--fail-module NAME] [--format text|json]

Every device in the rendering receives its manifest and checks it as the IoT Edge
agent would (known schemaVersion, an image for every module, createOptions that
join into valid JSON, at most 50 modules), then reports: success, a failure with
the agent's code (400 invalid configuration, 406 not connected, 412 schema version,
500 failed) and module states, or nothing (pending). Writes DIR/${SIMULATED_REPORTS}
for 'edgeops status --reports DIR'. The same seed gives the same reports.

  --repo DIR          the repository (default: .)
  --from PATH         the rendering: the edgeops/rendered branch of a git repository,
                      or a folder with devices/ (default: .edgeops/rendered; relative to --repo)
  --reports DIR       where to write the reports (relative to the current folder)
  --seed N            an integer (default 0)
  --fail-rate R       share of devices, 0..1, that fail anyway (default 0)
  --pending-rate R    share of devices, 0..1, that do not report (default 0)
  --fail-module NAME  every device running module NAME reports it failed (exit 1)
  --format FORMAT     text (default) or json
`;

function rate(name: string, value: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`--${name} takes a number from 0 to 1 (got '${value}')`);
  return n;
}

export async function simulateCommand(args: readonly string[], ctx: CliContext): Promise<number> {
  const { values } = parse(args, {
    repo: { type: 'string', default: '.' },
    from: { type: 'string', default: DEFAULT_RENDERED },
    reports: { type: 'string' },
    seed: { type: 'string', default: '0' },
    'fail-rate': { type: 'string' },
    'pending-rate': { type: 'string' },
    'fail-module': { type: 'string' },
    format: { type: 'string', default: 'text' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    ctx.stdout.write(simulateHelp);
    return EXIT_OK;
  }
  const format = checkFormat(values.format, ['text', 'json']);
  if (values.reports === undefined) throw new UsageError('--reports DIR is required: where the reports are written');
  const seed = Number(values.seed);
  if (!/^-?\d+$/.test(values.seed) || !Number.isSafeInteger(seed)) throw new UsageError(`--seed takes an integer (got '${values.seed}')`);
  const options = {
    seed,
    failRate: rate('fail-rate', values['fail-rate']),
    pendingRate: rate('pending-rate', values['pending-rate']),
    failModule: values['fail-module'],
  };
  const from = path.resolve(ctx.cwd, values.repo, values.from);
  let rendering;
  try {
    rendering = await openRendering(from, { fs, display: path.isAbsolute(values.from) ? values.from : path.join(values.repo, values.from) });
  } catch (e) {
    if (!(e instanceof RenderingError)) throw e;
    ctx.stderr.write(`edgeops simulate: ${e.message}\n`);
    return EXIT_INVALID;
  }
  const file = path.join(values.reports, SIMULATED_REPORTS);
  const out = await reportFileWriter(path.resolve(ctx.cwd, file));
  const result = await simulate(rendering, (lines) => out.write(lines), options);
  await out.close();

  if (format === 'json') {
    ctx.stdout.write(stringify({ from: rendering.description, reports: file, ...result }));
  } else {
    const style = styleFor(ctx);
    const lines = [
      `simulated ${result.devices} devices from ${rendering.description}: ${style.green(`${result.success} success`)}, ${style.red(`${result.failure} failure`)}, ${style.yellow(`${result.pending} pending`)} (no report)`,
      `wrote ${result.success + result.failure} reports to ${file}: run 'edgeops status --reports ${values.reports}'`,
    ];
    if (result.diagnostics.length) lines.push('', diagnosticsText(result.diagnostics, style));
    ctx.stdout.write(`${lines.join('\n')}\n`);
  }
  return result.diagnostics.length ? EXIT_INVALID : EXIT_OK;
}
