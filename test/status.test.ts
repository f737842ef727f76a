import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/core/manifest/canonical.js';
import { renderModulesContent } from '../src/core/manifest/render.js';
import type { DeviceReport } from '../src/core/status/report.js';
import { computeStatus, deviceIndex, failingDeployments, reportProblem, type StatusResult } from '../src/core/status/status.js';
import fc from 'fast-check';
import type { ReportItem } from '../src/io/reports/report-source.js';
import { FAILING_SHOWN, statusMarkdown, statusText } from '../src/render/status.js';
import { createStyle } from '../src/render/style.js';
import { memorySource } from '../src/io/source.js';
import { currentContentHashes, desiredContentLookup, status } from '../src/usecases/status.js';
import type { LoadedRepository } from '../src/usecases/load.js';
import { deploymentYaml, fleetYaml, loadFleet } from './helpers.js';
import { TELEMETRY_CONTENT } from './support/status-fixtures.js';

const prodDevices = (n: number) => Array.from({ length: n }, (_, i) => ({ deviceId: `prod${String(i + 1).padStart(2, '0')}`, tags: { environment: 'prod' } }));

/** 15 prod devices, one deployment, one unmanaged lab device. */
async function seedFleet(): Promise<{ loaded: LoadedRepository; hash: string }> {
  const loaded = await loadFleet(
    { 'telemetry-prod': { priority: 10, targetCondition: "tags.environment = 'prod'", labels: { team: 'telemetry' }, content: TELEMETRY_CONTENT } },
    [...prodDevices(15), { deviceId: 'lab1', tags: { environment: 'lab' } }],
  );
  expect(loaded.valid).toBe(true);
  return { loaded, hash: currentContentHashes(loaded.analysis).get('telemetry-prod')! };
}

const ok = (deviceId: string, contentHash: string, extra: Partial<DeviceReport> = {}): DeviceReport => ({
  deviceId,
  deployment: 'telemetry-prod',
  contentHash,
  code: 200,
  description: '',
  modules: { telemetry: { runtimeStatus: 'running' } },
  ...extra,
});

const statusOf = (loaded: LoadedRepository, reports: DeviceReport[]): StatusResult =>
  computeStatus(loaded.analysis.resolution, currentContentHashes(loaded.analysis), reports);

const device = (result: StatusResult, id: string) => [...result.devices()].find((d) => d.deviceId === id);

