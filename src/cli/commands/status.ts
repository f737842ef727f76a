import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { DEVICE_STATES, failingDeployments, type DeviceState } from '../../core/status/status.js';
import { folderReportSource } from '../../io/reports/folder.js';
import { ConnectionStringError } from '../../io/iothub/connection.js';
import { createIotHubClient, IotHubError } from '../../io/iothub/client.js';
import { iothubReportSource } from '../../io/reports/iothub.js';
import { statusMarkdown, statusText, writeStatusJson, type StatusView } from '../../render/status.js';
import { status } from '../../usecases/status.js';
import { checkFormat, COMMON_OPTIONS, parse } from '../args.js';
import { EXIT_INVALID, EXIT_OK, styleFor, UsageError, writer, type CliContext } from '../context.js';
import { openSource } from '../source.js';

export const statusHelp = `Usage: edgeops status [--repo DIR] [--ref REF] (--reports DIR | --iothub [CONNECTION STRING])
                      [--deployment ID] [--state success|failure|pending|unmanaged] [--devices]
                      [--format text|json|markdown] [--fail-on-failure PERCENT]

Deployment status from device reports, per deployment: targeted, applied,
reporting success, reporting failure and pending (applied, no report about the
current content yet), as the IoT Hub portal shows them; then the failing devices.

  --repo DIR                the repository (default: .)
  --ref REF                 read a git commit instead of the files on disk
  --reports DIR             reports from *.json (one each) and *.ndjson (one per line) files
  --iothub [CONNECTION]     reports from Azure IoT Hub's $edgeAgent module twins
                            (or EDGEOPS_IOTHUB_CONNECTION_STRING; EDGEOPS_IOTHUB_ENDPOINT overrides the URL)
  --deployment ID           only this deployment, and list its devices
  --state STATE             list the devices in this state: success, failure, pending or unmanaged
  --devices                 list every device with its state and the reason
  --format FORMAT           text (default), json or markdown
  --fail-on-failure PERCENT exit 1 when a deployment's reporting failure exceeds PERCENT % of its applied devices

Exit code 1 when the repository has errors or --fail-on-failure is exceeded.
`;

type Reports = Parameters<typeof status>[1];

/** The connection string comes from the argument or the environment; it never appears in output. */
function reportSourceOf(ctx: CliContext, reports: string | undefined, iothub: boolean, connection: string | undefined): Reports {
  if (reports !== undefined && iothub) throw new UsageError('give either --reports DIR or --iothub, not both');
  if (iothub) {
    const connectionString = connection ?? ctx.env.EDGEOPS_IOTHUB_CONNECTION_STRING;
    if (!connectionString) throw new UsageError('--iothub needs a connection string: as its argument or in EDGEOPS_IOTHUB_CONNECTION_STRING');
    let client;
    try {
      client = createIotHubClient({ connectionString, endpoint: ctx.env.EDGEOPS_IOTHUB_ENDPOINT || undefined });
    } catch (e) {
      if (e instanceof ConnectionStringError) throw new UsageError(e.message);
      throw e;
    }
    return (contentHashOf) => iothubReportSource({ client, contentHashOf });
  }
  if (reports === undefined) throw new UsageError('say where reports come from: --reports DIR or --iothub');
  const dir = path.resolve(ctx.cwd, reports);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--reports ${reports}: no such folder`);
  return folderReportSource(dir, reports);
}

function percentOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.replace(/%$/, ''));
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100)
    throw new UsageError(`--fail-on-failure takes a percentage from 0 to 100 (got '${value}')`);
  return n;
}

export async function statusCommand(args: readonly string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      ...COMMON_OPTIONS,
      reports: { type: 'string' },
      iothub: { type: 'boolean', default: false },
      deployment: { type: 'string' },
      state: { type: 'string' },
      devices: { type: 'boolean', default: false },
      'fail-on-failure': { type: 'string' },
    },
    true,
  );
  if (values.help) {
    ctx.stdout.write(statusHelp);
    return EXIT_OK;
  }
  if (positionals.length > (values.iothub ? 1 : 0)) throw new UsageError(`unexpected argument '${positionals[values.iothub ? 1 : 0]}'`);
  const format = checkFormat(values.format, ['text', 'json', 'markdown']);
  const state = values.state as DeviceState | undefined;
  if (state !== undefined && !DEVICE_STATES.includes(state)) throw new UsageError(`--state must be one of ${DEVICE_STATES.join(', ')} (got '${state}')`);
  const threshold = percentOf(values['fail-on-failure']);
  const reports = reportSourceOf(ctx, values.reports, values.iothub, positionals[0]);

  let outcome;
  try {
    outcome = await status(await openSource(ctx, values.repo, values.ref), reports);
  } catch (e) {
    if (!(e instanceof IotHubError)) throw e;
    ctx.stderr.write(`edgeops status: ${e.message}\n`);
    return EXIT_INVALID;
  }
  const deployment = values.deployment;
  if (deployment !== undefined && !outcome.status.deployments.some((d) => d.id === deployment)) {
    throw new UsageError(`--deployment ${deployment}: no such deployment in ${values.repo}`);
  }
  const view: StatusView = { status: outcome.status, diagnostics: outcome.diagnostics, filter: { deployment, state }, devices: values.devices };
  if (format === 'json') await writeStatusJson(view, writer(ctx));
  else if (format === 'markdown') ctx.stdout.write(statusMarkdown(view));
  else ctx.stdout.write(statusText(view, styleFor(ctx)));

  let exit = outcome.valid ? EXIT_OK : EXIT_INVALID;
  if (threshold !== undefined) {
    const shown = deployment === undefined ? outcome.status.deployments : outcome.status.deployments.filter((d) => d.id === deployment);
    const failing = failingDeployments(shown, threshold);
    for (const d of failing) {
      ctx.stderr.write(`edgeops status: ${d.id}: ${d.reportingFailure} of ${d.applied} applied devices report failure, over ${threshold}%\n`);
    }
    if (failing.length > 0) exit = EXIT_INVALID;
  }
  return exit;
}
