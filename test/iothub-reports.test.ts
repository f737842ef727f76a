/**
 * Reports from IoT Hub `$edgeAgent` module twins, read through the client from
 * the loopback emulator: the agent's verdict counts for the current content only
 * when lastDesiredVersion equals the desired $version.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createIotHubClient, IotHubError } from '../src/io/iothub/client.js';
import { edgeAgentDesiredKey, iothubReportSource, reportOfTwin } from '../src/io/reports/iothub.js';
import type { ReportItem } from '../src/io/reports/report-source.js';
import { renderManifest } from '../src/core/manifest/render.js';
import { startIotHubEmulator, type IotHubEmulator } from './support/iothub-emulator.js';

let hub: IotHubEmulator | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

const manifestFor = (id: string, image: string) =>
  renderManifest({
    id,
    modulesContent: {
      $edgeAgent: {
        'properties.desired': {
          schemaVersion: '1.1',
          runtime: { type: 'docker', settings: {} },
          modules: {
            tempSensor: {
              type: 'docker',
              status: 'running',
              restartPolicy: 'always',
              settings: { image, createOptions: { HostConfig: { Privileged: false } } },
            },
          },
        },
      },
      $edgeHub: { 'properties.desired': { schemaVersion: '1.1', routes: { all: 'FROM /messages/* INTO $upstream' } } },
    },
  }).manifest;

async function collect(items: AsyncIterable<ReportItem>): Promise<ReportItem[]> {
  const out: ReportItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('IoT Hub report source', () => {
  it('maps $edgeAgent twins over three pages: success, failure by code, by module, older version, not yet reported, unmapped', async () => {
    hub = await startIotHubEmulator({ pageSize: 3, devices: ['s1', 'f1', 'm1', 'o1', 'n1', 'u1'] });
    const client = createIotHubClient({ connectionString: hub.connectionString, endpoint: hub.url });
    const a = manifestFor('telemetry', 'example/temp:1.0');
    const b = manifestFor('telemetry', 'example/temp:2.0');
    const foreign = manifestFor('portal', 'example/other:9');
    const delivered = new Map(
      [a, b].map((m) => [edgeAgentDesiredKey((m.modulesContent.$edgeAgent as Record<string, Record<string, unknown>>)['properties.desired']), m.contentHash]),
    );
    for (const id of ['s1', 'f1', 'm1', 'o1', 'n1']) expect(await client.applyConfigurationContent(id, a.modulesContent)).toEqual({ ok: true });
    expect(await client.applyConfigurationContent('u1', foreign.modulesContent)).toEqual({ ok: true });
    hub.report('s1', { reportedAt: '2026-11-20T10:00:00Z' });
    hub.report('f1', { code: 500, description: 'image pull failed' });
    hub.report('m1', { modules: { tempSensor: { runtimeStatus: 'backoff', exitCode: 1, statusDescription: 'crashed' } } });
    hub.report('o1');
    expect(await client.applyConfigurationContent('o1', b.modulesContent)).toEqual({ ok: true }); // $version 2, agent still at 1
    hub.report('u1');
    hub.setTwin('x1', { desired: { $version: 3 }, reported: { lastDesiredVersion: 3, lastDesiredStatus: { code: 'oops' } } });

    const seen: string[] = [];
    const source = iothubReportSource({
      client,
      contentHashOf: (desired, deviceId) => {
        seen.push(deviceId);
        expect(desired).not.toHaveProperty('$version');
        expect(desired).not.toHaveProperty('$metadata');
        return delivered.get(edgeAgentDesiredKey(desired));
      },
    });
    expect(source.description).toBe(`iothub:${hub.hostName}`);
    const items = await collect(source.reports());
    expect(hub.calls.filter((c) => c.kind === 'query')).toHaveLength(3);

    const reports = new Map(items.flatMap((i) => ('report' in i ? [[i.report.deviceId, i.report] as const] : [])));
    expect([...reports.keys()].sort()).toEqual(['f1', 'm1', 'o1', 's1', 'u1']); // n1: no report yet
    expect(reports.get('s1')).toEqual({
      deviceId: 's1',
      contentHash: a.contentHash,
      code: 200,
      modules: { edgeAgent: { runtimeStatus: 'running' }, edgeHub: { runtimeStatus: 'running' }, tempSensor: { runtimeStatus: 'running' } },
      reportedAt: '2026-11-20T10:00:00Z',
    });
    expect(reports.get('f1')).toMatchObject({ contentHash: a.contentHash, code: 500, description: 'image pull failed' });
    expect(reports.get('m1')).toMatchObject({
      contentHash: a.contentHash,
      code: 200,
      modules: { tempSensor: { runtimeStatus: 'backoff', exitCode: 1, statusDescription: 'crashed' } },
    });
    // The agent's 200 is about version 1; the hub holds version 2 (content b): no current content hash, so status counts it pending.
    expect(reports.get('o1')).toMatchObject({ code: 200 });
    expect(reports.get('o1')).not.toHaveProperty('contentHash');
    // Content edgeops did not deliver: no content hash either.
    expect(reports.get('u1')).not.toHaveProperty('contentHash');
    expect(seen.sort()).toEqual(['f1', 'm1', 's1', 'u1']);

    const diagnostics = items.flatMap((i) => ('diagnostic' in i ? [i.diagnostic] : []));
    expect(diagnostics).toEqual([
      {
        severity: 'warning',
        code: 'report/invalid',
        message: 'module twin 7 (device "x1"): properties.reported.lastDesiredStatus has no numeric code: this twin is skipped',
        file: `iothub:${hub.hostName}`,
        line: 7,
        column: 1,
      },
    ]);
  });

  it('without contentHashOf, reports carry no content hash', async () => {
    hub = await startIotHubEmulator({ devices: ['d1'] });
    const client = createIotHubClient({ connectionString: hub.connectionString, endpoint: hub.url });
    await client.applyConfigurationContent('d1', manifestFor('t', 'x:1').modulesContent);
    hub.report('d1');
    const [item] = await collect(iothubReportSource({ client }).reports());
    expect(item).toEqual({ report: expect.objectContaining({ deviceId: 'd1', code: 200 }) });
    expect((item as { report: object }).report).not.toHaveProperty('contentHash');
  });

  it.each([
    [{ properties: { desired: {} } }, 'no deviceId'],
    [{ deviceId: 'd', moduleId: '$edgeHub', properties: { desired: {} } }, 'module $edgeHub is not $edgeAgent'],
    [{ deviceId: 'd', properties: {} }, 'no properties.desired'],
    [
      { deviceId: 'd', properties: { desired: { $version: 1 }, reported: { lastDesiredStatus: { code: 200 }, lastDesiredVersion: '1' } } },
      'lastDesiredVersion is not a number',
    ],
  ])('a twin that cannot be mapped says why: %j', (twin, problem) => {
    expect(reportOfTwin(twin, undefined)).toEqual({ problem: expect.stringContaining(problem) });
  });

  it('a hub that cannot be read rejects with a safe IotHubError', async () => {
    hub = await startIotHubEmulator();
    const client = createIotHubClient({
      connectionString: `HostName=${hub.hostName};SharedAccessKeyName=${hub.keyName};SharedAccessKey=${Buffer.from('not the key').toString('base64')}`,
      endpoint: hub.url,
    });
    const error = await collect(iothubReportSource({ client }).reports()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IotHubError);
    expect((error as IotHubError).status).toBe(401);
    expect(String(error)).not.toContain(hub.key);
  });
});