describe('status metrics', () => {
  it("the seed's example: 15 targeted, 15 applied, 10 success, 0 failure, 5 pending", async () => {
    const { loaded, hash } = await seedFleet();
    const result = statusOf(
      loaded,
      prodDevices(10).map((d) => ok(d.deviceId, hash)),
    );
    expect(result.deployments).toEqual([
      { id: 'telemetry-prod', priority: 10, labels: { team: 'telemetry' }, targeted: 15, applied: 15, reportingSuccess: 10, reportingFailure: 0, pending: 5 },
    ]);
    expect(device(result, 'prod01')).toEqual({ deviceId: 'prod01', deployment: 'telemetry-prod', state: 'success', reason: 'code 200' });
    expect(device(result, 'prod11')).toEqual({ deviceId: 'prod11', deployment: 'telemetry-prod', state: 'pending', reason: 'no report yet' });
    expect(result.countDevices({ state: 'pending' })).toBe(5);
    expect(result.reports).toBe(10);
    expect(result.diagnostics).toEqual([]);
  });

  it('a code other than 200 is a failure, with the code and description as the reason', async () => {
    const { loaded, hash } = await seedFleet();
    const result = statusOf(loaded, [
      ok('prod01', hash, { code: 500, description: 'failed to pull image' }),
      ok('prod02', hash, { code: 406, description: '' }),
      ok('prod03', hash),
    ]);
    expect(result.deployments[0]).toMatchObject({ applied: 15, reportingSuccess: 1, reportingFailure: 2, pending: 12 });
    expect(device(result, 'prod01')).toMatchObject({ state: 'failure', reason: 'code 500: failed to pull image' });
    expect(device(result, 'prod02')).toMatchObject({ state: 'failure', reason: 'code 406' });
    expect([...result.devices({ state: 'failure' })].map((d) => d.deviceId)).toEqual(['prod01', 'prod02']);
  });

  it('a module failed or in backoff is a failure even with code 200', async () => {
    const { loaded, hash } = await seedFleet();
    const result = statusOf(loaded, [
      ok('prod01', hash, { modules: { telemetry: { runtimeStatus: 'failed', exitCode: 1 } } }),
      ok('prod02', hash, { modules: { telemetry: { runtimeStatus: 'backoff', exitCode: 137, statusDescription: 'OOM killed' } } }),
      ok('prod03', hash, { modules: { telemetry: { runtimeStatus: 'stopped' } } }),
    ]);
    expect(result.deployments[0]).toMatchObject({ reportingSuccess: 1, reportingFailure: 2, pending: 12 });
    expect(device(result, 'prod01')!.reason).toBe('module telemetry failed (exit 1)');
    expect(device(result, 'prod02')!.reason).toBe('module telemetry backoff (exit 137, OOM killed)');
    expect(device(result, 'prod03')!.state).toBe('success');
  });

  it('a report about an older content hash is pending, not success', async () => {
    const { loaded, hash } = await seedFleet();
    const older = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
    const result = statusOf(loaded, [ok('prod01', older), ok('prod02', older, { code: 500 }), ok('prod03', hash)]);
    expect(result.deployments[0]).toMatchObject({ reportingSuccess: 1, reportingFailure: 0, pending: 14 });
    expect(device(result, 'prod01')).toMatchObject({ state: 'pending', reason: 'reported sha256:0123456789ab… (older content)' });
    expect(device(result, 'prod02')!.state).toBe('pending');
  });

  it('unmanaged devices are listed as such and their reports count for no deployment', async () => {
    const { loaded, hash } = await seedFleet();
    const result = statusOf(loaded, [ok('lab1', hash, { code: 500 })]);
    expect(device(result, 'lab1')).toEqual({ deviceId: 'lab1', deployment: null, state: 'unmanaged', reason: 'no deployment targets this device' });
    expect(result.deployments[0]).toMatchObject({ reportingFailure: 0, pending: 15 });
    expect(result.countDevices({ state: 'unmanaged' })).toBe(1);
  });

  it('a device two deployments tie on is unmanaged, and the reason names them', async () => {
    const loaded = await loadFleet({ a: { targetCondition: '*' }, b: { targetCondition: '*' } }, [{ deviceId: 'd1' }]);
    expect(loaded.valid).toBe(false);
    const result = computeStatus(loaded.analysis.resolution, currentContentHashes(loaded.analysis), []);
    expect(device(result, 'd1')).toEqual({ deviceId: 'd1', deployment: null, state: 'unmanaged', reason: 'undecided: a and b tie' });
  });

  it('reports for devices not in the fleet (removed) are counted and listed once', async () => {
    const { loaded, hash } = await seedFleet();
    const result = statusOf(loaded, [ok('removed1', hash), ok('removed1', hash, { code: 500 }), ok('removed0', hash)]);
    expect(result.unknownDevices).toBe(2);
    expect(result.reports).toBe(3);
    expect(result.diagnostics.map((d) => [d.code, d.message.match(/'(\w+)'/)![1]])).toEqual([
      ['report/unknown-device', 'removed0'],
      ['report/unknown-device', 'removed1'],
    ]);
    expect(result.deployments[0].pending).toBe(15);
  });

  it('the latest reportedAt counts, whatever the reading order', async () => {
    const { loaded, hash } = await seedFleet();
    const early = ok('prod01', hash, { code: 500, reportedAt: '2026-11-20T10:00:00Z' });
    // 10:30Z, written with an offset: compared as instants, not strings.
    const late = ok('prod01', hash, { reportedAt: '2026-11-20T11:30:00+01:00' });
    for (const order of [
      [early, late],
      [late, early],
    ]) {
      expect(device(statusOf(loaded, order), 'prod01')!.state).toBe('success');
    }
    // Without times, the last one read counts.
    expect(device(statusOf(loaded, [ok('prod01', hash), ok('prod01', hash, { code: 400 })]), 'prod01')!.state).toBe('failure');
  });

  it('filters devices by deployment and state', async () => {
    const loaded = await loadFleet(
      {
        a: { priority: 10, targetCondition: "tags.ring = '0'" },
        b: { priority: 5, targetCondition: '*' },
      },
      [
        { deviceId: 'd1', tags: { ring: '0' } },
        { deviceId: 'd2', tags: { ring: '1' } },
        { deviceId: 'd3', tags: { ring: '1' } },
      ],
    );
    const hashes = currentContentHashes(loaded.analysis);
    const result = computeStatus(loaded.analysis.resolution, hashes, [{ deviceId: 'd2', contentHash: hashes.get('b'), code: 200 }]);
    expect([...result.devices({ deployment: 'b' })].map((d) => [d.deviceId, d.state])).toEqual([
      ['d2', 'success'],
      ['d3', 'pending'],
    ]);
    expect(result.countDevices({ deployment: 'a', state: 'pending' })).toBe(1);
    expect(result.deployments.map((d) => [d.id, d.targeted, d.applied, d.reportingSuccess, d.pending])).toEqual([
      ['a', 1, 1, 0, 1],
      ['b', 3, 2, 1, 1],
    ]);
  });

  it('--fail-on-failure: deployments whose failures exceed the share of their applied devices', () => {
    const d = (id: string, applied: number, reportingFailure: number) => ({
      id,
      priority: 0,
      labels: {},
      targeted: applied,
      applied,
      reportingSuccess: 0,
      reportingFailure,
      pending: applied - reportingFailure,
    });
    const deployments = [d('a', 10, 1), d('b', 10, 2), d('c', 0, 0)];
    expect(failingDeployments(deployments, 10).map((x) => x.id)).toEqual(['b']);
    expect(failingDeployments(deployments, 0).map((x) => x.id)).toEqual(['a', 'b']);
    expect(failingDeployments(deployments, 20)).toEqual([]);
  });
});

