/**
 * `edgeops status --iothub` end to end against the loopback IoT Hub emulator:
 * devices receive their rendered manifests, the emulator plays each device's agent.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderManifest } from '../src/core/manifest/render.js';
import { createIotHubClient } from '../src/io/iothub/client.js';
import { diskSource } from '../src/io/disk.js';
import { loadRepository } from '../src/usecases/load.js';
import { deploymentYaml, fleetYaml } from './helpers.js';
import { runCli } from './support/cli.js';
import { startIotHubEmulator, type IotHubEmulator } from './support/iothub-emulator.js';
import { TELEMETRY_CONTENT } from './support/status-fixtures.js';

let hub: IotHubEmulator | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

const prod = Array.from({ length: 15 }, (_, i) => `prod${String(i + 1).padStart(2, '0')}`);

/** A repository with one deployment over 15 devices, each of which the hub has received. */
async function deliveredFleet(): Promise<{ repo: string; hub: IotHubEmulator }> {
  const repo = mkdtempSync(path.join(tmpdir(), 'edgeops-status-iothub-'));
  mkdirSync(path.join(repo, 'deployments'));
  mkdirSync(path.join(repo, 'fleet'));
  writeFileSync(path.join(repo, 'deployments/telemetry-prod.yaml'), deploymentYaml({ targetCondition: '*', content: TELEMETRY_CONTENT }));
  writeFileSync(path.join(repo, 'fleet/devices.yaml'), fleetYaml(prod.map((deviceId) => ({ deviceId }))));
  const loaded = await loadRepository(diskSource(repo));
  const { manifest } = renderManifest(loaded.analysis.repository.deployments[0]);
  hub = await startIotHubEmulator({ pageSize: 4, devices: [...prod, 'retired'] });
  const client = createIotHubClient({ connectionString: hub.connectionString, endpoint: hub.url });
  for (const id of [...prod, 'retired']) expect(await client.applyConfigurationContent(id, manifest.modulesContent)).toEqual({ ok: true });
  return { repo, hub };
}

describe('edgeops status --iothub', () => {
  it("reads $edgeAgent twins page by page into the seed's example; secrets stay out of the output", async () => {
    const { repo, hub } = await deliveredFleet();
    for (const id of prod.slice(0, 10)) hub.report(id);
    hub.report('retired');
    const env = { EDGEOPS_IOTHUB_CONNECTION_STRING: hub.connectionString, EDGEOPS_IOTHUB_ENDPOINT: hub.url };
    const { code, stdout, stderr } = await runCli(['status', '--repo', repo, '--iothub', '--format', 'json'], { cwd: repo, env });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(json.deployments).toEqual([
      { id: 'telemetry-prod', labels: {}, priority: 10, targeted: 15, applied: 15, reportingSuccess: 10, reportingFailure: 0, pending: 5 },
    ]);
    expect(json.unknownDevices).toBe(1);
    expect(json.diagnostics.map((d: { code: string; file: string }) => [d.code, d.file])).toEqual([['report/unknown-device', `iothub:${hub.hostName}`]]);
    expect(hub.calls.filter((c) => c.kind === 'query').length).toBeGreaterThanOrEqual(4);
    expect(stdout).not.toContain(hub.key);
  });

  it('a failing module, a failure code and a report about an older version, with the connection string as the argument', async () => {
    const { repo, hub } = await deliveredFleet();
    hub.report('prod01', { code: 500, description: 'image pull failed' });
    hub.report('prod02', { modules: { telemetry: { runtimeStatus: 'failed', exitCode: 1 } } });
    hub.report('prod03', { lastDesiredVersion: 0 });
    hub.report('prod04');
    const args = ['status', '--repo', repo, '--iothub', hub.connectionString, '--devices', '--format', 'json', '--fail-on-failure', '10'];
    const { code, stdout, stderr } = await runCli(args, { cwd: repo, env: { EDGEOPS_IOTHUB_ENDPOINT: hub.url } });
    expect(code).toBe(1);
    expect(stderr).toBe('edgeops status: telemetry-prod: 2 of 15 applied devices report failure, over 10%\n');
    const devices = Object.fromEntries(
      JSON.parse(stdout).devices.map((d: { deviceId: string; state: string; reason: string }) => [d.deviceId, `${d.state}: ${d.reason}`]),
    );
    expect(devices.prod01).toBe('failure: code 500: image pull failed');
    expect(devices.prod02).toBe('failure: module telemetry failed (exit 1)');
    expect(devices.prod03).toMatch(/^pending: /);
    expect(devices.prod04).toBe('success: code 200');
    expect(devices.prod05).toBe('pending: no report yet');
  });

  it('a hub that refuses the key is exit 1 with a message that holds no secret', async () => {
    const { repo, hub } = await deliveredFleet();
    const wrongKey = Buffer.alloc(32, 7).toString('base64');
    const connection = `HostName=${hub.hostName};SharedAccessKeyName=${hub.keyName};SharedAccessKey=${wrongKey}`;
    const { code, stdout, stderr } = await runCli(['status', '--repo', repo, '--iothub', connection], { cwd: repo, env: { EDGEOPS_IOTHUB_ENDPOINT: hub.url } });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^edgeops status: .*401/);
    expect(stderr).not.toContain(wrongKey);
  });

  it('a bad connection string is a usage error that does not quote it', async () => {
    const secret = 'HostName=hub.azure-devices.net;SharedAccessKeyName=owner;SharedAccessKey=not*base64';
    const bad = await runCli(['status', '--iothub', secret], { cwd: tmpdir() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('SharedAccessKey is not base64');
    expect(bad.stderr).not.toContain('not*base64');
    expect((await runCli(['status', '--iothub'], { cwd: tmpdir() })).stderr).toContain('--iothub needs a connection string');
  });
});
