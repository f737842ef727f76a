import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { contentHashOf } from '../src/core/manifest/render.js';
import { diskSource } from '../src/io/disk.js';
import { loadRepository } from '../src/usecases/load.js';
import { deploymentYaml, fleetYaml } from './helpers.js';
import { runCli } from './support/cli.js';
import { writeRendering } from './support/rendering.js';
import { TELEMETRY_CONTENT } from './support/status-fixtures.js';

const prod = Array.from({ length: 15 }, (_, i) => ({ deviceId: `prod${String(i + 1).padStart(2, '0')}`, tags: { environment: 'prod' } }));

let repo: string;
let hash: string;

/** A repository with the seed's deployment over 15 prod devices and one lab device, and its rendering in `rendered/`. */
beforeAll(async () => {
  repo = mkdtempSync(path.join(tmpdir(), 'edgeops-status-cli-'));
  mkdirSync(path.join(repo, 'deployments'));
  mkdirSync(path.join(repo, 'fleet'));
  writeFileSync(
    path.join(repo, 'deployments/telemetry-prod.yaml'),
    deploymentYaml({ priority: 10, targetCondition: "tags.environment = 'prod'", labels: { team: 'telemetry' }, content: TELEMETRY_CONTENT }),
  );
  writeFileSync(path.join(repo, 'fleet/devices.yaml'), fleetYaml([...prod, { deviceId: 'lab1', tags: { environment: 'lab' } }]));
  const loaded = await loadRepository(diskSource(repo));
  hash = contentHashOf(loaded.analysis.repository.deployments[0]);
  expect(writeRendering(path.join(repo, 'rendered'), loaded)).toBe(15);
});

/** A reports folder inside the repository with these files. */
function reports(name: string, files: Record<string, string>): string {
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.join(repo, name, path.dirname(file)), { recursive: true });
    writeFileSync(path.join(repo, name, file), text);
  }
  return name;
}

const report = (deviceId: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    deviceId,
    deployment: 'telemetry-prod',
    contentHash: hash,
    code: 200,
    description: '',
    modules: { telemetry: { runtimeStatus: 'running' } },
    ...extra,
  });

const cli = (...args: string[]) => runCli(args, { cwd: repo });