describe('status text and Markdown', () => {
  it('cap the failing devices and say how many more there are', async () => {
    const devices = Array.from({ length: 25 }, (_, i) => ({ deviceId: `d${String(i).padStart(2, '0')}` }));
    const loaded = await loadFleet({ all: { targetCondition: '*' } }, devices);
    const hash = currentContentHashes(loaded.analysis).get('all')!;
    const result = computeStatus(
      loaded.analysis.resolution,
      currentContentHashes(loaded.analysis),
      devices.map((d) => ({ deviceId: d.deviceId, contentHash: hash, code: 500 })),
    );
    const text = statusText({ status: result, diagnostics: [] }, createStyle(false));
    expect(text).toContain('failing devices (25):');
    expect(text).toMatch(new RegExp(`^d${FAILING_SHOWN - 1} +all +code 500$`, 'm'));
    expect(text).not.toContain(`d${FAILING_SHOWN}  `);
    expect(text).toContain(`…and ${25 - FAILING_SHOWN} more (--state failure --devices lists them all)`);
    const markdown = statusMarkdown({ status: result, diagnostics: [] });
    expect(markdown).toContain('<details><summary>25 failing devices</summary>');
    expect(markdown.match(/^\| `d\d\d` \|/gm)).toHaveLength(FAILING_SHOWN);
    expect(markdown).toContain(`…and ${25 - FAILING_SHOWN} more`);
  });
});

