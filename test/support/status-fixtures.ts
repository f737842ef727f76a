/** A deployment content with one module, `telemetry`, for the status and simulate tests. */
import { contentYaml } from './fleet-generator.js';

export const TELEMETRY_CONTENT = contentYaml(`
          telemetry: { version: "1.0", type: docker, status: running, restartPolicy: always, settings: { image: "example.azurecr.io/telemetry:2.1", createOptions: { HostConfig: { Privileged: false } } } }`);