describe('edgeops status', () => {
  it("prints the seed's example as the portal's deployment list", async () => {
    const dir = reports('seed', {
      'reports.ndjson': prod
        .slice(0, 10)
        .map((d) => report(d.deviceId))
        .join('\n'),
    });
    const { code, stdout, stderr } = await cli('status', '--reports', dir);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        'DEPLOYMENT      PRIORITY  TARGETED  APPLIED  SUCCESS  FAILURE  PENDING  LABELS',
        'telemetry-prod        10        15       15       10        0        5  team=telemetry',
        '',
        '10 reports read',
        '',
      ].join('\n'),
    );
    const json = JSON.parse((await cli('status', '--reports', dir, '--format', 'json')).stdout);
    expect(json).toEqual({
      version: 1,
      deployments: [
        { id: 'telemetry-prod', labels: { team: 'telemetry' }, priority: 10, targeted: 15, applied: 15, reportingSuccess: 10, reportingFailure: 0, pending: 5 },
      ],
      reports: 10,
      unknownDevices: 0,
      diagnostics: [],
    });
  });

  it('lists failing devices with reasons, and devices by state on request', async () => {
    const lines = prod.map((d, i) =>
      i < 12
        ? report(d.deviceId, { code: 500, description: 'failed to pull image' })
        : report(d.deviceId, { modules: { telemetry: { runtimeStatus: 'failed', exitCode: 1 } } }),
    );
    const dir = reports('failing', { 'all.ndjson': lines.join('\n') });
    const text = (await cli('status', '--reports', dir)).stdout;
    expect(text).toContain('failing devices (15):');
    expect(text).toContain('prod01  telemetry-prod  code 500: failed to pull image');
    expect(text).toContain('prod13  telemetry-prod  module telemetry failed (exit 1)');
    const listed = (await cli('status', '--reports', dir, '--state', 'failure', '--devices')).stdout;
    expect(listed).toContain('prod13  telemetry-prod  failure  module telemetry failed (exit 1)');
    const json = JSON.parse((await cli('status', '--reports', dir, '--state', 'unmanaged', '--format', 'json')).stdout);
    expect(json.devices).toEqual([{ deviceId: 'lab1', deployment: null, state: 'unmanaged', reason: 'no deployment targets this device' }]);
  });

  it('--devices lists every device; --deployment keeps one deployment and its devices', async () => {
    const dir = reports('some', { 'a.json': report('prod02') });
    const json = JSON.parse((await cli('status', '--reports', dir, '--devices', '--format', 'json')).stdout);
    expect(json.devices).toHaveLength(16);
    expect(json.devices[0]).toEqual({ deviceId: 'lab1', deployment: null, state: 'unmanaged', reason: 'no deployment targets this device' });
    expect(json.devices[2]).toEqual({ deviceId: 'prod02', deployment: 'telemetry-prod', state: 'success', reason: 'code 200' });
    const one = JSON.parse((await cli('status', '--reports', dir, '--deployment', 'telemetry-prod', '--format', 'json')).stdout);
    expect(one.devices).toHaveLength(15);
    expect((await cli('status', '--reports', dir, '--deployment', 'nope')).code).toBe(2);
  });

  it('malformed reports and unknown devices are diagnostics with file and line, never fatal', async () => {
    const dir = reports('messy', {
      'r.ndjson': [report('prod01'), 'not json', report('removed-device'), JSON.stringify({ deviceId: 'prod02', code: 200 })].join('\n'),
    });
    const { code, stdout } = await cli('status', '--reports', dir, '--format', 'json');
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(json.deployments[0]).toMatchObject({ reportingSuccess: 1, pending: 14 });
    expect(json.unknownDevices).toBe(1);
    expect(json.diagnostics.map((d: { code: string; file: string; line: number }) => [d.code, d.file, d.line])).toEqual([
      ['report/invalid', 'messy/r.ndjson', 2],
      ['report/invalid', 'messy/r.ndjson', 4],
      ['report/unknown-device', 'messy', 1],
    ]);
    expect((await cli('status', '--reports', dir)).stdout).toContain('messy/r.ndjson:2:1 warning report/invalid\n  not valid JSON');
  });

  it('--fail-on-failure exits 1 when a deployment fails on more than that share of its applied devices', async () => {
    const dir = reports('two-failing', { 'r.ndjson': [report('prod01', { code: 500 }), report('prod02', { code: 406 }), report('prod03')].join('\n') });
    // 2 of 15 = 13.3 %
    expect((await cli('status', '--reports', dir, '--fail-on-failure', '20')).code).toBe(0);
    const over = await cli('status', '--reports', dir, '--fail-on-failure', '10');
    expect(over.code).toBe(1);
    expect(over.stderr).toBe('edgeops status: telemetry-prod: 2 of 15 applied devices report failure, over 10%\n');
    expect((await cli('status', '--reports', dir, '--fail-on-failure', 'lots')).code).toBe(2);
  });

  it('writes Markdown for job summaries', async () => {
    const dir = reports('markdown', { 'r.ndjson': [report('prod01', { code: 500, description: 'a | b' }), report('prod02')].join('\n') });
    const { stdout } = await cli('status', '--reports', dir, '--format', 'markdown');
    expect(stdout).toContain('| Deployment | Priority | Labels | Targeted | Applied | Success | Failure | Pending |');
    expect(stdout).toContain('| `telemetry-prod` | 10 | team=telemetry | 15 | 15 | 1 | 1 | 13 |');
    expect(stdout).toContain('<details><summary>1 failing device</summary>');
    expect(stdout).toContain('| `prod01` | `telemetry-prod` | code 500: a \\| b |');
  });

  it('usage errors: no report source, both sources, a bad state, a missing folder', async () => {
    expect((await cli('status')).stderr).toContain('say where reports come from: --reports DIR or --iothub');
    expect((await cli('status', '--reports', 'seed', '--iothub')).code).toBe(2);
    expect((await cli('status', '--reports', 'seed', '--state', 'sad')).stderr).toContain('--state must be one of success, failure, pending, unmanaged');
    expect((await cli('status', '--reports', 'no-such-folder')).stderr).toContain('--reports no-such-folder: no such folder');
  });
});

