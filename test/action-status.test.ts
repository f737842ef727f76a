/** The Action's status, run from its bundle as the runner runs it, against the loopback IoT Hub emulator. */
import { afterEach, describe, expect, it } from 'vitest';
import { renderManifest } from '../src/core/manifest/render.js';
import { diskSource } from '../src/io/disk.js';
import { createIotHubClient } from '../src/io/iothub/client.js';
import { loadRepository } from '../src/usecases/load.js';
import { deploymentYaml, fleetYaml } from './helpers.js';
import { leaks, runAction } from './support/action-runner.js';
import { testRepo } from './support/git-repo.js';
import { startIotHubEmulator, type IotHubEmulator } from './support/iothub-emulator.js';
import { TELEMETRY_CONTENT } from './support/status-fixtures.js';

let hub: IotHubEmulator | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

const prod = Array.from({ length: 15 }, (_, i) => `prod${String(i + 1).padStart(2, '0')}`);

/** A repository (in `edge/`) with one deployment over 15 devices, each of which the hub has received. */
async function deliveredFleet() {
  const repo = testRepo();
  repo.commit({
    'edge/deployments/telemetry-prod.yaml': deploymentYaml({ targetCondition: '*', content: TELEMETRY_CONTENT }),
    'edge/fleet/devices.yaml': fleetYaml(prod.map((deviceId) => ({ deviceId }))),
  });
  const loaded = await loadRepository(diskSource(`${repo.dir}/edge`));
  const { manifest } = renderManifest(loaded.analysis.repository.deployments[0]);
  const emulator = await startIotHubEmulator({ pageSize: 4, devices: [...prod, 'retired'] });
  hub = emulator;
  const client = createIotHubClient({ connectionString: emulator.connectionString, endpoint: emulator.url });
  for (const id of [...prod, 'retired']) expect(await client.applyConfigurationContent(id, manifest.modulesContent)).toEqual({ ok: true });
  const status = (inputs: Record<string, string> = {}) =>
    runAction({
      workspace: repo.dir,
      eventName: 'schedule',
      inputs: { command: 'status', 'working-directory': 'edge', 'iothub-connection-string': emulator.connectionString, ...inputs },
      env: { EDGEOPS_IOTHUB_ENDPOINT: emulator.url },
    });
  return { hub: emulator, status };
}

describe('the Action: status', () => {
  it("writes the seed's table to the job summary, a report about an unknown device as a warning; the connection string and key never in the log", async () => {
    const { hub, status } = await deliveredFleet();
    for (const id of prod.slice(0, 10)) hub.report(id);
    hub.report('retired');
    const run = await status();
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.outputs).toEqual({ valid: 'true', failed: '0' });
    expect(run.summary).toContain('| `telemetry-prod` | 10 |  | 15 | 15 | 10 | 0 | 5 |');
    // A device the fleet does not have is no file of the checkout: a warning without a place.
    expect(run.stdout).toMatch(new RegExp(`^::warning title=edgeops report/unknown-device::iothub:${hub.hostName.replace(/\./g, '\\.')}: .*retired`, 'm'));
    expect(leaks(run, hub.connectionString)).toEqual([]);
    expect(leaks(run, hub.key)).toEqual([]);
    expect(run.stdout).toContain(`::add-mask::${hub.key}`);
  });

  it('fails when failures exceed fail-on-failure, and lists the failing devices', async () => {
    const { hub, status } = await deliveredFleet();
    hub.report('prod01', { code: 500, description: 'image pull failed' });
    hub.report('prod02', { modules: { telemetry: { runtimeStatus: 'failed', exitCode: 1 } } });
    for (const id of prod.slice(2)) hub.report(id);
    const lenient = await status({ 'fail-on-failure': '20' });
    expect(lenient.code).toBe(0);
    expect(lenient.outputs).toEqual({ valid: 'true', failed: '2' });
    const strict = await status({ 'fail-on-failure': '10' });
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('::error::edgeops status: telemetry-prod: 2 of 15 applied devices report failure, over 10%');
    expect(strict.summary).toContain('code 500: image pull failed');
  });

  it('a hub that refuses the key fails with a message that holds no secret', async () => {
    const { hub, status } = await deliveredFleet();
    const wrongKey = Buffer.alloc(32, 7).toString('base64');
    const run = await status({ 'iothub-connection-string': `HostName=${hub.hostName};SharedAccessKeyName=${hub.keyName};SharedAccessKey=${wrongKey}` });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^::error::edgeops status: .*401/m);
    expect(leaks(run, wrongKey)).toEqual([]);
  });

  it('needs the connection string', async () => {
    const { status } = await deliveredFleet();
    const run = await status({ 'iothub-connection-string': '' });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('::error::status needs `iothub-connection-string` (from a secret)');
  });
});
