/**
 * `command: status`: deployment status from the devices' `$edgeAgent` module
 * twins in Azure IoT Hub, as a table in the job summary; with `fail-on-failure`,
 * a scheduled health check.
 */
import { failingDeployments } from '../../core/status/status.js';
import { diskSource } from '../../io/disk.js';
import { IotHubError } from '../../io/iothub/client.js';
import { iothubReportSource } from '../../io/reports/iothub.js';
import { statusMarkdown } from '../../render/status.js';
import { status } from '../../usecases/status.js';
import type { ActionContext } from '../context.js';
import { hubClient } from '../hub.js';
import { ActionError, type ActionInputs } from '../inputs.js';
import type { Outcome } from '../outcome.js';

export async function statusAction(inputs: ActionInputs, context: ActionContext): Promise<Outcome> {
  const client = hubClient(inputs, context);
  let outcome;
  try {
    outcome = await status(diskSource(inputs.workingDirectory), (contentHashOf) => iothubReportSource({ client, contentHashOf }));
  } catch (e) {
    if (e instanceof IotHubError) throw new ActionError(`edgeops status: ${e.message}`);
    throw e;
  }
  const { deployments } = outcome.status;
  const failing = inputs.failOnFailure === undefined ? [] : failingDeployments(deployments, inputs.failOnFailure);
  const over = failing.map((d) => `${d.id}: ${d.reportingFailure} of ${d.applied} applied devices report failure, over ${inputs.failOnFailure}%`);
  return {
    outputs: { valid: outcome.valid, failed: deployments.reduce((n, d) => n + d.reportingFailure, 0) },
    summary: statusMarkdown({ status: outcome.status, diagnostics: outcome.diagnostics }),
    diagnostics: outcome.diagnostics,
    failure: !outcome.valid ? 'edgeops status: the repository is invalid' : over.length > 0 ? `edgeops status: ${over.join('; ')}` : undefined,
  };
}