describe('edgeops simulate, then status', () => {
  it('status counts exactly what simulate reported, and the same seed writes the same file', async () => {
    const args = [
      'simulate',
      '--from',
      'rendered',
      '--reports',
      'simulated',
      '--seed',
      '42',
      '--pending-rate',
      '0.3',
      '--fail-rate',
      '0.2',
      '--format',
      'json',
    ];
    const first = await cli(...args);
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary).toMatchObject({ from: 'rendered', reports: 'simulated/simulated.ndjson', devices: 15 });
    const file = readFileSync(path.join(repo, 'simulated/simulated.ndjson'), 'utf8');
    await cli(...args);
    expect(readFileSync(path.join(repo, 'simulated/simulated.ndjson'), 'utf8')).toBe(file);

    const status = JSON.parse((await cli('status', '--reports', 'simulated', '--format', 'json')).stdout);
    expect(status.deployments[0]).toMatchObject({
      targeted: 15,
      applied: 15,
      reportingSuccess: summary.success,
      reportingFailure: summary.failure,
      pending: summary.pending,
    });
  });

  it('--fail-module makes every device running it fail, as status shows', async () => {
    expect((await cli('simulate', '--from', 'rendered', '--reports', 'crash', '--fail-module', 'telemetry')).stdout).toContain(
      '0 success, 15 failure, 0 pending',
    );
    const { stdout } = await cli('status', '--reports', 'crash', '--state', 'failure');
    expect(stdout).toContain('prod07  telemetry-prod  failure  module telemetry failed (exit 1)');
  });

  it("after 'edgeops apply' (the embedded git rendering), simulate and status need no paths but --reports", async () => {
    const applied = await cli('apply', '--format', 'json');
    expect(applied.code).toBe(0);
    expect(JSON.parse(applied.stdout)).toMatchObject({ pushed: 15 });
    const simulated = await cli('simulate', '--reports', '.edgeops/reports', '--seed', '1', '--pending-rate', '0.3', '--format', 'json');
    expect(simulated.code).toBe(0);
    const summary = JSON.parse(simulated.stdout);
    expect(summary.from).toMatch(/^\.edgeops\/rendered \(edgeops\/rendered [0-9a-f]{7}\)$/);
    expect(summary.devices).toBe(15);
    expect(summary.pending).toBeGreaterThan(0);
    const { stdout } = await cli('status', '--reports', '.edgeops/reports', '--format', 'json');
    expect(JSON.parse(stdout).deployments[0]).toMatchObject({ targeted: 15, applied: 15, reportingSuccess: summary.success, pending: summary.pending });
    // A new content: every device is pending until it reports about it.
    const original = readFileSync(path.join(repo, 'deployments/telemetry-prod.yaml'), 'utf8');
    writeFileSync(
      path.join(repo, 'deployments/telemetry-prod.yaml'),
      deploymentYaml({
        targetCondition: "tags.environment = 'prod'",
        labels: { team: 'telemetry' },
        content: TELEMETRY_CONTENT.replace('telemetry:2.1', 'telemetry:2.2'),
      }),
    );
    const after = JSON.parse((await cli('status', '--reports', '.edgeops/reports', '--format', 'json')).stdout).deployments[0];
    expect(after).toMatchObject({ reportingSuccess: 0, reportingFailure: 0, pending: 15 });
    writeFileSync(path.join(repo, 'deployments/telemetry-prod.yaml'), original);
  });

  it('no rendering: exit 1 with what to do; bad rates are usage errors', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'edgeops-no-rendering-'));
    const none = await runCli(['simulate', '--reports', 'x'], { cwd: empty });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(".edgeops/rendered does not exist: run 'edgeops apply' first");
    expect((await cli('simulate', '--from', 'rendered', '--reports', 'x', '--fail-rate', '2')).code).toBe(2);
    expect((await cli('simulate', '--from', 'rendered')).stderr).toContain('--reports DIR is required');
  });
});
