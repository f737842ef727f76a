/** The IoT Hub client for apply (sink iothub) and status, from the masked `iothub-connection-string` input. */
import { createIotHubClient, IotHubError, type IotHubClient } from '../io/iothub/client.js';
import { ConnectionStringError } from '../io/iothub/connection.js';
import type { ActionContext } from './context.js';
import { ActionError, type ActionInputs } from './inputs.js';

/** `EDGEOPS_IOTHUB_ENDPOINT` (the step's env) points at an emulator instead of `https://<HostName>`. */
export function hubClient(inputs: ActionInputs, context: ActionContext): IotHubClient {
  if (!inputs.iothubConnectionString) throw new ActionError(`${inputs.command} needs \`iothub-connection-string\` (from a secret)`);
  try {
    return createIotHubClient({ connectionString: inputs.iothubConnectionString, endpoint: context.env.EDGEOPS_IOTHUB_ENDPOINT || undefined });
  } catch (e) {
    // Their messages never quote the string or the key.
    if (e instanceof ConnectionStringError || e instanceof IotHubError) throw new ActionError(e.message);
    throw e;
  }
}
