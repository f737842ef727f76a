/**
 * Reports in compact form (core/status/compact.ts, read on another thread by
 * `status`) give exactly the status of folding every report object in order.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compactReports } from '../src/core/status/compact.js';
import type { DeviceReport } from '../src/core/status/report.js';
import { statusFolder, type StatusResult } from '../src/core/status/status.js';
import { decodeCompactRead, encodeCompactRead, folderReportSource } from '../src/io/reports/folder.js';
import { diskSource } from '../src/io/disk.js';
import { currentContentHashes, status } from '../src/usecases/status.js';
import type { LoadedRepository } from '../src/usecases/load.js';
import { loadFleet } from './helpers.js';
import { TELEMETRY_CONTENT } from './support/status-fixtures.js';
import { testRepo } from './support/git-repo.js';
import { deploymentYaml, fleetYaml } from './helpers.js';

const root = path.resolve(import.meta.dirname, '..');

/** prod devices p0…p5 under one deployment, lab devices l0, l1 unmanaged. */
async function fleet(): Promise<LoadedRepository> {
  return loadFleet({ prod: { priority: 10, targetCondition: "tags.environment = 'prod'", labels: {}, content: TELEMETRY_CONTENT } }, [
    ...Array.from({ length: 6 }, (_, i) => ({ deviceId: `p${i}`, tags: { environment: 'prod' } })),
    { deviceId: 'l0', tags: { environment: 'lab' } },
    { deviceId: 'l1', tags: { environment: 'lab' } },
  ]);
}

const snapshot = (r: StatusResult) => ({
  deployments: r.deployments,
  devices: [...r.devices()],
  reports: r.reports,
  unknownDevices: r.unknownDevices,
  diagnostics: r.diagnostics,
});