describe('device index', () => {
  it('finds every id at its position and nothing else, like a Map', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ maxLength: 6 }), { maxLength: 200 }), fc.array(fc.string({ maxLength: 6 }), { maxLength: 50 }), (ids, probes) => {
        const indexOf = deviceIndex(ids);
        const map = new Map(ids.map((id, i) => [id, i]));
        for (const id of [...ids, ...probes]) expect(indexOf(id)).toBe(map.get(id) ?? -1);
      }),
    );
  });
});

describe('report shape', () => {
  it.each([
    [[], 'a report is a JSON object'],
    [{ code: 200, contentHash: 'x' }, 'missing "deviceId"'],
    [{ deviceId: 'd', contentHash: 'x' }, 'missing "code"'],
    [{ deviceId: 'd', code: '200', contentHash: 'x' }, 'missing "code"'],
    [{ deviceId: 'd', code: 200 }, 'missing "contentHash"'],
    [{ deviceId: 'd', code: 200, contentHash: 'x', reportedAt: 'yesterday' }, '"reportedAt" must be an RFC 3339 time'],
    [{ deviceId: 'd', code: 200, contentHash: 'x', modules: { m: {} } }, `module 'm' needs a "runtimeStatus"`],
    [{ deviceId: 'd', code: 200, contentHash: 'x', description: 5 }, '"description" must be a string'],
  ])('%j is refused', (value, message) => {
    expect(reportProblem(value)).toContain(message);
  });

  it('the DESIGN example is accepted', () => {
    expect(
      reportProblem({
        deviceId: 'linuxprod1',
        deployment: 'telemetry-prod',
        contentHash: 'sha256:…',
        code: 200,
        description: '',
        modules: { tempSensor: { runtimeStatus: 'running' } },
        reportedAt: '2026-11-20T10:00:00Z',
      }),
    ).toBeUndefined();
  });
});

describe('status use-case', () => {
  const listSource = (items: ReportItem[]) => ({
    description: 'reports',
    async *reports() {
      yield* items;
    },
  });

  it('folds reports and places report diagnostics after the repository', async () => {
    const files = {
      'deployments/telemetry-prod.yaml': deploymentYaml({ targetCondition: "tags.environment = 'prod'", content: TELEMETRY_CONTENT }),
      'fleet/devices.yaml': fleetYaml(prodDevices(3)),
    };
    const outcome = await status(
      memorySource(files),
      listSource([
        { diagnostic: { severity: 'warning', code: 'report/invalid', message: 'bad', file: 'reports/a.ndjson', line: 2, column: 1 } },
        { report: { deviceId: 'ghost', code: 200, contentHash: 'x' } },
      ]),
    );
    expect(outcome.valid).toBe(true);
    expect(outcome.status.deployments[0]).toMatchObject({ targeted: 3, applied: 3, pending: 3 });
    expect(outcome.diagnostics.map((d) => [d.code, d.file, d.line])).toEqual([
      ['report/invalid', 'reports/a.ndjson', 2],
      ['report/unknown-device', 'reports', 1],
    ]);
  });

  it('maps IoT Hub $edgeAgent desired properties (with $version and $metadata) to the current content hash', async () => {
    const { loaded, hash } = await seedFleet();
    const lookup = desiredContentLookup(loaded.analysis);
    const deployment = loaded.analysis.repository.deployments[0];
    const desired = (renderModulesContent(deployment.modulesContent).$edgeAgent as Record<string, unknown>)['properties.desired'] as Record<string, unknown>;
    const twin = JSON.parse(canonicalJson({ ...desired, $version: 7, $metadata: { $lastUpdated: '2026-11-20T10:00:00Z' } }));
    expect(lookup(twin)).toBe(hash);
    expect(lookup({ ...twin, schemaVersion: '1.0' })).toBeUndefined();
    expect(lookup('not an object')).toBeUndefined();
  });
});