const arbitraryReport = (current: string) =>
  fc.record(
    {
      deviceId: fc.constantFrom('p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'l0', 'gone1', 'gone2'),
      contentHash: fc.constantFrom(current, 'sha256:older', undefined),
      code: fc.constantFrom(200, 200, 500, 406),
      description: fc.constantFrom(undefined, 'boom'),
      modules: fc.constantFrom(undefined, { telemetry: { runtimeStatus: 'running' } }, { telemetry: { runtimeStatus: 'backoff', exitCode: 1 } }),
      // Equal, missing and unparsable times are where "the latest counts" is subtle.
      reportedAt: fc.constantFrom(undefined, '2026-11-20T10:00:00Z', '2026-11-20T10:00:00Z', '2026-11-21T10:00:00Z', 'not a time'),
    },
    { requiredKeys: ['deviceId', 'code'] },
  ) as fc.Arbitrary<DeviceReport>;

describe('reports in compact form', () => {
  it('give the status of folding every report, for any sequence (property)', async () => {
    const loaded = await fleet();
    const hashes = currentContentHashes(loaded.analysis);
    const current = hashes.get('prod')!;
    fc.assert(
      fc.property(fc.array(arbitraryReport(current), { maxLength: 40 }), (reports) => {
        const each = statusFolder(loaded.analysis.resolution, hashes);
        for (const r of reports) each.add(r);
        const compact = compactReports();
        for (const r of reports) compact.add(r);
        const compacted = statusFolder(loaded.analysis.resolution, hashes);
        // Through the thread codec too, as the worker sends it.
        const { message } = encodeCompactRead({ reports: compact.done(), diagnostics: [], bad: 0 });
        compacted.addCompact(decodeCompactRead(structuredClone(message)).reports);
        expect(snapshot(compacted.finish())).toEqual(snapshot(each.finish()));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps every row past its first buffers, in reading order', () => {
    const compact = compactReports();
    const n = 5000;
    for (let i = 0; i < n; i++) {
      compact.add({
        deviceId: `d${i}`,
        code: i % 7 === 0 ? 500 : 200,
        contentHash: `sha256:${i % 3}`,
        reportedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      });
    }
    const rows = compact.done();
    expect(rows.deviceIds).toHaveLength(n);
    expect([rows.at.length, rows.contentHash.length, rows.failure.length]).toEqual([n, n, n]);
    for (const i of [0, 1023, 1024, 2048, n - 1]) {
      expect(rows.deviceIds[i]).toBe(`d${i}`);
      expect(rows.at[i]).toBe(Date.UTC(2026, 0, 1, 0, 0, i));
      expect(rows.contentHashes[rows.contentHash[i]]).toBe(`sha256:${i % 3}`);
      expect(rows.failure[i] === -1 ? undefined : rows.failures[rows.failure[i]]).toBe(i % 7 === 0 ? 'code 500' : undefined);
    }
  });

  it('`edgeops status` (reports read in a worker, in compact form) prints what the report-by-report fold gives', async () => {
    const loaded = await fleet();
    const current = currentContentHashes(loaded.analysis).get('prod')!;
    const repo = testRepo();
    repo.write({
      'deployments/prod.yaml': deploymentYaml({ priority: 10, targetCondition: "tags.environment = 'prod'", labels: {}, content: TELEMETRY_CONTENT }),
      'fleet/devices.yaml': fleetYaml([
        ...Array.from({ length: 6 }, (_, i) => ({ deviceId: `p${i}`, tags: { environment: 'prod' } })),
        { deviceId: 'l0', tags: { environment: 'lab' } },
        { deviceId: 'l1', tags: { environment: 'lab' } },
      ]),
    });
    const reports = mkdtempSync(path.join(tmpdir(), 'edgeops-latest-'));
    const line = (r: object) => JSON.stringify(r);
    writeFileSync(
      path.join(reports, 'a.ndjson'),
      [
        line({ deviceId: 'p0', contentHash: current, code: 200, reportedAt: '2026-11-21T10:00:00Z' }),
        line({ deviceId: 'p0', contentHash: current, code: 500, description: 'late but older', reportedAt: '2026-11-20T10:00:00Z' }),
        line({ deviceId: 'p1', contentHash: current, code: 200 }),
        line({ deviceId: 'p1', contentHash: current, code: 500, description: 'last read wins a tie' }),
        line({ deviceId: 'p2', contentHash: 'sha256:older', code: 200 }),
        '{"deviceId": "p3", "code": 200,',
        line({ deviceId: 'gone', contentHash: current, code: 200 }),
        line({ deviceId: 'p4', contentHash: current, code: 200, modules: { telemetry: { runtimeStatus: 'failed', exitCode: 2 } } }),
      ].join('\n'),
    );
    writeFileSync(path.join(reports, 'b.json'), line({ deviceId: 'p5', contentHash: current, code: 200 }));

    const source = folderReportSource(reports, 'reports');
    // Without `compact`, status folds report objects one by one.
    const streamed = await status(diskSource(repo.dir), { description: source.description, batches: source.batches, reports: source.reports });
    const expected = {
      deployments: streamed.status.deployments,
      devices: [...streamed.status.devices()],
      diagnostics: streamed.diagnostics,
    };
    expect(expected.deployments[0]).toMatchObject({ applied: 6, reportingSuccess: 2, reportingFailure: 2, pending: 2 });

    const out = execFileSync(
      process.execPath,
      [path.join(root, 'bin/edgeops.js'), 'status', '--repo', repo.dir, '--reports', reports, '--devices', '--format', 'json'],
      {
        encoding: 'utf8',
      },
    );
    const printed = JSON.parse(out) as {
      deployments: unknown[];
      devices: unknown[];
      diagnostics: { file: string; line: number; code: string; message: string }[];
    };
    expect(printed.deployments).toEqual(expected.deployments);
    expect(printed.devices).toEqual(expected.devices);
    const key = (d: { file: string; line: number; code: string; message: string }) => `${d.code} ${d.line} ${d.message}`;
    expect(printed.diagnostics.map(key)).toEqual(expected.diagnostics.map(key));
    expect(printed.diagnostics.some((d) => d.code === 'report/invalid' && d.line === 6)).toBe(true);
  });
});
